/**
 * inspectCertificate end to end over real files: one case per reason code, per key type and per key
 * encoding. Certificates and keys are generated at test time.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { inspectCertificate } from '../../src/check/inspect.ts';
import type { RawCertEntry } from '../../src/config/config-file.ts';
import { resolveCert } from '../../src/config/resolve.ts';
import type { CertSettings } from '../../src/config/settings.ts';
import {
  type FixtureKeyType,
  type Issued,
  keyPemAs,
  makeCert,
  makeChain,
  makeFifo,
  tempDir,
  writeFile,
} from '../helpers/fixtures.ts';

const DAY = 86400_000;
const { dir, cleanup } = tempDir();
after(cleanup);

function settings(
  files: { cert: string; key?: string; chain?: string },
  entry: RawCertEntry = {},
): CertSettings {
  const s = resolveCert('test', [entry], 'test');
  s.certFile = files.cert;
  s.keyFile = files.key;
  s.chainFile = files.chain;
  return s;
}

let n = 0;
/** Writes a chain-backed leaf's fullchain and key; returns their paths. */
function files(leaf: Issued, issuers: Issued[], keyPem = leaf.keyPem) {
  const id = n++;
  return {
    cert: writeFile(dir, `fullchain-${id}.pem`, [leaf, ...issuers].map((c) => c.certPem).join('')),
    key: writeFile(dir, `key-${id}.pem`, keyPem),
  };
}

describe('one case per reason code', () => {
  let chain: Awaited<ReturnType<typeof makeChain>>;
  before(async () => {
    chain = await makeChain({ sans: ['example.com', 'www.example.com'] });
  });

  const cases: {
    code: string;
    make: () => Promise<{ files: { cert: string; key?: string; chain?: string }; entry?: RawCertEntry }>;
  }[] = [
    { code: 'missing', make: async () => ({ files: { cert: `${dir}/does-not-exist.pem` } }) },
    {
      code: 'unreadable',
      make: async () => {
        // As root every permission check passes; a FIFO is a file that cannot be read as PEM.
        return { files: { cert: makeFifo(dir, `fifo-${n++}.pem`) } };
      },
    },
    {
      code: 'malformed',
      make: async () => ({ files: { cert: writeFile(dir, `garbage-${n++}.pem`, 'not a certificate\n') } }),
    },
    {
      code: 'not-yet-valid',
      make: async () => {
        const leaf = await makeCert({
          issuer: chain.intermediate,
          notBefore: new Date(Date.now() + DAY),
          days: 90,
        });
        return { files: files(leaf, [chain.intermediate]) };
      },
    },
    {
      code: 'expired',
      make: async () => {
        const leaf = await makeCert({
          issuer: chain.intermediate,
          notBefore: new Date(Date.now() - 91 * DAY),
          notAfter: new Date(Date.now() - DAY),
        });
        return { files: files(leaf, [chain.intermediate]) };
      },
    },
    {
      code: 'expires-too-soon',
      make: async () => {
        const leaf = await makeCert({ issuer: chain.intermediate, days: 5 });
        return { files: files(leaf, [chain.intermediate]), entry: { minValidity: '7d' } };
      },
    },
    {
      code: 'key-mismatch',
      make: async () => {
        const other = await makeCert({ freshKey: true });
        return { files: files(chain.leaf, [chain.intermediate], other.keyPem) };
      },
    },
    {
      code: 'name-not-covered',
      make: async () => ({
        files: files(chain.leaf, [chain.intermediate]),
        entry: { domains: ['example.com', 'mail.example.com'] },
      }),
    },
    {
      code: 'chain-broken',
      make: async () => {
        const stranger = await makeCert({ isCa: true, cn: 'some other CA', freshKey: true });
        return { files: files(chain.leaf, [stranger]) };
      },
    },
  ];

  for (const c of cases) {
    test(c.code, async () => {
      const { files: f, entry } = await c.make();
      const v = inspectCertificate(settings(f, entry), new Date());
      assert.equal(v.usable, false);
      assert.deepEqual(
        v.reasons.map((r) => r.code),
        [c.code],
      );
      assert.ok(v.reasons[0]!.message.length > 0);
    });
  }

  test('the valid baseline has no reasons and no warnings', () => {
    const v = inspectCertificate(
      settings(files(chain.leaf, [chain.intermediate]), { domains: ['example.com', 'WWW.example.com.'] }),
      new Date(),
    );
    assert.deepEqual(v.reasons, []);
    assert.deepEqual(v.warnings, []);
    assert.equal(v.usable, true);
    assert.equal(v.renewalDue, false);
    assert.deepEqual(v.domains, ['example.com', 'www.example.com']);
    assert.match(v.issuer!, /CN=certguard test intermediate/);
  });

  test('a missing key file and a missing chain file are both reported', () => {
    const f = files(chain.leaf, [chain.intermediate]);
    const v = inspectCertificate(
      settings({ cert: f.cert, key: `${dir}/nokey.pem`, chain: `${dir}/nochain.pem` }),
      new Date(),
    );
    assert.deepEqual(
      v.reasons.map((r) => r.code),
      ['missing', 'missing'],
    );
    assert.equal(v.usable, false);
  });
});

