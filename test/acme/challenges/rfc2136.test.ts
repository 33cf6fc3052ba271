/**
 * The RFC 2136 solver against a real knotd, then `certguard renew` issuing a wildcard certificate
 * from a real pebble whose VA resolves through that knotd (`pebble -dnsserver`).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Rfc2136Solver, updateProblem } from '../../../src/acme/challenges/rfc2136.ts';
import type { SolverContext } from '../../../src/acme/challenges/solver.ts';
import { readTsigSecret } from '../../../src/acme/challenges/tsig-secret.ts';
import type { Rfc2136Settings } from '../../../src/config/settings.ts';
import {
  type AuthServer,
  type AuthServerKind,
  authServerAvailable,
  startAuthServer,
} from '../../helpers/auth-dns.ts';
import { tempDir } from '../../helpers/fixtures.ts';
import { type Pebble, pebbleAvailable, startPebble } from '../../helpers/pebble.ts';
import { runRenew } from '../../helpers/run-renew.ts';

/**
 * Knot with hmac-sha256, BIND with hmac-sha512, PowerDNS with hmac-sha384. Knot and BIND refuse a
 * wrong secret or key with the TSIG error (RFC 8945); PowerDNS answers a plain REFUSED.
 */
const SERVERS: [AuthServerKind, 'hmac-sha256' | 'hmac-sha512' | 'hmac-sha384', string, RegExp, RegExp][] = [
  ['knot', 'hmac-sha256', 'knot knot-dnsutils', /NOTAUTH\/BADSIG: the TSIG secret is wrong/, /BADKEY/],
  ['bind', 'hmac-sha512', 'bind9 knot-dnsutils', /NOTAUTH\/BADSIG: the TSIG secret is wrong/, /BADKEY/],
  ['pdns', 'hmac-sha384', 'pdns-server pdns-backend-sqlite3 sqlite3 knot-dnsutils', /REFUSED/, /REFUSED/],
];

function serverSkip(kind: AuthServerKind, packages: string, pebbleToo = false): false | string {
  if (authServerAvailable(kind) && (!pebbleToo || pebbleAvailable())) return false;
  const why = `SKIPPED: needs ${kind} and kdig${pebbleToo ? ' and pebble' : ''}: apt-get install ${packages}${pebbleToo ? ' pebble' : ''}`;
  console.warn(why);
  return why;
}

function context(lines: string[], ms = 20_000): SolverContext {
  return {
    signal: new AbortController().signal,
    deadlineMs: Date.now() + ms,
    log: (level, text) => lines.push(`${level}: ${text}`),
  };
}

test('the server answer as a sentence naming the fix', () => {
  assert.equal(updateProblem(0, undefined, 'zone.test.'), undefined);
  assert.match(updateProblem(9, 'BADSIG', 'zone.test.')!, /NOTAUTH\/BADSIG: the TSIG secret is wrong/);
  assert.match(updateProblem(9, 'BADKEY', 'zone.test.')!, /does not know this TSIG key/);
  assert.match(
    updateProblem(5, undefined, 'zone.test.')!,
    /REFUSED: the server does not let this key update zone\.test\./,
  );
  assert.match(updateProblem(10, undefined, 'zone.test.')!, /NOTZONE/);
});

test('secret files: base64 line, BIND tsig-keygen and Knot keymgr formats, credentials directory', () => {
  const { dir, cleanup } = tempDir('certguard-tsig-secret-');
  try {
    const want = Buffer.from('0123456789abcdef0123456789abcdef');
    const b64 = want.toString('base64');
    const cases = {
      plain: `${b64}\n`,
      bind: `key "ddns-key" {\n\talgorithm hmac-sha256;\n\tsecret "${b64}";\n};\n`,
      knot: `key:\n  - id: ddns-key\n    algorithm: hmac-sha256\n    secret: ${b64}\n`,
    };
    for (const [name, text] of Object.entries(cases)) {
      writeFileSync(join(dir, name), text);
      assert.deepEqual(readTsigSecret(join(dir, name)), want, name);
    }
    assert.deepEqual(readTsigSecret('bind', { CREDENTIALS_DIRECTORY: dir }), want);
    assert.throws(() => readTsigSecret('bind', {}), /not a path, and \$CREDENTIALS_DIRECTORY is not set/);
    writeFileSync(join(dir, 'junk'), 'not base64 at all!\n');
    assert.throws(() => readTsigSecret(join(dir, 'junk')), /expected base64/);
    assert.throws(() => readTsigSecret(join(dir, 'absent')), /TSIG secret: .*absent/);
  } finally {
    cleanup();
  }
});

