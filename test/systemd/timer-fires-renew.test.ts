import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { pebbleAvailable, startPebble } from '../helpers/pebble.ts';
import {
  CERT_DIR,
  DAY,
  deploy,
  describeJournal,
  issuedCert,
  RENEW,
  skipWithoutSystemd,
  TIMER,
  waitForOneshot,
} from './scenario-kit.ts';

/**
 * Scenario 4: the shipped timer, with a test drop-in that makes it fire one second after it is
 * started (instead of twice a day with an hour's random delay), starts the renew unit, which
 * replaces a certificate that is due with one from the CA (pebble on the shared loopback).
 */
test('the timer fires the renew unit, which renews a due certificate', async (t) => {
  if (skipWithoutSystemd(t)) return;
  if (!pebbleAvailable()) {
    console.warn('SKIPPED: pebble not installed (apt-get install pebble)');
    t.skip('SKIPPED: pebble not installed');
    return;
  }
  const pebble = await startPebble();
  t.after(() => pebble.stop());
  const now = Date.now();
  const old = await issuedCert(new Date(now - 80 * DAY), new Date(now + 10 * DAY));
  const guest = await deploy(t, {
    port: 1, // the protected service is not started in this scenario
    cert: old,
    entry: {
      server: pebble.directoryUrl,
      caBundle: '/etc/certguard/acme-ca.pem',
      httpListen: `127.0.0.1:${pebble.httpPort}`,
    },
    files: [
      { path: '/etc/certguard/acme-ca.pem', copyFrom: pebble.caBundlePath },
      {
        path: `/etc/systemd/system/${TIMER}.d/soon.conf`,
        content: '[Timer]\nOnCalendar=\nOnActiveSec=1s\nRandomizedDelaySec=0\nAccuracySec=1ms\n',
      },
    ],
  });

  assert.equal((await guest.show(RENEW, ['InvocationID'])).InvocationID, '', 'renew has not run yet');
  const start = await guest.systemctl('start', TIMER);
  assert.equal(start.code, 0, `${start.stdout}${start.stderr}`);

  const renew = await waitForOneshot(guest, RENEW);
  const log = await guest.journal(RENEW);
  assert.equal(renew.ExecMainStatus, '0', describeJournal(log));
  assert.equal(renew.Result, 'success');
  const triggered = await guest.show(RENEW, ['TriggeredBy']);
  assert.equal(triggered.TriggeredBy, TIMER);
  const timer = await guest.show(TIMER, ['LastTriggerUSec', 'Persistent']);
  assert.notEqual(timer.LastTriggerUSec, 'n/a');
  assert.equal(timer.Persistent, 'yes', 'the shipped timer catches up after downtime');

  const now2 = new X509Certificate(await guest.must(['cat', `${CERT_DIR}/fullchain.pem`]));
  assert.notEqual(now2.fingerprint256, old.fingerprint);
  assert.match(now2.issuer, /Pebble/i);
});