describe('key types', () => {
  const types: [FixtureKeyType, string][] = [
    ['rsa2048', 'rsa2048'],
    ['rsa3072', 'rsa3072'],
    ['rsa4096', 'rsa4096'],
    ['ec256', 'ec256'],
    ['ec384', 'ec384'],
    ['ed25519', 'ed25519'],
  ];
  for (const [type, name] of types) {
    test(`${type}: usable with its key, key-mismatch with another key of the same type`, async () => {
      // The issuer's own key type is irrelevant here (chains mix types); only the leaf's is under test.
      const ca = await makeCert({ isCa: true, cn: `CA for ${type}` });
      const leaf = await makeCert({ keyType: type, issuer: ca, freshKey: true });
      const v = inspectCertificate(settings(files(leaf, [ca])), new Date());
      assert.deepEqual(v.reasons, []);
      assert.equal(v.keyType, name);
      assert.equal(v.usable, true);

      const other = await makeCert({ keyType: type, freshKey: true });
      const bad = inspectCertificate(settings(files(leaf, [ca], other.keyPem)), new Date());
      assert.deepEqual(
        bad.reasons.map((r) => r.code),
        ['key-mismatch'],
      );
    });
  }

  test('a key of another type does not match (RSA key, ECDSA certificate)', async () => {
    const ec = await makeCert({ keyType: 'ec256' });
    const rsa = await makeCert({ keyType: 'rsa2048' });
    const v = inspectCertificate(settings(files(ec, [], rsa.keyPem)), new Date());
    assert.deepEqual(
      v.reasons.map((r) => r.code),
      ['key-mismatch'],
    );
  });
});

describe('key encodings', () => {
  const encodings: [string, FixtureKeyType, 'pkcs1' | 'sec1' | 'pkcs8'][] = [
    ['PKCS#1 RSA', 'rsa2048', 'pkcs1'],
    ['PKCS#8 RSA', 'rsa2048', 'pkcs8'],
    ['SEC1 P-256', 'ec256', 'sec1'],
    ['SEC1 P-384', 'ec384', 'sec1'],
    ['PKCS#8 P-256', 'ec256', 'pkcs8'],
    ['PKCS#8 Ed25519', 'ed25519', 'pkcs8'],
  ];
  for (const [label, type, enc] of encodings) {
    test(`${label} key matches its certificate`, async () => {
      const leaf = await makeCert({ keyType: type });
      const pem = keyPemAs(leaf, enc);
      assert.match(
        pem,
        enc === 'pkcs1' ? /RSA PRIVATE KEY/ : enc === 'sec1' ? /EC PRIVATE KEY/ : /BEGIN PRIVATE[ ]KEY/,
      );
      const v = inspectCertificate(settings(files(leaf, [], pem)), new Date());
      assert.deepEqual(v.reasons, [], JSON.stringify(v.reasons));
    });
  }

  test('SEC1 with a leading EC PARAMETERS block, as `openssl ecparam -genkey` writes it', (t) => {
    const probe = spawnSync('openssl', ['version']);
    if (probe.error) {
      console.warn('SKIPPED: openssl not installed');
      t.skip('SKIPPED: openssl not installed: cannot generate an ecparam key');
      return;
    }
    const key = `${dir}/ecparam-key.pem`;
    const cert = `${dir}/ecparam-cert.pem`;
    const gen = spawnSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-out', key]);
    assert.equal(gen.status, 0, gen.stderr.toString());
    const req = spawnSync('openssl', [
      'req', '-x509', '-key', key, '-out', cert, '-days', '30', '-subj', '/CN=ecparam.example',
      '-addext', 'subjectAltName=DNS:ecparam.example',
    ]); // biome-ignore format: argv
    assert.equal(req.status, 0, req.stderr.toString());
    const v = inspectCertificate(settings({ cert, key }, { domains: ['ecparam.example'] }), new Date());
    assert.deepEqual(v.reasons, []);
    assert.equal(v.keyType, 'ec256');
  });

  for (const [label, enc] of [
    ['PKCS#8 (ENCRYPTED PRIVATE KEY)', 'pkcs8'],
    ['legacy PKCS#1 (Proc-Type: 4,ENCRYPTED)', 'pkcs1'],
    ['legacy SEC1 (Proc-Type: 4,ENCRYPTED)', 'sec1'],
  ] as const) {
    test(`encrypted key, ${label}: a clear malformed reason`, async () => {
      const leaf = await makeCert({ keyType: enc === 'sec1' ? 'ec256' : 'rsa2048' });
      const pem = keyPemAs(leaf, enc, 'secret passphrase');
      assert.match(pem, /ENCRYPTED/);
      const v = inspectCertificate(settings(files(leaf, [], pem)), new Date());
      assert.equal(v.usable, false);
      assert.deepEqual(
        v.reasons.map((r) => r.code),
        ['malformed'],
      );
      assert.match(v.reasons[0]!.message, /is encrypted; certguard needs an unencrypted key file/);
    });
  }
});

