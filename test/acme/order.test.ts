import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ariCertId } from '../../src/acme/ari.ts';
import { obtainCertificate } from '../../src/acme/order.ts';
import { AcmeFailure } from '../../src/acme/types.ts';
import { keyTypeName } from '../../src/cert/key-type.ts';
import type { KeyType } from '../../src/config/settings.ts';
import { type AriFront, startAriFront } from '../helpers/ari-front.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { type Pebble, startPebble } from '../helpers/pebble.ts';
import { baseRequest, pebbleSkip } from './order-setup.ts';

/** The issued pair must match, cover the names, and chain to pebble's current root. */
async function assertIssued(
  pebble: Pebble,
  issued: { certPem: string; chainPem: string; keyPem: string },
  domains: string[],
  keyType: string,
) {
  const leaf = new X509Certificate(issued.certPem);
  const key = createPrivateKey(issued.keyPem);
  assert.ok(leaf.checkPrivateKey(key), 'key matches certificate');
  assert.equal(keyTypeName(key), keyType);
  for (const d of domains) assert.ok(leaf.subjectAltName?.includes(`DNS:${d}`), `SAN ${d}`);
  assert.equal((issued.certPem.match(/BEGIN CERTIFICATE/g) ?? []).length, 1, 'certPem is the leaf only');
  const issuers =
    issued.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  assert.ok(issuers.length >= 1, 'chain has the issuer');
  const intermediate = new X509Certificate(issuers[0]!);
  assert.ok(leaf.verify(intermediate.publicKey), 'leaf signed by the first chain certificate');
  const root = new X509Certificate(await pebble.rootPem());
  const top = new X509Certificate(issuers.at(-1)!);
  assert.ok(top.verify(root.publicKey), 'chain ends at pebble root');
}

describe('obtainCertificate against pebble (challenges always valid)', { skip: pebbleSkip() }, () => {
  let pebble: Pebble;
  let tmp: { dir: string; cleanup: () => void };
  before(async () => {
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false });
    tmp = tempDir('certguard-acme-order-');
  });
  after(async () => {
    await pebble?.stop();
    tmp?.cleanup();
  });

  for (const keyType of ['ec256', 'ec384', 'rsa2048', 'rsa3072', 'rsa4096'] as KeyType[]) {
    test(`issues a ${keyType} certificate for two names`, async () => {
      const domains = [`${keyType}.example.com`, `www.${keyType}.example.com`];
      const req = baseRequest(pebble, join(tmp.dir, keyType), { domains, keyType });
      const issued = await obtainCertificate(req);
      await assertIssued(pebble, issued, domains, keyType);
      assert.ok(req.logged.lines.some((l) => /certificate issued/.test(l)));
      for (const line of req.logged.lines) assert.doesNotMatch(line, /PRIVATE KEY/, 'no key in logs');
    });
  }

  test('keeps the given key with reuseKeyPem', async () => {
    const first = await obtainCertificate(baseRequest(pebble, join(tmp.dir, 'reuse')));
    const second = await obtainCertificate(
      baseRequest(pebble, join(tmp.dir, 'reuse'), { reuseKeyPem: first.keyPem }),
    );
    assert.equal(second.keyPem, first.keyPem);
    assert.notEqual(second.certPem, first.certPem);
    assert.ok(new X509Certificate(second.certPem).checkPrivateKey(createPrivateKey(first.keyPem)));
  });

  test('a new key per order by default (key rotation)', async () => {
    const a = await obtainCertificate(baseRequest(pebble, join(tmp.dir, 'rotate')));
    const b = await obtainCertificate(baseRequest(pebble, join(tmp.dir, 'rotate')));
    assert.notEqual(a.keyPem, b.keyPem);
  });

  test('creates the account key once (0600) and reuses it', async () => {
    const dir = join(tmp.dir, 'account');
    const r1 = baseRequest(pebble, dir);
    await obtainCertificate(r1);
    const accountDirs = readdirSync(join(dir, 'accounts'), { recursive: true }) as string[];
    const keyRel = accountDirs.find((p) => p.endsWith('key.pem'))!;
    const keyPath = join(dir, 'accounts', keyRel);
    assert.equal(statSync(keyPath).mode & 0o777, 0o600);
    const keyBefore = readFileSync(keyPath, 'utf8');
    const info = JSON.parse(readFileSync(join(keyPath, '..', 'account.json'), 'utf8')) as { url: string };
    assert.match(info.url, /^https:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(r1.logged.lines.some((l) => l.includes('created account key')));

    const r2 = baseRequest(pebble, dir);
    await obtainCertificate(r2);
    assert.equal(readFileSync(keyPath, 'utf8'), keyBefore, 'same account key');
    assert.ok(r2.logged.lines.some((l) => l.includes('using account key')));
    assert.ok(!r2.logged.lines.some((l) => l.includes('created account key')));
    const keys = (readdirSync(join(dir, 'accounts'), { recursive: true }) as string[]).filter((p) =>
      p.endsWith('key.pem'),
    );
    assert.deepEqual(keys, [keyRel], 'still exactly one account key');

    // Another contact is another account.
    await obtainCertificate(baseRequest(pebble, dir, { email: 'other@example.com' }));
    const keys2 = (readdirSync(join(dir, 'accounts'), { recursive: true }) as string[]).filter((p) =>
      p.endsWith('key.pem'),
    );
    assert.equal(keys2.length, 2);
  });

  test('an unreadable CA bundle is local-io, before any connection', async () => {
    await assert.rejects(
      obtainCertificate(
        baseRequest(pebble, join(tmp.dir, 'nobundle'), { caBundle: join(tmp.dir, 'missing.pem') }),
      ),
      (err: unknown) =>
        err instanceof AcmeFailure &&
        err.failureClass === 'local-io' &&
        /cannot read CA bundle .*ENOENT/.test(err.message),
    );
  });

  test('without the CA bundle the TLS failure is ca-unreachable, naming the certificate problem', async () => {
    const req = baseRequest(pebble, join(tmp.dir, 'untrusted'));
    delete req.caBundle;
    await assert.rejects(obtainCertificate(req), (err: unknown) => {
      assert.ok(err instanceof AcmeFailure);
      assert.equal(err.failureClass, 'ca-unreachable');
      assert.match(err.message, /certificate/i);
      assert.doesNotMatch(err.message, /reading 'config'/);
      return true;
    });
  });
});

