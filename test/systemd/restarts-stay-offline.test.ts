import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { freePort } from '../helpers/pebble.ts';
import {
  DAY,
  deploy,
  describeJournal,
  issuedCert,
  RENEW,
  SERVICE,
  skipWithoutSystemd,
  waitForOneshot,
} from './scenario-kit.ts';

const RESTARTS = 50;

/**
 * Scenario 5: a service restarted 50 times in a row opens no connection to the CA. The "CA" is a
 * loopback listener that only counts accepted connections; the guest shares the host's loopback,
 * so any attempt (preflight, or the renew unit pulled in by Wants= on every start) would reach it.
 * ARI is off here: with ARI on, renew asks the CA's renewalInfo at most once per Retry-After
 * window (throttled by the state file, tested with renew); this scenario isolates the restarts.
 */
test(`a service restarted ${RESTARTS} times opens no connection to the CA`, async (t) => {
  if (skipWithoutSystemd(t)) return;
  let accepted = 0;
  const sockets = new Set<Socket>();
  const ca = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const caPort = await new Promise<number>((resolve) =>
    ca.listen(0, '127.0.0.1', () => resolve((ca.address() as { port: number }).port)),
  );
  t.after(() => {
    for (const s of sockets) s.destroy();
    ca.close();
  });
  // The listener really counts: a plain connect is seen (so 0 below means no connection at all).
  await new Promise<void>((resolve, reject) => {
    const c = connect(caPort, '127.0.0.1', () => {
      c.end();
      resolve();
    });
    c.on('error', reject);
  });
  await waitUntil(() => accepted === 1);
  accepted = 0;

  const now = Date.now();
  const cert = await issuedCert(new Date(now - DAY), new Date(now + 89 * DAY));
  const port = await freePort();
  const guest = await deploy(t, {
    port,
    cert,
    entry: { server: `https://127.0.0.1:${caPort}/dir`, httpListen: '127.0.0.1:5002', ari: false },
  });

  const first = await guest.systemctl('start', SERVICE);
  assert.equal(first.code, 0, `${first.stdout}${first.stderr}`);
  for (let i = 0; i < RESTARTS; i++) {
    const r = await guest.systemctl('restart', SERVICE);
    assert.equal(r.code, 0, `restart #${i + 1}: ${r.stdout}${r.stderr}`);
  }
  assert.equal((await guest.show(SERVICE)).ActiveState, 'active');
  const renew = await waitForOneshot(guest, RENEW);
  assert.equal(renew.ExecMainStatus, '0', describeJournal(await guest.journal(RENEW)));

  const log = await guest.journal(SERVICE);
  const checks = log.filter((e) => /^site: usable, expires /.test(e.message));
  assert.equal(checks.length, RESTARTS + 1, 'the preflight ran on every start');
  assert.equal(accepted, 0, 'no connection reached the CA');
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
}
