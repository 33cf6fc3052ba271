/**
 * `certguard renew` as a user runs it: a child process, exit codes, one line or JSON, and proof
 * that the not-due path opens no connection and loads no ACME code.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { installCertificate } from '../../src/store/install.ts';
import { emptyState, writeState } from '../../src/store/state.ts';
import { makeChain, tempDir } from '../helpers/fixtures.ts';
import { freePort, type Pebble, pebbleAvailable, startPebble } from '../helpers/pebble.ts';
import { countingListener } from '../renew/support.ts';

const MAIN = new URL('../../src/cli/certguard-main.ts', import.meta.url).pathname;
const RECORDER = new URL('../renew/load-recorder.mjs', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', RECORDER, MAIN, 'renew', ...args], {
      env: { ...process.env, JOURNAL_STREAM: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const tmp = tempDir('certguard-renew-cli-');
after(tmp.cleanup);

async function installedCert(name: string, days = 60) {
  const dir = join(tmp.dir, name);
  const { intermediate, leaf } = await makeChain({ sans: ['example.com'], days });
  installCertificate(dir, { certPem: leaf.certPem, chainPem: intermediate.certPem, keyPem: leaf.keyPem });
  return dir;
}

function flagArgs(dir: string, server: string, state: string): string[] {
  return [
    '--directory',
    dir,
    '--domain',
    'example.com',
    '--server',
    server,
    '--email',
    'a@example.com',
    '--http-listen',
    '127.0.0.1:1',
    '--state-dir',
    state,
  ];
}

describe('usage errors exit 2 with one line', () => {
  const cases: [string, string[], RegExp][] = [
    ['nothing given', [], /give a certificate NAME.*--directory/],
    [
      'unknown option',
      ['--directory', '/x', '--domain', 'a', '--eab-hmac', 'secret'],
      /unknown option --eab-hmac/,
    ],
    [
      'EAB kid without a file',
      ['--directory', '/x', '--domain', 'a', '--eab-kid', 'k'],
      /--eab-kid and --eab-hmac-file/,
    ],
    [
      'bad key type',
      ['--directory', '/x', '--domain', 'a', '--key-type', 'ed25519'],
      /keyType: expected one of/,
    ],
    [
      'no challenge',
      ['--directory', '/x', '--domain', 'a', '--server', 'https://x/dir'],
      /renewing needs a challenge/,
    ],
    [
      'a profile name with a control character',
      ['--directory', '/x', '--domain', 'a', '--profile', 'short\u001blived'],
      /--profile: expected an ACME profile name such as shortlived/,
    ],
    [
      'two challenges',
      ['--directory', '/x', '--domain', 'a', '--webroot', '/w', '--http-listen', ':80'],
      /choose one challenge/,
    ],
    [
      'unknown config NAME',
      ['nosuch', '--config', '/nonexistent/certguard.json'],
      /config .*(no such file|does not exist)/,
    ],
  ];
  for (const [what, args, pattern] of cases) {
    test(what, async () => {
      const r = await cli(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});

test('not due: exit 0, one line, zero connections, and no ACME/HTTP client code loaded', async (t) => {
  const dir = await installedCert('notdue');
  const state = join(tmp.dir, 'state-notdue');
  const counter = await countingListener();
  t.after(() => counter.close());
  const loads = join(tmp.dir, 'loads.txt');
  const r = await cli([...flagArgs(dir, counter.url, state), '--no-ari'], { CERTGUARD_LOAD_LOG: loads });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^example\.com: not due; certificate valid for \d+ days .*renewal due/);
  assert.equal(counter.accepts(), 0, 'no connection');
  const loaded = readFileSync(loads, 'utf8');
  assert.match(loaded, /src\/renew\/renew\.ts/, 'the recorder saw the renew module');
  assert.doesNotMatch(loaded, /acme-client|axios|src\/acme\/|node-forge/, 'no ACME code on the not-due path');
  assert.equal(existsSync(join(state, 'certs', 'example.com.json')), false, 'a not-due run writes nothing');
});

test('not due with ARI on: one throttled ARI request at most, never fatal, then none', async (t) => {
  const dir = await installedCert('ari-on');
  const state = join(tmp.dir, 'state-ari-on');
  // ARI is asked only about a certificate certguard issued: the state remembers its serial.
  const serial = new X509Certificate(readFileSync(join(dir, 'cert.pem'))).serialNumber;
  writeState(state, 'example.com', { ...emptyState(), issued: { serial, profile: null } });
  const counter = await countingListener();
  t.after(() => counter.close());
  const first = await cli(flagArgs(dir, counter.url, state));
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /ARI renewal information unavailable/);
  assert.equal(counter.accepts(), 1, 'the ARI question is the only connection');
  const second = await cli(flagArgs(dir, counter.url, state));
  assert.equal(second.code, 0);
  assert.equal(counter.accepts(), 1, 'the failed ARI question is not repeated before its recheck time');
});

test('not due with ARI on, a certificate certguard did not issue: no connection, no state file', async (t) => {
  const dir = await installedCert('ari-foreign');
  const state = join(tmp.dir, 'state-ari-foreign');
  const counter = await countingListener();
  t.after(() => counter.close());
  const r = await cli(flagArgs(dir, counter.url, state));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(counter.accepts(), 0, "no renewalInfo question about another client's certificate");
  assert.equal(existsSync(join(state, 'certs', 'example.com.json')), false, 'a not-due run writes nothing');
});

test('--json prints one object on stdout', async () => {
  const dir = await installedCert('json');
  const state = join(tmp.dir, 'state-json');
  const r = await cli([...flagArgs(dir, 'https://127.0.0.1:1/dir', state), '--no-ari', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(o.name, 'example.com');
  assert.equal(o.action, 'not-due');
  assert.equal(o.exitCode, 0);
  assert.deepEqual(o.dueReasons, []);
  assert.equal(o.failure, null);
  assert.equal(typeof o.nextCheck, 'string');
  assert.equal(o.verdict.usable, true);
});

test('backoff recorded in the state: exit 75 without contacting the CA', async (t) => {
  const dir = await installedCert('backoff', 10); // 10 of 11 days left: in the renewal window
  const state = join(tmp.dir, 'state-backoff');
  writeState(state, 'example.com', {
    ...emptyState(),
    lastAttempt: new Date().toISOString(),
    lastError: { class: 'ca-unreachable', message: 'connect ECONNREFUSED', at: new Date().toISOString() },
    consecutiveFailures: 3,
    nextAttemptNotBefore: new Date(Date.now() + 3600_000).toISOString(),
  });
  const counter = await countingListener();
  t.after(() => counter.close());
  const r = await cli([...flagArgs(dir, counter.url, state), '--renew-before', '30d']);
  assert.equal(r.code, 75, r.stderr);
  assert.match(
    r.stderr,
    /WARNING: renewal due but failing \(ca-unreachable: connect ECONNREFUSED\); backing off/,
  );
  assert.match(r.stderr, /still valid for \d+ days/);
  assert.equal(counter.accepts(), 0);
});

describe('against pebble', { skip: !pebbleAvailable() && 'SKIPPED: pebble not installed' }, () => {
  let pebble: Pebble;
  before(async () => {
    if (!pebbleAvailable()) {
      console.warn('SKIPPED: pebble not installed (apt-get install pebble)');
      return;
    }
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false });
  });
  after(async () => pebble?.stop());

  function pebbleArgs(dir: string, state: string, server = pebble.directoryUrl): string[] {
    return [
      '--directory',
      dir,
      '--domain',
      'cli.test',
      '--server',
      server,
      '--email',
      'a@cli.test',
      '--http-listen',
      `127.0.0.1:${pebble.httpPort}`,
      '--ca-bundle',
      pebble.caBundlePath,
      '--state-dir',
      state,
    ];
  }

  test('config NAME: issue (exit 0), then CA down and due: soft failure 75 with a loud line', async () => {
    const config = join(tmp.dir, 'certguard.json');
    const dir = join(tmp.dir, 'cfg-cert');
    const state = join(tmp.dir, 'cfg-state');
    const metrics = join(tmp.dir, 'metrics', 'certguard.prom');
    mkdirSync(join(tmp.dir, 'metrics'), { recursive: true });
    writeFileSync(
      config,
      JSON.stringify({
        stateDirectory: state,
        prometheusFile: metrics,
        defaults: { server: pebble.directoryUrl, caBundle: pebble.caBundlePath, email: 'a@cli.test' },
        certs: { web: { directory: dir, domains: ['cli.test'], httpListen: `127.0.0.1:${pebble.httpPort}` } },
      }),
    );
    const issued = await cli(['web', '--config', config]);
    assert.equal(issued.code, 0, issued.stderr);
    assert.match(issued.stdout, /^web: renewed; new certificate valid for/m);
    assert.ok(existsSync(metrics), 'the metrics file is refreshed after the run');
    assert.match(readFileSync(metrics, 'utf8'), /certguard_/);

    const down = `https://127.0.0.1:${await freePort()}/dir`;
    const r = await cli(['web', '--config', config, '--server', down, '--force']);
    assert.equal(r.code, 75, r.stderr);
    assert.match(
      r.stderr,
      /web: WARNING: renewal failed \(ca-unreachable: .*ECONNREFUSED.*\); the installed certificate is still valid for/,
    );
  });

  test('flags only, no certificate and the CA down: hard failure, exit 1', async () => {
    const r = await cli(
      pebbleArgs(
        join(tmp.dir, 'none'),
        join(tmp.dir, 'none-state'),
        `https://127.0.0.1:${await freePort()}/dir`,
      ),
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /cli\.test: renewal FAILED \(ca-unreachable: .*\) and no usable certificate is installed/,
    );
  });

  test('EAB HMAC from a file in $CREDENTIALS_DIRECTORY is accepted by name', async () => {
    // pebble here does not require EAB; the point is that the bare name resolves and is read.
    const creds = join(tmp.dir, 'creds');
    mkdirSync(creds, { recursive: true });
    const r = await cli(
      [
        ...pebbleArgs(join(tmp.dir, 'eabname'), join(tmp.dir, 'eab-state')),
        '--eab-kid',
        'kid-1',
        '--eab-hmac-file',
        'eab-hmac',
      ],
      { CREDENTIALS_DIRECTORY: creds },
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /local-io: EAB HMAC key: .*creds\/eab-hmac does not exist/);
  });
});

describe("flag parsing (the preflight's parser)", () => {
  test('--help prints the usage and exits 0', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /certguard renew NAME/);
    assert.match(r.stdout, /75 {2}renewal was due and failed/);
  });

  test('usage errors exit 2 with one line', async () => {
    for (const [args, pattern] of [
      [['--nope'], /unknown option --nope/],
      [['--directory', '/x', '--domain', 'a', '--server', 'u', '--server', 'v'], /--server given twice/],
      [['a', 'b'], /at most one certificate NAME/],
      [['--directory', '/x', '--domain', 'a', '--eab-kid', 'k'], /--eab-kid and --eab-hmac-file/],
    ] as [string[], RegExp][]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });

  test('not due: exit 0, zero connections, repeated --domain collected', async (t) => {
    const dir = join(tmp.dir, 'lean');
    const { intermediate, leaf } = await makeChain({ sans: ['example.com', 'www.example.com'], days: 60 });
    installCertificate(dir, { certPem: leaf.certPem, chainPem: intermediate.certPem, keyPem: leaf.keyPem });
    const counter = await countingListener();
    t.after(() => counter.close());
    const r = await cli([
      ...flagArgs(dir, counter.url, join(tmp.dir, 'lean-state')),
      '--domain',
      'www.example.com',
      '--no-ari',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.action, 'not-due', 'both names are on the certificate: no names change');
    assert.equal(counter.accepts(), 0);
  });
});

describe('bad settings are refused before any network contact (exit 2, one line naming the field)', () => {
  const notPem = join(tmp.dir, 'not-pem.txt');
  const cases: [string, (base: string[]) => string[], RegExp][] = [
    [
      'httpListen garbage',
      (b) => [...b, '--http-listen', 'garbage'],
      /httpListen: "garbage" is not ADDR:PORT/,
    ],
    [
      'dnsHook missing',
      (b) => [...b, '--dns-hook', '/nonexistent/hook'],
      /dnsHook: \/nonexistent\/hook does not exist/,
    ],
    [
      'dnsHook with arguments',
      (b) => [...b, '--dns-hook', '/bin/true --zone x'],
      /dnsHook: .*without arguments/,
    ],
    [
      'server plain http',
      (b) => [
        ...b.slice(0, -4),
        '--state-dir',
        b.at(-1)!,
        '--http-listen',
        '127.0.0.1:1',
        '--server',
        'http://192.0.2.1/dir',
      ],
      /server: http:\/\/192\.0\.2\.1 is plain http/,
    ],
    [
      'server not a URL',
      (b) => [
        ...b.slice(0, -4),
        '--state-dir',
        b.at(-1)!,
        '--http-listen',
        '127.0.0.1:1',
        '--server',
        'acme.example',
      ],
      /server: "acme.example" is not a URL/,
    ],
    [
      'caBundle missing',
      (b) => [...b, '--http-listen', '127.0.0.1:1', '--ca-bundle', '/nonexistent.pem'],
      /caBundle: \/nonexistent\.pem does not exist/,
    ],
    [
      'caBundle not PEM',
      (b) => [...b, '--http-listen', '127.0.0.1:1', '--ca-bundle', notPem],
      /caBundle: .* holds no PEM certificate/,
    ],
    [
      'domain invalid',
      (b) => [...b, '--http-listen', '127.0.0.1:1', '--domain', 'bad name'],
      /domains\[1\]: "bad name"/,
    ],
    [
      'reload unit like an option',
      (b) => [...b, '--http-listen', '127.0.0.1:1', '--reload=-Hroot@host'],
      /reloadServices: "-Hroot@host" is not a systemd unit name/,
    ],
  ];
  for (const [what, args, pattern] of cases) {
    test(what, async (t) => {
      writeFileSync(notPem, 'hello\n');
      const counter = await countingListener();
      t.after(() => counter.close());
      const dir = join(tmp.dir, `bad-${what.replace(/\W+/g, '-')}`);
      const base = [
        '--directory',
        dir,
        '--domain',
        'example.com',
        '--server',
        counter.url,
        '--state-dir',
        join(dir, 'state'),
      ];
      const r = await cli(args(base));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.equal(counter.accepts(), 0, 'no connection');
      assert.equal(existsSync(join(dir, 'state')), false, 'no state written');
    });
  }
});
