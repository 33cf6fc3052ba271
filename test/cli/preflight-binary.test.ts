/**
 * The built executables against good and bad input, as a service start would run them. For every
 * bad input: the documented exit code, exactly one line on stderr, no stack trace, and no private
 * key material anywhere in the output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Issued, makeChain, makeFifo, tempDir, writeFile } from '../helpers/fixtures.ts';
import { OpensslPki, requireOpenssl } from '../helpers/openssl-pki.ts';
import { BINARIES, CERTGUARD, PREFLIGHT, type Run, requireBuild, run } from './preflight-run.ts';

const { dir, cleanup } = tempDir();
after(cleanup);

let leaf: Issued;
let intermediate: Issued;
let f: Record<string, string>;

before(async () => {
  requireBuild();
  const chain = await makeChain({ sans: ['example.com', 'www.example.com'], freshKey: true });
  leaf = chain.leaf;
  intermediate = chain.intermediate;
  const w = (name: string, content: string | Buffer, mode = 0o600) => writeFile(dir, name, content, mode);
  f = {
    fullchain: w('fullchain.pem', leaf.certPem + intermediate.certPem),
    cert: w('cert.pem', leaf.certPem),
    chain: w('chain.pem', intermediate.certPem),
    key: w('key.pem', leaf.keyPem),
    empty: w('empty.pem', ''),
    truncated: w('truncated.pem', leaf.certPem.slice(0, 400)),
    der: w('cert.der', Buffer.from(leaf.cert.rawData)),
    garbage: w('garbage.pem', Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919) % 256))),
    keyAsCert: w('key-as-cert.pem', leaf.keyPem),
    huge: w('huge.pem', ''),
    config: w(
      'certguard.json',
      JSON.stringify({
        certs: { site: { directory: dir, domains: ['example.com'] }, gone: { directory: join(dir, 'gone') } },
      }),
    ),
    badJson: w('bad.json', '{\n  "certs": {\n    "site": { "directory": "/x", }\n  }\n}\n'),
    badField: w('badfield.json', JSON.stringify({ certs: { site: { domians: ['example.com'] } } })),
    badDuration: w('badduration.json', JSON.stringify({ defaults: { minValidity: 'forever' } })),
  };
  spawnSync('truncate', ['-s', '700M', f.huge!]);
  mkdirSync(join(dir, 'adir'));
  f.dir = join(dir, 'adir');
  symlinkSync(join(dir, 'loop2'), join(dir, 'loop1'));
  symlinkSync(join(dir, 'loop1'), join(dir, 'loop2'));
  f.loop = join(dir, 'loop1');
  f.fifo = makeFifo(dir, 'fifo.pem');
});

/** Base64 body lines of the private key: none may appear in any output. */
function assertNoKeyMaterial(r: Run): void {
  const all = r.stdout + r.stderr;
  assert.doesNotMatch(all, /PRIVATE KEY/);
  for (const line of leaf.keyPem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'))) {
    assert.ok(!all.includes(line.slice(0, 16)), 'private key material in the output');
  }
}

function assertOneCleanErrorLine(r: Run, message: RegExp): void {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(r.stderr, / {4}at /, 'stack trace on stderr');
  assert.doesNotMatch(r.stdout, / {4}at /, 'stack trace on stdout');
  assert.equal(r.stdout, '');
  assertNoKeyMaterial(r);
}