describe('External Account Binding', { skip: pebbleSkip() }, () => {
  const hmacKey = Buffer.from('certguard-test-eab-hmac-key-0123456789abcdef').toString('base64url');
  let pebble: Pebble;
  let tmp: { dir: string; cleanup: () => void };
  before(async () => {
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false, eab: { 'kid-1': hmacKey } });
    tmp = tempDir('certguard-acme-eab-');
  });
  after(async () => {
    await pebble?.stop();
    tmp?.cleanup();
  });

  test('a good kid and HMAC key register and issue, and the bound account is reused', async () => {
    const first = baseRequest(pebble, join(tmp.dir, 'good'), { eab: { kid: 'kid-1', hmacKey } });
    const issued = await obtainCertificate(first);
    assert.ok(new X509Certificate(issued.certPem).checkPrivateKey(createPrivateKey(issued.keyPem)));
    for (const line of first.logged.lines) assert.ok(!line.includes(hmacKey), 'HMAC key never logged');
    const second = baseRequest(pebble, join(tmp.dir, 'good'), { eab: { kid: 'kid-1', hmacKey } });
    await obtainCertificate(second);
    assert.ok(second.logged.lines.some((l) => l.includes('using account key')));
  });

  test('a wrong HMAC key is a ca-error with the CA problem', async () => {
    const wrong = Buffer.from('this-is-not-the-right-hmac-key-at-all!!').toString('base64url');
    await assert.rejects(
      obtainCertificate(baseRequest(pebble, join(tmp.dir, 'bad'), { eab: { kid: 'kid-1', hmacKey: wrong } })),
      (err: unknown) => {
        assert.ok(err instanceof AcmeFailure);
        assert.equal(err.failureClass, 'ca-error');
        assert.ok(err.httpStatus && err.httpStatus >= 400 && err.httpStatus < 500);
        assert.match(err.message, /HTTP 4\d\d/);
        assert.doesNotMatch(err.message, new RegExp(wrong));
        return true;
      },
    );
  });

  test('no EAB at all against a CA that requires it says what to configure', async () => {
    await assert.rejects(obtainCertificate(baseRequest(pebble, join(tmp.dir, 'none'))), (err: unknown) => {
      assert.ok(err instanceof AcmeFailure);
      assert.equal(err.failureClass, 'ca-error');
      assert.match(err.message, /requires External Account Binding/);
      return true;
    });
  });
});

describe('ARI replaces in newOrder', { skip: pebbleSkip() }, () => {
  let pebble: Pebble;
  let front: AriFront;
  let tmp: { dir: string; cleanup: () => void };
  before(async () => {
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false });
    front = await startAriFront(pebble);
    tmp = tempDir('certguard-acme-replaces-');
  });
  after(async () => {
    await front?.close();
    await pebble?.stop();
    tmp?.cleanup();
  });

  test('sends replaces when the directory advertises renewalInfo', async () => {
    const first = await obtainCertificate(baseRequest(pebble, tmp.dir, { server: front.directoryUrl }));
    const certId = ariCertId(first.certPem)!;
    await obtainCertificate(baseRequest(pebble, tmp.dir, { server: front.directoryUrl, replaces: certId }));
    assert.equal(front.newOrderPayloads.at(-1)?.replaces, certId);
  });

  test('retries without replaces on 409 alreadyReplaced', async () => {
    front.rejectReplaces = true;
    try {
      const before = front.newOrderPayloads.length;
      const req = baseRequest(pebble, tmp.dir, { server: front.directoryUrl, replaces: 'aaaa.bbbb' });
      const issued = await obtainCertificate(req);
      assert.ok(issued.certPem);
      const sent = front.newOrderPayloads.slice(before);
      assert.equal(sent.length, 2);
      assert.equal(sent[0]?.replaces, 'aaaa.bbbb');
      assert.equal(sent[1]?.replaces, undefined);
      assert.ok(req.logged.lines.some((l) => /alreadyReplaced/.test(l)));
    } finally {
      front.rejectReplaces = false;
    }
  });

  test('never sends replaces to a CA without renewalInfo', async () => {
    front.advertise = false;
    try {
      await obtainCertificate(
        baseRequest(pebble, tmp.dir, { server: front.directoryUrl, replaces: 'aaaa.bbbb' }),
      );
      assert.equal(front.newOrderPayloads.at(-1)?.replaces, undefined);
    } finally {
      front.advertise = true;
    }
  });
});