for (const [kind, algorithm, packages, wrongSecret, unknownKey] of SERVERS)
  describe(`RFC 2136 against ${kind} (${algorithm})`, { skip: serverSkip(kind, packages) }, () => {
    let knot: AuthServer;
    let tmp: { dir: string; cleanup: () => void };
    const settings = (over: Partial<Rfc2136Settings> = {}): Rfc2136Settings => ({
      server: '127.0.0.1',
      port: knot.port,
      zone: knot.zone,
      keyName: knot.keyName,
      algorithm,
      secretFile: join(tmp.dir, 'secret'),
      propagationTimeoutSeconds: 10,
      ...over,
    });
    before(async () => {
      knot = await startAuthServer(kind, { algorithm });
      tmp = tempDir('certguard-rfc2136-');
      writeFileSync(join(tmp.dir, 'secret'), `${knot.secret}\n`, { mode: 0o600 });
      writeFileSync(join(tmp.dir, 'wrong'), `${Buffer.alloc(32, 7).toString('base64')}\n`, { mode: 0o600 });
    });
    after(async () => {
      await knot?.stop();
      tmp?.cleanup();
    });

    test('adds the TXT record, sees it at the NS set, removes only its own value', async () => {
      const lines: string[] = [];
      const solver = new Rfc2136Solver(settings(), context(lines));
      await solver.start();
      const a = { domain: 'zone.test', token: 't1', value: 'first-value_123' };
      const b = { domain: '*.zone.test', token: 't2', value: 'second-value_456' };
      await solver.present(a);
      await solver.present(b);
      assert.deepEqual(knot.txt('_acme-challenge.zone.test.').sort(), [a.value, b.value].sort());
      await solver.ready();
      assert.ok(
        lines.some((l) => /1 authoritative server\(s\) serve the record/.test(l)),
        lines.join('\n'),
      );
      await solver.cleanup(a);
      assert.deepEqual(knot.txt('_acme-challenge.zone.test.'), [b.value]);
      await solver.cleanup(b);
      assert.deepEqual(knot.txt('_acme-challenge.zone.test.'), []);
      assert.ok(!lines.join('\n').includes(knot.secret), 'the secret never reaches the log');
    });

    test('a wrong secret and an unknown key are refused and leave nothing behind', async () => {
      const wrong = new Rfc2136Solver(settings({ secretFile: join(tmp.dir, 'wrong') }), context([]));
      await wrong.start();
      const task = { domain: 'www.zone.test', token: 't', value: 'never-added' };
      await assert.rejects(
        wrong.present(task),
        new RegExp(`refused to add TXT _acme-challenge\\.www\\.zone\\.test\\.: ${wrongSecret.source}`),
      );
      await wrong.cleanup(task);
      assert.deepEqual(knot.txt('_acme-challenge.www.zone.test.'), []);

      const unknown = new Rfc2136Solver(settings({ keyName: 'nobody' }), context([]));
      await unknown.start();
      await assert.rejects(unknown.present(task), unknownKey);
    });

    test('a secret file that cannot be read fails before any packet is sent', () => {
      assert.throws(
        () => new Rfc2136Solver(settings({ secretFile: join(tmp.dir, 'missing') }), context([])),
        /rfc2136 TSIG secret: .*missing/,
      );
    });

    test('an authoritative server that answers without the record is waited for, then named', async () => {
      // The NS set names knotd itself. Removing the record behind the solver's back makes knotd an
      // authoritative server that answers without it, as a secondary that has not caught up would.
      const lines: string[] = [];
      const solver = new Rfc2136Solver(settings({ propagationTimeoutSeconds: 1 }), context(lines));
      await solver.start();
      const task = { domain: 'lag.zone.test', token: 't', value: 'lagging' };
      await solver.present(task);
      const other = new Rfc2136Solver(settings(), context([]));
      await other.start();
      await other.present({ ...task });
      await other.cleanup({ ...task });
      await assert.rejects(
        solver.ready(),
        /after 1s not every authoritative server of zone\.test\. serves the TXT record: ns1\.zone\.test \(127\.0\.0\.1:\d+\) answers NOERROR without it/,
      );
      await solver.cleanup(task);
    });
  });