const cases: {
  label: string;
  args: () => string[];
  exit: number;
  message: RegExp;
  env?: () => NodeJS.ProcessEnv;
}[] = [
  {
    label: 'missing file',
    args: () => ['--cert', join(dir, 'nope.pem')],
    exit: 1,
    message: /nope.pem does not exist/,
  },
  {
    label: 'empty file',
    args: () => ['--cert', f.empty!],
    exit: 1,
    message: /UNUSABLE: .*empty.pem is empty$/,
  },
  {
    label: 'truncated PEM',
    args: () => ['--cert', f.truncated!],
    exit: 1,
    message: /truncated or damaged PEM/,
  },
  { label: 'DER', args: () => ['--cert', f.der!], exit: 1, message: /looks like DER, not PEM/ },
  { label: 'binary garbage', args: () => ['--cert', f.garbage!], exit: 1, message: /holds no PEM block/ },
  {
    label: 'key where the certificate should be',
    args: () => ['--cert', f.keyAsCert!],
    exit: 1,
    message: /key-as-cert.pem holds a private key, not a certificate/,
  },
  {
    label: 'certificate where the key should be',
    args: () => ['--cert', f.fullchain!, '--key', f.cert!],
    exit: 1,
    message: /cert.pem holds a certificate, not a private key/,
  },
  { label: 'a directory', args: () => ['--cert', f.dir!], exit: 1, message: /adir is a directory/ },
  {
    label: 'a symlink loop',
    args: () => ['--cert', f.loop!],
    exit: 1,
    message: /loop1: too many levels of symbolic links/,
  },
  {
    label: 'a FIFO (would block a naive read)',
    args: () => ['--cert', f.fifo!],
    exit: 1,
    message: /not a regular file/,
  },
  {
    label: 'a 700 MiB sparse file: refused from its size, not read',
    args: () => ['--cert', f.huge!],
    exit: 1,
    message: /huge.pem is too large \(734003200 bytes, limit 1048576\)/,
  },
  {
    label: 'unknown NAME',
    args: () => ['nosuch', '--config', f.config!],
    exit: 2,
    message: /^certguard: config .*certguard.json: no certificate named "nosuch" \(known: site, gone\)$/,
  },
  {
    label: 'NAME whose files are missing',
    args: () => ['gone', '--config', f.config!],
    exit: 1,
    message: /^gone: UNUSABLE: .*gone\/fullchain.pem does not exist; .*gone\/key.pem does not exist$/,
  },
  {
    label: 'malformed config: line and column',
    args: () => ['site', '--config', f.badJson!],
    exit: 2,
    message: /^certguard: config .*bad.json: invalid JSON at line 3, column 34: unexpected "}"$/,
  },
  {
    label: 'config with an unknown field: its name',
    args: () => ['site', '--config', f.badField!],
    exit: 2,
    message: /config .*badfield.json: certs.site: unknown field "domians"$/,
  },
  {
    label: 'config with a bad duration: the field',
    args: () => ['site', '--config', f.badDuration!],
    exit: 2,
    message: /badduration.json: defaults.minValidity: expected a duration like 90s/,
  },
  {
    label: 'missing config file via CERTGUARD_CONFIG',
    args: () => ['site'],
    env: () => ({ CERTGUARD_CONFIG: join(dir, 'none.json') }),
    exit: 2,
    message: /^certguard: config .*none.json does not exist$/,
  },
  {
    label: 'unknown flag',
    args: () => ['--cert', f.cert!, '--frobnicate'],
    exit: 2,
    message: /unknown option --frobnicate/,
  },
  {
    label: 'missing value at the end',
    args: () => ['--cert'],
    exit: 2,
    message: /option --cert needs a value/,
  },
  {
    label: 'missing value before another flag',
    args: () => ['--cert', '--json'],
    exit: 2,
    message: /option --cert needs a value/,
  },
  {
    label: 'no arguments',
    args: () => [],
    exit: 2,
    message: /give a certificate NAME from the config file, or --cert/,
  },
  {
    label: 'bad --min-validity',
    args: () => ['--cert', f.cert!, '--min-validity', '3 weeks'],
    exit: 2,
    message: /^certguard: --min-validity: expected a duration/,
  },
  {
    label: 'bad --renew-before fraction',
    args: () => ['--cert', f.cert!, '--renew-before', '4/3'],
    exit: 2,
    message: /--renew-before: a fraction of the lifetime must be between 0 and 1/,
  },
  {
    label: 'invalid --domain',
    args: () => ['--cert', f.cert!, '--domain', 'not a domain'],
    exit: 2,
    message: /--domain: "not a domain" is not a valid DNS name/,
  },
  { label: 'two NAMEs', args: () => ['a', 'b'], exit: 2, message: /expected at most one certificate NAME/ },
];

for (const [binary, argv] of Object.entries(BINARIES)) {
  describe(`${binary}: bad input`, () => {
    for (const c of cases) {
      test(`${c.label}: exit ${c.exit}, one line, no stack trace`, () => {
        const r = run(argv(c.args()), c.env ? { env: c.env() } : {});
        assert.equal(r.status, c.exit, `stderr: ${r.stderr}`);
        assertOneCleanErrorLine(r, c.message);
      });
    }

    test('an unreadable file (permission denied, run as nobody through setpriv)', (t) => {
      if (process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).error) {
        console.warn('SKIPPED: setpriv not installed or not root: permission denial not covered here');
        t.skip('SKIPPED: setpriv not installed or not running as root');
        return;
      }
      // Everything on the way must be reachable by nobody except the certificate itself.
      chmodSync(dir, 0o755);
      const secret = writeFile(dir, `secret-${binary.replace(' ', '-')}.pem`, leaf.certPem, 0o600);
      const r = run(argv(['--cert', secret]), {
        wrap: ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'],
      });
      assert.equal(r.status, 1, r.stderr);
      assertOneCleanErrorLine(r, /secret-.*\.pem: permission denied$/);
    });

    test('a reader that closes the pipe early (EPIPE) gives no stack trace', () => {
      const errFile = join(dir, `epipe-${binary.replace(' ', '-')}.txt`);
      const r = spawnSync(
        'bash',
        [
          '-c',
          'set -o pipefail; "$@" 2>"$ERR" | true',
          'bash',
          process.execPath,
          ...argv(['--cert', f.fullchain!, '--json']),
        ],
        { env: { ...process.env, ERR: errFile }, encoding: 'utf8' },
      );
      assert.equal(r.status, 0);
      assert.doesNotMatch(readFileSync(errFile, 'utf8'), / {4}at |Error/);
    });
  });
}

