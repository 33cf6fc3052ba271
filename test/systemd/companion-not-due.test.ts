import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployWithCa, lookSkipped, ORDER, SERVICE, showUnit, statusOf, TIMER } from './companion-kit.ts';
import { DAY, describeJournal, issuedCert, servedFingerprint, skipWithoutSystemd } from './scenario-kit.ts';

/**
 * Companion scenario (a): security.acme-shaped units, the certificate has 60 of 90 days left
 * (validMinDays 30): certguard's ExecCondition skips the order/renew unit, lego never runs and no
 * connection reaches the CA, although the CA is up; the consumer starts.
 */
test('not due: the renewal unit is skipped, lego never runs, 0 connections reach the CA', async (t) => {
  if (skipWithoutSystemd(t) || lookSkipped(t)) return;
  const cert = await issuedCert(new Date(Date.now() - 30 * DAY), new Date(Date.now() + 60 * DAY));
  const port = 8443;
  const { ca, guest } = await deployWithCa(t, 90 * 86400, { cert, port });

  const start = await guest.systemctl('start', ORDER);
  assert.equal(start.code, 0, `${start.stdout}${start.stderr}`);
  const order = await showUnit(guest, ORDER);
  // Skipped, not failed: systemd's own word for an ExecCondition= that said no.
  assert.equal(order.Result, 'exec-condition', JSON.stringify(order));
  assert.equal(order.ActiveState, 'inactive');
  const log = await guest.journal(ORDER);
  assert.ok(
    log.some((e) => /^site: not due \(due from 20.*\): renewal skipped, no CA contacted$/.test(e.message)),
    describeJournal(log),
  );
  assert.ok(
    log.some((e) => e.message.includes("Skipped due to 'exec-condition'")),
    describeJournal(log),
  );
  assert.ok(!log.some((e) => /lego|acme-test:/i.test(e.message)), `lego ran:\n${describeJournal(log)}`);

  // The consumer (ordered after acme-site, which wants the order unit) starts and serves the cert.
  const svc = await guest.systemctl('start', SERVICE);
  assert.equal(svc.code, 0, `${svc.stdout}${svc.stderr}`);
  assert.equal(await servedFingerprint(guest, port), cert.fingerprint);
  assert.equal(ca.proxy.acceptCount, 0, 'no connection reached the CA');

  // The timer triggers the same unit, so its runs are skipped the same way.
  assert.equal((await guest.show(TIMER, ['Triggers'])).Triggers, ORDER);
  const status = await statusOf(guest);
  assert.equal(status.state, 'ok');
  assert.equal(status.issuedBy, 'security.acme');
});
