/**
 * ARI (RFC 9773) in the renew flow, through a loopback front that adds renewalInfo to pebble 2.4.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ariCertId } from '../../src/acme/ari.ts';
import type { CertSettings } from '../../src/config/settings.ts';
import { renewCertificate } from '../../src/renew/renew.ts';
import type { RenewalState } from '../../src/store/state.ts';
import { readState, statePath, writeState } from '../../src/store/state.ts';
import { type AriFront, startAriFront } from '../helpers/ari-front.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { type Pebble, pebbleAvailable, startPebble } from '../helpers/pebble.ts';
import { collectLog, globalFor, pebbleSettings } from './support.ts';

const HOUR = 3600_000;

describe('ARI in renew', { skip: !pebbleAvailable() && 'SKIPPED: pebble not installed' }, () => {
  let pebble: Pebble;
  let front: AriFront;
  const tmp = tempDir('certguard-ari-');
  const root = tmp.dir;

  before(async () => {
    if (!pebbleAvailable()) {
      console.warn('SKIPPED: pebble not installed (apt-get install pebble)');
      return;
    }
    pebble = await startPebble({ alwaysValid: true, challtestsrv: false });
    front = await startAriFront(pebble);
  });
  after(async () => {
    await front?.close();
    await pebble?.stop();
    tmp.cleanup();
  });

  function run(settings: CertSettings, opts: { force?: boolean; ari?: boolean; now?: Date } = {}) {
    const l = collectLog();
    return renewCertificate(settings, globalFor(root), {
      force: opts.force ?? false,
      ari: opts.ari ?? true,
      log: l.log,
      ...(opts.now ? { now: opts.now } : {}),
    }).then((o) => ({ ...o, log: l.text() }));
  }

  /** Issues a certificate, then forgets the "just issued, do not ask yet" pause (as 6 h later). */
  async function issued(name: string): Promise<{ settings: CertSettings; certId: string }> {
    const settings = pebbleSettings(pebble, root, { server: front.directoryUrl }, name);
    const o = await run(settings);
    assert.equal(o.action, 'renewed', o.log);
    const st = readState(globalFor(root).stateDirectory, name);
    assert.ok(st.ok);
    const state = st.state;
    assert.ok(
      Date.parse(state.ariCheckNotBefore!) > Date.now() + 5 * HOUR,
      'no ARI poll right after issuance',
    );
    writeState(globalFor(root).stateDirectory, name, { ...state, ariCheckNotBefore: null });
    const certId = ariCertId(readFileSync(settings.certFile, 'utf8'));
    assert.ok(certId);
    return { settings, certId };
  }

  function state(name: string): RenewalState {
    const st = readState(globalFor(root).stateDirectory, name);
    assert.ok(st.ok);
    return st.state;
  }

  test('a future window: not due, the answer is remembered, and not asked again before Retry-After', async () => {
    const { settings, certId } = await issued('future');
    const start = new Date(Date.now() + 24 * HOUR);
    const end = new Date(Date.now() + 48 * HOUR);
    front.answers.set(certId, { start, end, retryAfter: 3600, explanationURL: 'https://ca.test/why' });
    const asked = front.renewalInfoRequests.length;
    const o = await run(settings);
    assert.equal(o.action, 'not-due', o.log);
    assert.equal(front.renewalInfoRequests.length, asked + 1);
    assert.equal(front.renewalInfoRequests.at(-1), certId);
    const s = state('future');
    assert.equal(s.ari?.certId, certId);
    assert.equal(s.ari?.windowStart, start.toISOString());
    assert.equal(s.ari?.explanationURL, 'https://ca.test/why');
    const renewAt = Date.parse(s.ari!.renewAt);
    assert.ok(renewAt >= start.getTime() && renewAt < end.getTime(), 'picked inside the window');
    assert.equal(
      o.nextCheck,
      s.ari!.renewAt,
      'due when the picked ARI time comes (earlier than 1/3 of 90 days)',
    );
    const nextFetch = Date.parse(s.ari!.nextFetchNotBefore) - Date.now();
    assert.ok(nextFetch > 3500_000 && nextFetch <= 3600_000, 'Retry-After honoured');

    // Within Retry-After: no request at all.
    await run(settings);
    assert.equal(front.renewalInfoRequests.length, asked + 1);
    // After Retry-After (simulated clock): asked again; the same window keeps the same pick.
    const later = await run(settings, { now: new Date(Date.now() + 2 * HOUR) });
    assert.equal(later.action, 'not-due');
    assert.equal(front.renewalInfoRequests.length, asked + 2);
    assert.equal(state('future').ari?.renewAt, s.ari!.renewAt);
  });

  test('a window that has started: renewed now, and newOrder carries `replaces`', async () => {
    const { settings, certId } = await issued('started');
    front.answers.set(certId, { start: new Date(Date.now() - 2 * HOUR), end: new Date(Date.now() - HOUR) });
    const orders = front.newOrderPayloads.length;
    const o = await run(settings);
    assert.equal(o.action, 'renewed', o.log);
    assert.deepEqual(
      o.dueReasons.map((r) => r.code),
      ['ari-window'],
    );
    assert.equal(front.newOrderPayloads.length, orders + 1);
    assert.equal(front.newOrderPayloads.at(-1)?.replaces, certId);
    assert.equal(state('started').ari, null, 'the answer about the old certificate is dropped');
  });

  test('409 alreadyReplaced: the order is retried without `replaces` and succeeds', async () => {
    const { settings, certId } = await issued('replaced');
    front.answers.set(certId, { start: new Date(Date.now() - 2 * HOUR), end: new Date(Date.now() - HOUR) });
    front.rejectReplaces = true;
    try {
      const orders = front.newOrderPayloads.length;
      const o = await run(settings);
      assert.equal(o.action, 'renewed', o.log);
      const payloads = front.newOrderPayloads.slice(orders);
      assert.equal(payloads[0]?.replaces, certId);
      assert.equal(payloads.at(-1)?.replaces, undefined);
    } finally {
      front.rejectReplaces = false;
    }
  });

  test('a CA without renewalInfo: not due, asked again only a day later', async () => {
    const { settings } = await issued('noari');
    front.advertise = false;
    try {
      const asked = front.renewalInfoRequests.length;
      const o = await run(settings);
      assert.equal(o.action, 'not-due', o.log);
      assert.equal(front.renewalInfoRequests.length, asked);
      const s = state('noari');
      assert.equal(s.ari, null);
      assert.ok(Date.parse(s.ariCheckNotBefore!) > Date.now() + 23 * HOUR);
    } finally {
      front.advertise = true;
    }
  });

  test('an ARI error is a warning, never fatal; it is not retried before its Retry-After', async () => {
    const { settings, certId } = await issued('arierror');
    front.answers.set(certId, { status: 500, retryAfter: 7200 });
    const o = await run(settings);
    assert.equal(o.action, 'not-due');
    assert.equal(o.exitCode, 0);
    assert.match(
      o.log,
      /warning: arierror: ARI renewal information unavailable \(.*HTTP 500.*\); deciding by local rules/,
    );
    const wait = Date.parse(state('arierror').ariCheckNotBefore!) - Date.now();
    assert.ok(wait > 7000_000 && wait <= 7200_000);
  });

  test('an hourly timer asks renewalInfo only once per Retry-After (6 h: 4 times a day)', async () => {
    const { settings, certId } = await issued('hourly');
    const start = new Date(Date.now() + 20 * 24 * HOUR);
    front.answers.set(certId, { start, end: new Date(start.getTime() + 24 * HOUR), retryAfter: 6 * 3600 });
    const asked = front.renewalInfoRequests.length;
    const t0 = Date.now();
    for (let h = 0; h < 24; h++) {
      const o = await run(settings, { now: new Date(t0 + h * HOUR) });
      assert.equal(o.action, 'not-due', o.log);
    }
    assert.equal(front.renewalInfoRequests.length - asked, 4);
  });

  test('a certificate certguard did not issue: a not-due run asks no renewalInfo and writes nothing', async () => {
    const { settings } = await issued('foreign');
    const stateFile = statePath(globalFor(root).stateDirectory, 'foreign');
    rmSync(stateFile); // as if another client had installed it
    const asked = front.renewalInfoRequests.length;
    const o = await run(settings);
    assert.equal(o.action, 'not-due', o.log);
    assert.equal(front.renewalInfoRequests.length, asked);
    assert.equal(existsSync(stateFile), false, 'no state file written');
  });

  test('--no-ari: no renewalInfo request and no `replaces`', async () => {
    const { settings, certId } = await issued('off');
    front.answers.set(certId, { start: new Date(Date.now() - 2 * HOUR), end: new Date(Date.now() - HOUR) });
    const asked = front.renewalInfoRequests.length;
    const notDue = await run(settings, { ari: false });
    assert.equal(notDue.action, 'not-due', 'the started ARI window is ignored');
    const orders = front.newOrderPayloads.length;
    const forced = await run(settings, { force: true, ari: false });
    assert.equal(forced.action, 'renewed', forced.log);
    assert.equal(front.renewalInfoRequests.length, asked);
    assert.equal(front.newOrderPayloads.at(orders)?.replaces, undefined);
  });
});