describe('output', () => {
  for (const [binary, argv] of Object.entries(BINARIES)) {
    test(`${binary}: the one-line human verdict on stdout, exit 0`, () => {
      const r = run(argv(['--cert', f.fullchain!, '--key', f.key!, '--domain', 'example.com']));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(
        r.stdout,
        /^example\.com: usable, expires \d{4}-\d\d-\d\d \((89|90) days\), renewal due in (59|60) days\n$/,
      );
    });

    test(`${binary}: warnings go to stderr on the verdict line, exit 0`, () => {
      const r = run(argv(['--cert', f.cert!, '--key', f.key!]));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        /^example\.com: usable, .*; warning: no issuer certificates: clients may fail to build a chain\n$/,
      );
    });

    test(`${binary}: --json prints one object with the documented fields`, () => {
      const r = run(argv(['--cert', f.cert!, '--chain', f.chain!, '--key', f.key!, '--json']));
      assert.equal(r.status, 0, r.stderr);
      const v = JSON.parse(r.stdout);
      assert.deepEqual(Object.keys(v).sort(), [
        'domains',
        'fingerprint256',
        'issuer',
        'keyType',
        'name',
        'notAfter',
        'notBefore',
        'placeholder',
        'reasons',
        'remainingSeconds',
        'renewAt',
        'renewalDue',
        'serial',
        'usable',
        'warnings',
      ]);
      assert.equal(v.usable, true);
      assert.deepEqual(v.reasons, []);
      assert.deepEqual(v.warnings, []);
      assert.deepEqual(v.domains, ['example.com', 'www.example.com']);
      assert.equal(v.keyType, 'ec256');
      assert.equal(v.name, 'example.com');
      assert.equal(typeof v.remainingSeconds, 'number');
      assert.ok(Date.parse(v.notAfter) > Date.now());
      assert.equal(new Date(v.renewAt).toISOString(), v.renewAt);
      assertNoKeyMaterial(r);
    });

    test(`${binary}: --json for an unusable certificate: reason codes, exit 1, stdout only`, () => {
      const r = run(argv(['--cert', f.cert!, '--key', f.chain!, '--domain', 'other.example', '--json']));
      assert.equal(r.status, 1);
      assert.deepEqual(
        r.stderr.split('\n').filter((l) => l !== ''),
        [],
      );
      const v = JSON.parse(r.stdout);
      assert.equal(v.usable, false);
      assert.deepEqual(
        v.reasons.map((x: { code: string }) => x.code),
        ['malformed', 'name-not-covered'],
      );
    });

    test(`${binary}: NAME from the config file`, () => {
      const r = run(argv(['site', '--config', f.config!]));
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^site: usable, expires /);
    });

    test(`${binary}: --help lists the exit codes`, () => {
      const r = run(argv(['--help']));
      assert.equal(r.status, 0);
      assert.match(
        r.stdout,
        /Exit codes:\n {2}0 {2}usable.*\n {2}1 {2}unusable.*\n(.*\n)? {2}2 {2}usage or configuration error/,
      );
      assert.match(r.stdout, /--renew-before/);
    });
  }

  test('both binaries print byte-identical results', () => {
    for (const args of [['--cert', f.cert!, '--json'], ['--cert', f.empty!], ['--bogus']]) {
      const a = run([PREFLIGHT, ...args]);
      const b = run([CERTGUARD, 'check', ...args]);
      assert.deepEqual(
        { status: a.status, stdout: a.stdout.replace(/"remainingSeconds": \d+/, ''), stderr: a.stderr },
        { status: b.status, stdout: b.stdout.replace(/"remainingSeconds": \d+/, ''), stderr: b.stderr },
      );
    }
  });
});

