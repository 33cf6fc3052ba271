/**
 * CA faults seen from the renew flow (a fault proxy between certguard and pebble): for each fault
 * the exit code, the failure class in the outcome and the state, the backoff, and the installed
 * pair untouched and still matching. The ACME layer's own fault tests check the messages in depth.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import { inspectCertificate } from '../../src/check/inspect.ts';
import type { CertSettings } from '../../src/config/settings.ts';
import { renewCertificate } from '../../src/renew/renew.ts';
import { CERT_FILE_NAMES } from '../../src/store/install.ts';
import type { FailureClass } from '../../src/store/state.ts';
import { readState } from '../../src/store/state.ts';
import { type FaultMode, type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.ts';
import { type Issued, makeCert, tempDir } from '../helpers/fixtures.ts';
import { type Pebble, pebbleAvailable, startPebble } from '../helpers/pebble.ts';
import { collectLog, globalFor, pebbleSettings } from './support.ts';

/** The deadline check allows this much beyond the budget (process scheduling, pebble). */
const DEADLINE_SLACK_MS = 5000;
const BUDGET_MS = 4000;

const read = (dir: string) => CERT_FILE_NAMES.map((f) => readFileSync(join(dir, f), 'utf8'));

describe('renew through CA faults', { skip: !pebbleAvailable() && 'SKIPPED: pebble not installed' }, () => {
  let pebble: Pebble;
  let proxy: FaultProxy;
  const tmp = tempDir('certguard-faults-');
  const root = tmp.dir;

  before(async () => {
    if (!pebbleAvailable()) {
      console.warn('SKIPPED: pebble not installed (apt-get install pebble)');
      return;
    }
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false });
    proxy = await startFaultProxy(pebble);
  });
  after(async () => {
    await proxy?.close();
    await pebble?.stop();
    tmp.cleanup();
  });

  async function installed(name: string): Promise<CertSettings> {
    await proxy.setMode('pass');
    const settings = pebbleSettings(pebble, root, { server: proxy.directoryUrl }, name);
    const l = collectLog();
    const o = await renewCertificate(settings, globalFor(root), { force: false, ari: false, log: l.log });
    assert.equal(o.action, 'renewed', l.text());
    return settings;
  }

  const cases: [string, FaultMode, FailureClass, RegExp][] = [
    ['refused', 'refuse', 'ca-unreachable', /ECONNREFUSED/],
    ['blackhole', 'blackhole', 'ca-unreachable', /timed out/],
    ['TLS garbage', 'tls-garbage', 'ca-unreachable', /SSL|TLS|wrong version|packet length/i],
    ['HTTP 500', { status: 500 }, 'ca-error', /HTTP 500/],
    ['HTTP 503', { status: 503 }, 'ca-error', /HTTP 503/],
    ['invalid JSON', 'invalid-json', 'ca-error', /invalid JSON/],
    ['badNonce storm', 'bad-nonce-storm', 'ca-error', /badNonce/],
  ];
  for (const [what, mode, cls, pattern] of cases) {
    test(`${what}: soft failure 75, ${cls}, files untouched, backoff recorded`, async () => {
      const name = what.replace(/\W+/g, '-').toLowerCase();
      const settings = await installed(name);
      const before = read(settings.directory);
      await proxy.setMode(mode);
      const l = collectLog();
      const started = Date.now();
      const o = await renewCertificate(settings, globalFor(root), {
        force: true,
        ari: false,
        budgetMs: BUDGET_MS,
        log: l.log,
      });
      const elapsed = Date.now() - started;
      await proxy.setMode('pass');
      assert.equal(o.exitCode, 75, l.text());
      assert.equal(o.action, 'soft-failure');
      assert.equal(o.failure?.class, cls);
      assert.match(o.failure!.message, pattern);
      assert.ok(elapsed < BUDGET_MS + DEADLINE_SLACK_MS, `the budget is enforced (${elapsed} ms)`);
      assert.deepEqual(read(settings.directory), before, 'files untouched');
      const v = inspectCertificate(settings, new Date());
      assert.equal(v.usable, true, 'still a usable, matching pair');
      const st = readState(globalFor(root).stateDirectory, settings.name);
      assert.ok(st.ok);
      assert.equal(st.state.lastError?.class, cls);
      assert.equal(st.state.consecutiveFailures, 1);
      assert.ok(Date.parse(st.state.nextAttemptNotBefore!) > Date.now());
    });
  }

  test('HTTP 429 with Retry-After: rate-limited, the next attempt waits at least Retry-After', async () => {
    const settings = await installed('rate');
    await proxy.setMode({ status: 429, retryAfter: 7200 });
    const l = collectLog();
    const o = await renewCertificate(settings, globalFor(root), { force: true, ari: false, log: l.log });
    await proxy.setMode('pass');
    assert.equal(o.exitCode, 75, l.text());
    assert.equal(o.failure?.class, 'rate-limited');
    const st = readState(globalFor(root).stateDirectory, 'rate');
    assert.ok(st.ok);
    const wait = Date.parse(st.state.nextAttemptNotBefore!) - Date.now();
    assert.ok(wait > 7100_000 && wait <= 7200_000, `Retry-After honoured (${wait} ms)`);
    // The next (unforced, due) run stays away from the CA.
    const before = proxy.acceptCount;
    const again = await renewCertificate(
      { ...settings, renewBefore: { kind: 'seconds', seconds: 200 * 86400 } },
      globalFor(root),
      { force: false, ari: false, log: l.log },
    );
    assert.equal(again.action, 'backoff');
    assert.equal(proxy.acceptCount, before);
  });

  test('a malformed state file (ari a string, consecutiveFailures "x") never stops a run: 75, one warning', async () => {
    const settings = await installed('malformed');
    const path = join(globalFor(root).stateDirectory, 'certs', 'malformed.json');
    const st = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(
      path,
      JSON.stringify({ ...st, ari: 'x', consecutiveFailures: 'x', nextAttemptNotBefore: 7 }),
    );
    await proxy.setMode('refuse');
    const l = collectLog();
    const o = await renewCertificate(settings, globalFor(root), { force: true, ari: true, log: l.log });
    await proxy.setMode('pass');
    assert.equal(o.exitCode, 75, l.text());
    assert.equal(o.failure?.class, 'ca-unreachable');
    const warnings = l.lines.filter((x) => /ignoring malformed/.test(x.text));
    assert.equal(warnings.length, 1, l.text());
    assert.match(warnings[0]!.text, /malformed nextAttemptNotBefore, consecutiveFailures, ari /);
    const after = readState(globalFor(root).stateDirectory, 'malformed');
    assert.ok(after.ok && after.dropped === undefined, 'rewritten well-formed');
    assert.equal(after.ok && after.state.consecutiveFailures, 1);
  });

  test('reuseKey through a planted key.pem link: refused (local-io), the linked key never certified', async () => {
    const settings = { ...(await installed('planted')), reuseKey: true };
    const secret = join(root, 'root-only.key');
    writeFileSync(secret, readFileSync(join(settings.directory, 'key.pem')), { mode: 0o600 });
    rmSync(join(settings.directory, 'key.pem'));
    symlinkSync(secret, join(settings.directory, 'key.pem'));
    const orders = proxy.finalizeCount;
    const l = collectLog();
    const o = await renewCertificate(settings, globalFor(root), { force: true, ari: false, log: l.log });
    assert.equal(o.failure?.class, 'local-io', l.text());
    assert.match(o.failure!.message, /reuseKey: .*key\.pem is a symbolic link certguard did not create/);
    assert.equal(proxy.finalizeCount, orders, 'no order with that key');
  });

  test('terminal escapes in a problem detail are escaped in the outcome, the state and the log', async () => {
    const settings = await installed('escapes');
    await proxy.setMode({ status: 500, detail: 'oops\u001b[2K\r\u001b[32mrenewed OK\u009b' });
    const l = collectLog();
    const o = await renewCertificate(settings, globalFor(root), { force: true, ari: false, log: l.log });
    await proxy.setMode('pass');
    assert.equal(o.exitCode, 75, l.text());
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
    const raw = /[\u0000-\u001f\u007f-\u009f]/;
    assert.match(o.failure!.message, /oops\\x1b\[2K/);
    assert.doesNotMatch(o.failure!.message, raw);
    assert.doesNotMatch(l.text().replaceAll('\n', ' '), raw);
    const st = JSON.parse(
      readFileSync(join(globalFor(root).stateDirectory, 'certs', 'escapes.json'), 'utf8'),
    ) as { lastError: { message: string } };
    assert.match(st.lastError.message, /oops\\x1b\[2K/);
    assert.doesNotMatch(st.lastError.message, raw);
  });

  test('a challenge that fails (nothing serves the token): challenge-failed, soft failure', async () => {
    // A pebble that really validates, and a webroot nobody serves.
    const strict = await startPebble({ challtestsrv: true });
    try {
      const settings = pebbleSettings(strict, root, {}, 'challenge');
      const l = collectLog();
      const first = await renewCertificate(settings, globalFor(root), {
        force: false,
        ari: false,
        log: l.log,
      });
      assert.equal(first.action, 'renewed', l.text());
      const before = read(settings.directory);
      mkdirSync(join(root, 'unserved'), { recursive: true });
      const unserved = {
        ...settings,
        challenge: { type: 'webroot' as const, webroot: join(root, 'unserved') },
      };
      const o = await renewCertificate(unserved, globalFor(root), { force: true, ari: false, log: l.log });
      assert.equal(o.exitCode, 75, l.text());
      assert.equal(o.failure?.class, 'challenge-failed', o.failure?.message);
      assert.deepEqual(read(settings.directory), before);
    } finally {
      await strict.stop();
    }
  });
});