test('an authoritative server that never answers is logged and skipped; the others decide', {
  skip: serverSkip('knot', 'knot knot-dnsutils'),
}, async () => {
  // ns2 at 127.0.0.2 (asked on port 53, where nothing listens here): a secondary that is down.
  const knot = await startAuthServer('knot', { records: ['@ NS ns2', 'ns2 A 127.0.0.2'] });
  const { dir, cleanup } = tempDir('certguard-rfc2136-down-');
  try {
    writeFileSync(join(dir, 'secret'), `${knot.secret}\n`, { mode: 0o600 });
    const lines: string[] = [];
    const solver = new Rfc2136Solver(
      {
        server: '127.0.0.1',
        port: knot.port,
        zone: knot.zone,
        keyName: knot.keyName,
        algorithm: 'hmac-sha256',
        secretFile: join(dir, 'secret'),
        propagationTimeoutSeconds: 20,
      },
      context(lines),
    );
    await solver.start();
    const task = { domain: 'down.zone.test', token: 't', value: 'v-down' };
    await solver.present(task);
    await solver.ready();
    await solver.cleanup(task);
    const log = lines.join('\n');
    assert.match(
      log,
      /warning: rfc2136: authoritative server ns2\.zone\.test \(127\.0\.0\.2:53\) did not answer; not waiting for it/,
    );
    assert.match(log, /1 authoritative server\(s\) serve the record/);
    assert.deepEqual(knot.txt('_acme-challenge.down.zone.test.'), []);
  } finally {
    await knot.stop();
    cleanup();
  }
});

for (const [kind, algorithm, packages, wrongSecret] of SERVERS)
  describe(`certguard renew: a wildcard certificate through ${kind} and pebble`, {
    skip: serverSkip(kind, packages, true),
  }, () => {
    let knot: AuthServer;
    let pebble: Pebble;
    let tmp: { dir: string; cleanup: () => void };
    before(async () => {
      knot = await startAuthServer(kind, { algorithm });
      pebble = await startPebble({ dnsServer: `127.0.0.1:${knot.port}` });
      tmp = tempDir('certguard-rfc2136-renew-');
      writeFileSync(join(tmp.dir, 'secret'), `${knot.secret}\n`, { mode: 0o600 });
      writeFileSync(join(tmp.dir, 'wrong'), `${Buffer.alloc(32, 9).toString('base64')}\n`, { mode: 0o600 });
    });
    after(async () => {
      await pebble?.stop();
      await knot?.stop();
      tmp?.cleanup();
    });

    const args = (name: string, secretFile: string) => [
      '--directory',
      join(tmp.dir, name),
      '--domain',
      '*.zone.test',
      '--domain',
      'zone.test',
      '--server',
      pebble.directoryUrl,
      '--ca-bundle',
      pebble.caBundlePath,
      '--email',
      'admin@zone.test',
      '--state-dir',
      join(tmp.dir, `state-${name}`),
      '--rfc2136-server',
      '127.0.0.1',
      '--rfc2136-port',
      String(knot.port),
      '--rfc2136-zone',
      'zone.test',
      '--rfc2136-key-name',
      knot.keyName,
      '--rfc2136-algorithm',
      algorithm,
      '--rfc2136-secret-file',
      secretFile,
    ];

    test('issues *.zone.test + zone.test; the records are gone afterwards', async () => {
      const r = await runRenew(args('wild', join(tmp.dir, 'secret')));
      assert.equal(r.code, 0, r.out);
      const leaf = new X509Certificate(readFileSync(join(tmp.dir, 'wild', 'cert.pem')));
      assert.match(leaf.subjectAltName ?? '', /DNS:\*\.zone\.test/);
      assert.match(leaf.subjectAltName ?? '', /DNS:zone\.test/);
      assert.match(r.out, /dns-01 validated/);
      assert.deepEqual(knot.txt('_acme-challenge.zone.test.'), []);
      assert.ok(!r.out.includes(knot.secret));
    });

    test('a wrong TSIG secret: exit 1 naming the refusal, no certificate, no record left', async () => {
      const r = await runRenew(args('bad', join(tmp.dir, 'wrong')));
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, wrongSecret);
      assert.deepEqual(knot.txt('_acme-challenge.zone.test.'), []);
    });

    // The configuration checks do not depend on the server: run them once, with knot.
    const once = kind === 'knot' ? test : () => {};
    once('configuration mistakes exit 2 with one line, before any network contact', async () => {
      const base = args('cfg', join(tmp.dir, 'secret'));
      const without = (flag: string) => {
        const i = base.indexOf(flag);
        return [...base.slice(0, i), ...base.slice(i + 2)];
      };
      const cases: [string[], RegExp][] = [
        [without('--rfc2136-key-name'), /--rfc2136-key-name is required/],
        [
          [...without('--rfc2136-algorithm'), '--rfc2136-algorithm', 'hmac-md5'],
          /algorithm: expected one of hmac-sha256/,
        ],
        [
          [...without('--rfc2136-zone'), '--rfc2136-zone', 'other.test'],
          /zone\.test is not inside the zone other\.test/,
        ],
        [[...without('--rfc2136-port'), '--rfc2136-port', '99999'], /port: expected a port number/],
      ];
      for (const [a, re] of cases) {
        const r = await runRenew(a);
        assert.equal(r.code, 2, r.out);
        assert.match(r.out, re);
        assert.equal(r.out.trim().split('\n').length, 1, r.out);
      }
    });
  });