describe('journald priority prefixes (JOURNAL_STREAM)', () => {
  /** Runs with stdout and stderr on real files; JOURNAL_STREAM names one of them (or neither). */
  function underJournal(
    args: string[],
    stream: 'stdout' | 'stderr' | 'none',
  ): { out: string; err: string; status: number | null } {
    const outPath = join(dir, `j-out-${Math.random()}`);
    const errPath = join(dir, `j-err-${Math.random()}`);
    const out = openSync(outPath, 'w');
    const err = openSync(errPath, 'w');
    try {
      const env: NodeJS.ProcessEnv = {};
      if (stream !== 'none') {
        const st = statSync(stream === 'stdout' ? outPath : errPath);
        env.JOURNAL_STREAM = `${st.dev}:${st.ino}`;
      }
      const r = run([PREFLIGHT, ...args], { env, stdio: ['ignore', out, err] });
      return { out: readFileSync(outPath, 'utf8'), err: readFileSync(errPath, 'utf8'), status: r.status };
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  test('usable: <6> on stdout when stdout is the journal', () => {
    const r = underJournal(['--cert', f.fullchain!], 'stdout');
    assert.equal(r.status, 0);
    assert.match(r.out, /^<6>example\.com: usable, /);
  });

  test('warning: <4>; unusable: <3>; usage error: <3> (stderr is the journal)', () => {
    assert.match(underJournal(['--cert', f.cert!], 'stderr').err, /^<4>example\.com: usable, .*warning: /);
    const bad = underJournal(['--cert', f.empty!], 'stderr');
    assert.equal(bad.status, 1);
    assert.match(bad.err, /^<3>.*UNUSABLE: /);
    assert.match(underJournal(['--nope'], 'stderr').err, /^<3>certguard: unknown option --nope\n$/);
  });

  test('no prefix when JOURNAL_STREAM is absent or names another stream', () => {
    assert.match(underJournal(['--cert', f.fullchain!], 'none').out, /^example\.com: usable, /);
    assert.match(underJournal(['--cert', f.fullchain!], 'stderr').out, /^example\.com: usable, /);
  });

  test('--json is never prefixed: it stays parseable', () => {
    const r = underJournal(['--cert', f.fullchain!, '--json'], 'stdout');
    assert.equal(JSON.parse(r.out).usable, true);
  });
});

describe('trust anchors and empty names through the binaries', () => {
  test('staging chain against a bundle without its root: exit 1, one line naming the broken link', async (t) => {
    if (!requireOpenssl(t)) return;
    const pki = new OpensslPki(dir);
    const root = pki.root('/CN=(STAGING) Doctored Durian Root X1');
    const int = pki.ca('/CN=(STAGING) Pretend Pear X1', root);
    const leaf = pki.leaf(int, ['staging.example']);
    const cert = pki.file('staging-cert.pem', leaf);
    const bundle = pki.file('prod-bundle.pem', pki.root('/CN=Pretend Prod Root'));
    for (const [name, argv] of Object.entries(BINARIES)) {
      const r = run(argv(['--cert', cert, '--key', leaf.keyFile, '--trust', bundle]));
      assert.equal(r.status, 1, name);
      assert.equal(
        (r.stdout + r.stderr).trim(),
        `staging.example: UNUSABLE: the certificate is issued by (STAGING) Pretend Pear X1, which is not a trust anchor in ${bundle}`,
      );
      const trusted = run(
        argv([
          '--cert',
          cert,
          '--key',
          leaf.keyFile,
          '--trust',
          pki.file('staging-bundle.pem', root),
          '--chain',
          pki.file('staging-chain.pem', int),
        ]),
      );
      assert.equal(trusted.status, 0, trusted.stdout + trusted.stderr);
      const bad = run(argv(['--cert', cert, '--trust', 'a\u0007b']));
      assert.equal(bad.status, 2);
      assert.equal(bad.stderr.trim().split('\n').length, 1);
      assert.match(bad.stderr, /--trust: expected "system" or the path/);
    }
  });

  test('empty subject with a critical SAN: the documented JSON, no internal error', (t) => {
    if (!requireOpenssl(t)) return;
    const pki = new OpensslPki(dir);
    const int = pki.ca('/CN=empty-subject int', pki.root('/CN=empty-subject root'));
    const leaf = pki.leaf(int, ['blank.example'], [], { subject: '/' });
    const full = pki.file('blank-full.pem', leaf, int);
    const r = run([PREFLIGHT, '--cert', full, '--key', leaf.keyFile, '--domain', 'blank.example', '--json']);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    const v = JSON.parse(r.stdout) as { usable: boolean; domains: string[]; issuer: string };
    assert.deepEqual([v.usable, v.domains, v.issuer], [true, ['blank.example'], 'CN=empty-subject int']);
  });
});