describe('warnings from the files themselves', () => {
  test('a world-readable key file warns; 0640 (group, as NixOS security.acme sets it) does not', async () => {
    const { leaf, intermediate } = await makeChain();
    const cert = writeFile(dir, `mode-cert-${n++}.pem`, leaf.certPem + intermediate.certPem);
    const world = writeFile(dir, `mode-key-${n++}.pem`, leaf.keyPem, 0o644);
    const group = writeFile(dir, `mode-key-${n++}.pem`, leaf.keyPem, 0o640);
    const w = inspectCertificate(settings({ cert, key: world }), new Date());
    assert.equal(w.usable, true);
    assert.deepEqual(
      w.warnings.map((x) => x.code),
      ['key-readable-by-others'],
    );
    assert.deepEqual(inspectCertificate(settings({ cert, key: group }), new Date()).warnings, []);
  });

  test('a leaf without its issuers warns chain-missing; with --chain it does not', async () => {
    const { leaf, intermediate } = await makeChain();
    const cert = writeFile(dir, `alone-${n++}.pem`, leaf.certPem);
    const chain = writeFile(dir, `chain-${n++}.pem`, intermediate.certPem);
    assert.deepEqual(
      inspectCertificate(settings({ cert }), new Date()).warnings.map((x) => x.code),
      ['chain-missing'],
    );
    assert.deepEqual(inspectCertificate(settings({ cert, chain }), new Date()).warnings, []);
  });

  test('CRLF line ends and text around the blocks', async () => {
    const { leaf, intermediate } = await makeChain({ sans: ['crlf.example'] });
    const text =
      `subject=CN = crlf.example\r\n${leaf.certPem}\r\nissuer text\r\n${intermediate.certPem}`.replaceAll(
        '\n',
        '\r\n',
      );
    const cert = writeFile(dir, `crlf-${n++}.pem`, text);
    const key = writeFile(dir, `crlf-key-${n++}.pem`, leaf.keyPem.replaceAll('\n', '\r\n'));
    const v = inspectCertificate(settings({ cert, key }, { domains: ['crlf.example'] }), new Date());
    assert.deepEqual(v.reasons, []);
    assert.deepEqual(v.warnings, []);
  });
});

describe('naming the verdict', () => {
  test('without a NAME the verdict is named after the first --domain, else the first SAN', async () => {
    const leaf = await makeCert({ sans: ['first.example', 'second.example'] });
    const f = files(leaf, []);
    assert.equal(inspectCertificate(settings(f), new Date(), false).name, 'first.example');
    assert.equal(
      inspectCertificate(settings(f, { domains: ['second.example'] }), new Date(), false).name,
      'second.example',
    );
    assert.equal(inspectCertificate(settings(f), new Date(), true).name, 'test');
  });
});

describe('trust: the setting flows from the config entry into the verdict', () => {
  test('config `trust` with a bundle lacking the root: untrusted; with it: usable', async () => {
    const chain = await makeChain({ sans: ['trust.example'] });
    const f = files(chain.leaf, [chain.intermediate]);
    const other = await makeCert({ isCa: true, cn: 'unrelated root' });
    const without = writeFile(dir, 'bundle-without.pem', other.certPem);
    const withRoot = writeFile(dir, 'bundle-with.pem', other.certPem + chain.root.certPem);
    const bad = inspectCertificate(settings(f, { trust: without }), new Date());
    assert.deepEqual(
      bad.reasons.map((r) => r.code),
      ['untrusted'],
    );
    assert.match(bad.reasons[0]!.message, /is issued by certguard test root, which is not a trust anchor/);
    assert.equal(inspectCertificate(settings(f, { trust: withRoot }), new Date()).usable, true);
  });

  test('no trust, chain ends at a root the system bundle lacks: warning untrusted', async (t) => {
    const chain = await makeChain({ sans: ['warn.example'] });
    const f = files(chain.leaf, [chain.intermediate, chain.root]);
    const sys = writeFile(
      dir,
      'system-bundle.pem',
      (await makeCert({ isCa: true, cn: 'some root' })).certPem,
    );
    const saved = process.env.SSL_CERT_FILE;
    t.after(() => {
      if (saved === undefined) delete process.env.SSL_CERT_FILE;
      else process.env.SSL_CERT_FILE = saved;
    });
    process.env.SSL_CERT_FILE = sys;
    const v = inspectCertificate(settings(f), new Date());
    assert.equal(v.usable, true);
    assert.deepEqual(
      v.warnings.map((w) => w.code),
      ['untrusted'],
    );
    // Leaf + intermediate (the usual ACME fullchain): no lookup, no warning.
    const plain = inspectCertificate(settings(files(chain.leaf, [chain.intermediate])), new Date());
    assert.deepEqual(plain.warnings, []);
    process.env.SSL_CERT_FILE = writeFile(dir, 'system-with-root.pem', chain.root.certPem);
    assert.deepEqual(inspectCertificate(settings(f), new Date()).warnings, []);
  });
});
