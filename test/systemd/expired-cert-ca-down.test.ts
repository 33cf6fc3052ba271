import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CERT_DIR,
  DAY,
  deploy,
  describeJournal,
  issuedCert,
  RENEW,
  SERVICE,
  servedFingerprint,
  skipWithoutSystemd,
  waitForOneshot,
} from './scenario-kit.ts';

/** Scenario 2: the certificate expired yesterday and the CA is unreachable (no network). */
const entry = { server: 'https://127.0.0.1:14000/dir', httpListen: '127.0.0.1:5002' };
const expired = () => issuedCert(new Date(Date.now() - 90 * DAY), new Date(Date.now() - DAY));

test('on-unusable=fail: the service does not start and the journal says why', async (t) => {
  if (skipWithoutSystemd(t)) return;
  const cert = await expired();
  const guest = await deploy(t, { net: true, port: 8443, cert, entry });

  const start = await guest.systemctl('start', SERVICE);
  assert.notEqual(start.code, 0, 'systemctl start reports the failed start');
  const svc = await guest.show(SERVICE, ['ActiveState', 'Result', 'ExecMainPID']);
  assert.equal(svc.ActiveState, 'failed');
  assert.equal(svc.Result, 'exit-code');
  assert.equal(svc.ExecMainPID, '0', 'the server itself never ran');

  const log = await guest.journal(SERVICE);
  assert.ok(
    log.some((e) => e.priority === 3 && /^site: UNUSABLE: expired 20/.test(e.message)),
    describeJournal(log),
  );
  assert.ok(
    log.some((e) => e.priority === 3 && e.message.includes('the service must not start (on-unusable=fail)')),
    describeJournal(log),
  );
  // The expired files are left exactly as they were.
  const onDisk = await guest.must(['cat', `${CERT_DIR}/fullchain.pem`]);
  assert.equal(onDisk, cert.fullchainPem);

  // The renewal (pulled in by Wants=) fails hard: there is no usable certificate to fall back on.
  const renew = await waitForOneshot(guest, RENEW);
  assert.equal(renew.Result, 'exit-code', describeJournal(await guest.journal(RENEW)));
  assert.equal(renew.ExecMainStatus, '1');
});

test('on-unusable=warn: the service starts with a warning in the journal', async (t) => {
  if (skipWithoutSystemd(t)) return;
  const cert = await expired();
  const port = 8443;
  const guest = await deploy(t, {
    net: true,
    port,
    cert,
    entry,
    // A bounded inline renewal first: with the CA down it fails at once and the policy decides.
    preflightArgs: ['--on-unusable', 'warn', '--renew-inline=10s'],
  });

  const start = await guest.systemctl('start', SERVICE);
  assert.equal(start.code, 0, `${start.stdout}${start.stderr}`);
  assert.equal((await guest.show(SERVICE)).ActiveState, 'active');
  assert.equal(await servedFingerprint(guest, port), cert.fingerprint, 'it serves what it has');

  const log = await guest.journal(SERVICE);
  assert.ok(
    log.some(
      (e) => e.priority === 4 && e.message.includes('inline renewal did not produce a usable certificate'),
    ),
    describeJournal(log),
  );
  assert.ok(
    log.some(
      (e) =>
        e.priority === 4 &&
        e.message.startsWith('site: WARNING: certificate unusable, starting anyway (on-unusable=warn)'),
    ),
    describeJournal(log),
  );
});
