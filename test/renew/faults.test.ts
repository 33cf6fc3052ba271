/**
 * CA faults seen from the renew flow (a fault proxy between certguard and pebble): for each fault
 * the exit code, the failure class in the outcome and the state, the backoff, and the installed
 * pair untouched and still matching. The ACME layer's own fault tests check the messages in depth.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inspectCertificate } from '../../src/check/inspect.ts';
import type { CertSettings } from '../../src/config/settings.ts';
import { renewCertificate } from '../../src/renew/renew.ts';
import { CERT_FILE_NAMES } from '../../src/store/install.ts';
import type { FailureClass } from '../../src/store/state.ts';
import { readState } from '../../src/store/state.ts';
import { type FaultMode, type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.ts';
import { tempDir } from '../helpers/fixtures.ts';
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
