import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lookSkipped, ORDER, orderedAndDue, SERVICE, showUnit, statusOf } from './companion-kit.ts';
import { describeJournal, skipWithoutSystemd } from './scenario-kit.ts';

/**
 * Companion scenario (b): the certificate lego got is in its renewal window (validMinDays 30 of a
 * lifetime 20 s longer) and the CA is down. lego runs and fails, security.acme's script exits 11,
 * and the unit does not fail: the installed certificate is still good for 30 days. status says
 * renewal-failing with lego's error; the consumer starts.
 */
test('due, CA down, certificate valid: the unit does not fail, status says renewal-failing', async (t) => {
  if (skipWithoutSystemd(t) || lookSkipped(t)) return;
  const { ca, guest } = await orderedAndDue(t);

  await ca.proxy.setMode('refuse');
  const start = await guest.systemctl('start', ORDER);
  const log = await guest.journal(ORDER);
  assert.equal(start.code, 0, `systemctl start must succeed\n${describeJournal(log)}`);
  const order = await showUnit(guest, ORDER);
  assert.equal(order.Result, 'success', JSON.stringify(order));
  assert.ok(
    log.some((e) => /renew --no-random-sleep|Could not create client/.test(e.message)),
    describeJournal(log),
  );
  assert.ok(
    log.some(
      (e) =>
        e.priority === 4 &&
        /^site: WARNING: renewal failing since 20.*, last error: .*connection refused.*the unit does not fail \(the renewal command exited 11\)$/.test(
          e.message,
        ),
    ),
    describeJournal(log),
  );

  const status = await statusOf(guest);
  assert.equal(status.state, 'renewal-failing');
  assert.equal(status.lastError?.class, 'ca-unreachable');
  assert.match(status.lastError?.message ?? '', /connection refused/);

  const svc = await guest.systemctl('start', SERVICE);
  assert.equal(svc.code, 0, `${svc.stdout}${svc.stderr}`);
  assert.equal((await guest.show(SERVICE)).ActiveState, 'active');
});
