import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CERT_DIR,
  deployCompanion,
  lookSkipped,
  ORDER,
  showUnit,
  startCa,
  statusOf,
  untilDue,
  VALID_MIN_DAYS,
} from './companion-kit.ts';
import { describeJournal, skipWithoutSystemd } from './scenario-kit.ts';

/**
 * Companion scenario (c): the certificate is in its renewal window and the CA is up: certguard's
 * condition lets the unit run, lego renews (its `renew` path: domain hash, key and account are
 * there), the new certificate is installed and status is ok.
 */
test('due, CA up: lego renews and status is ok', async (t) => {
  if (skipWithoutSystemd(t) || lookSkipped(t)) return;
  const ca = await startCa(t, VALID_MIN_DAYS * 86400 + 20);
  const guest = await deployCompanion(t, {
    server: ca.proxy.directoryUrl,
    caBundle: ca.pebble.caBundlePath,
    httpPort: ca.httpPort,
    port: 8443,
  });
  const first = await guest.systemctl('start', ORDER);
  assert.equal(first.code, 0, describeJournal(await guest.journal(ORDER)));
  const before = await guest.must(['cat', `${CERT_DIR}/fullchain.pem`]);
  await untilDue(guest);
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
