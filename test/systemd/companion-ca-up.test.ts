import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CERT_DIR, lookSkipped, ORDER, orderedAndDue, showUnit, statusOf } from './companion-kit.ts';
import { describeJournal, skipWithoutSystemd } from './scenario-kit.ts';

/**
 * Companion scenario (c): the certificate is in its renewal window and the CA is up: certguard's
 * condition lets the unit run, lego renews (its `renew` path: domain hash, key and account are
 * there), the new certificate is installed and status is ok.
 */
test('due, CA up: lego renews and status is ok', async (t) => {
  if (skipWithoutSystemd(t) || lookSkipped(t)) return;
  const { ca, guest } = await orderedAndDue(t);
  const before = await guest.must(['cat', `${CERT_DIR}/fullchain.pem`]);
  const connections = ca.proxy.acceptCount;

  const start = await guest.systemctl('start', ORDER);
  const log = await guest.journal(ORDER);
  assert.equal(start.code, 0, describeJournal(log));
  assert.equal((await showUnit(guest, ORDER)).Result, 'success');
  assert.ok(
    log.some((e) => /^site: renewal due \(in the renewal window since 20/.test(e.message)),
    describeJournal(log),
  );
  assert.ok(
    log.some((e) => /acme: Trying renewal with \d+ hours remaining/.test(e.message)),
    describeJournal(log),
  );
  assert.ok(ca.proxy.acceptCount > connections, 'lego talked to the CA');
  const after = await guest.must(['cat', `${CERT_DIR}/fullchain.pem`]);
  assert.notEqual(after, before, 'a new certificate is installed');

  const status = await statusOf(guest);
  assert.equal(status.state, 'ok');
  assert.equal(status.renewalFailing, false);
});
