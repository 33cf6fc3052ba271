import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Guest } from '../helpers/systemd-harness.ts';
import {
  DAY,
  deploy,
  describeJournal,
  issuedCert,
  RENEW,
  skipWithoutSystemd,
  waitForOneshot,
} from './scenario-kit.ts';

const LOCK = '/var/lib/certguard/locks/site.lock';

// A root process with all capabilities holding renew's lock, as a `certguard renew` run from a
// root shell would: it writes "PID START" like src/store/lock.ts.
const HOLDER = `
const fs = require('fs');
const st = fs.readFileSync('/proc/self/stat', 'utf8');
const start = st.slice(st.lastIndexOf(')') + 2).split(' ')[19];
fs.mkdirSync('/var/lib/certguard/locks', { recursive: true });
fs.writeFileSync('${LOCK}', process.pid + ' ' + start + '\\n');
setInterval(() => {}, 1 << 30);
`;

async function renewOnce(guest: Guest): Promise<Record<string, string>> {
  await guest.systemctl('start', RENEW);
  return waitForOneshot(guest, RENEW);
}

/**
 * The renew unit's sandbox (fewer capabilities than root, its own /proc view) must not blind it to
 * a live lock holder outside it: a lock it cannot judge would be taken for stale and two renewals
 * would order at once. Here the CA is unreachable (own network namespace): a renewal that really
 * runs ends with 75, one that respects the lock ends with 0 (busy) at once.
 */
test('renew in its hardened unit respects a lock held by a root process outside it', async (t) => {
  if (skipWithoutSystemd(t)) return;
  const now = Date.now();
  const cert = await issuedCert(new Date(now - 80 * DAY), new Date(now + 10 * DAY));
  const guest = await deploy(t, {
    net: true,
    port: 1,
    cert,
    entry: { server: 'https://127.0.0.1:14000/dir', httpListen: '127.0.0.1:5002', ari: false },
  });
  await guest.must(['systemd-run', '--unit=lock-holder', '/usr/bin/node', '-e', HOLDER]);
  const held = await guest.waitFor('the lock to be held', async () => {
    const r = await guest.run(['cat', LOCK]);
    return r.code === 0 && r.stdout.trim() !== '' ? r.stdout : undefined;
  });

  const busy = await renewOnce(guest);
  const log = await guest.journal(RENEW);
  assert.equal(busy.ExecMainStatus, '0', describeJournal(log));
  assert.equal(
    log.some((e) => /renewal failed/.test(e.message)),
    false,
    `renew must not have ordered:\n${describeJournal(log)}`,
  );
  assert.equal(await guest.must(['cat', LOCK]), held, 'the live lock was not taken over');

  // Without the holder the same unit really tries (and fails softly): the check above can fail.
  await guest.must(['systemctl', 'stop', 'lock-holder.service']);
  const tried = await renewOnce(guest);
  assert.equal(tried.ExecMainStatus, '75', describeJournal(await guest.journal(RENEW)));
});