/**
 * A CA whose certificate would not be usable: the fault proxy replaces pebble's real chain with
 * one the test signs for the same public key (so only the property under test is wrong).
 */
describe('a bad certificate from the CA is never installed', {
  skip: !pebbleAvailable() && 'SKIPPED: pebble not installed',
}, () => {
  let pebble: Pebble;
  let proxy: FaultProxy;
  let ca: Issued;
  const tmp = tempDir('certguard-badcert-');
  const root = tmp.dir;
  const HOUR = 3600_000;
  const DAY = 24 * HOUR;

  before(async () => {
    if (!pebbleAvailable()) return;
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false });
    proxy = await startFaultProxy(pebble);
    ca = await makeCert({ isCa: true, cn: 'hostile test CA', days: 3650 });
  });
  after(async () => {
    await proxy?.close();
    await pebble?.stop();
    tmp.cleanup();
  });

  /** pebble's leaf re-signed by the test CA with another validity window, chained to that CA. */
  const resigned =
    (notBefore: number, notAfter: number) =>
    async (pem: string): Promise<string> => {
      const leaf = new x509.X509Certificate(pem.split(/(?<=-----END CERTIFICATE-----)/)[0]!.trim());
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: `7e57${Date.now().toString(16)}`,
        subject: leaf.subject,
        issuer: ca.cert.subject,
        notBefore: new Date(Date.now() + notBefore),
        notAfter: new Date(Date.now() + notAfter),
        signingAlgorithm: ca.alg,
        publicKey: await leaf.publicKey.export(),
        signingKey: ca.keys.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          leaf.getExtension(x509.SubjectAlternativeNameExtension)!,
          await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
        ],
      });
      return `${cert.toString('pem')}\n${ca.certPem}`;
    };
  /** pebble's real leaf with an unrelated CA certificate as its chain. */
  const wrongChain = async (pem: string) =>
    `${pem.split(/(?<=-----END CERTIFICATE-----)/)[0]!.trim()}\n${ca.certPem}`;

  const cases: [string, (pem: string) => Promise<string>, string, number?][] = [
    ['expired', resigned(-10 * DAY, -DAY), 'expired'],
    ['not yet valid', resigned(DAY, 90 * DAY), 'not-yet-valid'],
    ['broken chain', wrongChain, 'chain-broken'],
    ['shorter than minValidity', resigned(-HOUR, 5 * HOUR), 'expires-too-soon', 86400],
  ];
  for (const [what, rewrite, code, minValidity] of cases) {
    test(`${what}: not installed, bad-certificate (${code}), 75, backoff: three runs, one order`, async () => {
      const name = `bad-${what.replace(/\W+/g, '-')}`;
      const settings: CertSettings = {
        ...pebbleSettings(pebble, root, { server: proxy.directoryUrl }, name),
        ...(minValidity ? { minValiditySeconds: minValidity } : {}),
      };
      proxy.rewriteCertificate(undefined);
      const l = collectLog();
      const first = await renewCertificate(settings, globalFor(root), {
        force: false,
        ari: false,
        log: l.log,
      });
      assert.equal(first.action, 'renewed', l.text());
      const before = read(settings.directory);
      // Due from now on: renewal is wanted, and every run would order again without backoff.
      const due = { ...settings, renewBefore: { kind: 'seconds' as const, seconds: 200 * 86400 } };
      proxy.rewriteCertificate(rewrite);
      const orders = proxy.finalizeCount;
      const outcomes = [];
      try {
        for (let i = 0; i < 3; i++) {
          outcomes.push(
            await renewCertificate(due, globalFor(root), { force: false, ari: false, log: l.log }),
          );
        }
      } finally {
        proxy.rewriteCertificate(undefined);
      }
      assert.equal(proxy.finalizeCount - orders, 1, 'one order, then the backoff holds');
      const [o, ...rest] = outcomes;
      assert.equal(o!.exitCode, 75, l.text());
      assert.equal(o!.action, 'soft-failure');
      assert.equal(o!.failure?.class, 'bad-certificate');
      assert.ok(o!.failure?.reasons?.includes(code as never), JSON.stringify(o!.failure));
      assert.match(o!.failure!.message, new RegExp(code));
      for (const r of rest) assert.equal(r.action, 'backoff');
      assert.deepEqual(read(settings.directory), before, 'files byte-identical');
      const st = readState(globalFor(root).stateDirectory, name);
      assert.ok(st.ok);
      assert.equal(st.state.lastError?.class, 'bad-certificate');
      assert.equal(st.state.consecutiveFailures, 1);
      assert.ok(Date.parse(st.state.nextAttemptNotBefore!) > Date.now());
      // The next good certificate resets the failure count.
      const fixed = await renewCertificate(due, globalFor(root), { force: true, ari: false, log: l.log });
      assert.equal(fixed.action, 'renewed', l.text());
      const after = readState(globalFor(root).stateDirectory, name);
      assert.ok(after.ok);
      assert.equal(after.state.consecutiveFailures, 0);
    });
  }

  test('trust set: a certificate chaining to another root is never installed (untrusted); the real root passes', async () => {
    // The staging-in-production mistake: pebble's chain is sound but its root is not in the bundle.
    writeFileSync(join(root, 'prod-bundle.pem'), ca.certPem);
    const settings: CertSettings = {
      ...pebbleSettings(pebble, root, { server: proxy.directoryUrl }, 'bad-untrusted'),
      trust: join(root, 'prod-bundle.pem'),
    };
    proxy.rewriteCertificate(undefined);
    const l = collectLog();
    const o = await renewCertificate(settings, globalFor(root), { force: false, ari: false, log: l.log });
    assert.equal(o.exitCode, 1, l.text());
    assert.equal(o.failure?.class, 'bad-certificate');
    assert.deepEqual(o.failure?.reasons, ['untrusted']);
    assert.match(o.failure!.message, /which is not a trust anchor in .*prod-bundle\.pem/);
    assert.equal(existsSync(join(settings.directory, 'fullchain.pem')), false);
    // With pebble's own root as the anchor the same order result is installed.
    writeFileSync(join(root, 'pebble-root.pem'), await pebble.rootPem());
    const good = await renewCertificate(
      {
        ...pebbleSettings(pebble, root, { server: proxy.directoryUrl }, 'good-trusted'),
        trust: join(root, 'pebble-root.pem'),
      },
      globalFor(root),
      { force: false, ari: false, log: l.log },
    );
    assert.equal(good.action, 'renewed', l.text());
  });

  test('nothing installed and the CA certificate too short: exit 1, nothing written, backoff', async () => {
    const settings: CertSettings = {
      // pebble issues 90 days; ask for 100.
      ...pebbleSettings(pebble, root, { server: proxy.directoryUrl }, 'bad-fresh'),
      minValiditySeconds: 100 * 86400,
    };
    const l = collectLog();
    const orders = proxy.finalizeCount;
    const o = await renewCertificate(settings, globalFor(root), { force: false, ari: false, log: l.log });
    const again = await renewCertificate(settings, globalFor(root), { force: false, ari: false, log: l.log });
    assert.equal(o.exitCode, 1, l.text());
    assert.equal(o.action, 'hard-failure');
    assert.equal(o.failure?.class, 'bad-certificate');
    assert.deepEqual(o.failure?.reasons, ['expires-too-soon']);
    assert.equal(existsSync(join(settings.directory, 'fullchain.pem')), false);
    assert.equal(again.action, 'backoff');
    assert.equal(again.exitCode, 1);
    assert.equal(proxy.finalizeCount - orders, 1);
  });
});
