import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
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

/**
 * Scenario 1: the certificate is still valid but due for renewal, and the host has no network (own
 * network namespace with only lo). The service must start; the renewal fails softly (exit 75)
 * without putting its unit into the failed state; status reports the renewal failing.
 */
test('valid certificate, no network: the service starts, renew exits 75 and is not failed', async (t) => {
  if (skipWithoutSystemd(t)) return;
  const now = Date.now();
  const cert = await issuedCert(new Date(now - 80 * DAY), new Date(now + 10 * DAY));
  const port = 8443;
  const guest = await deploy(t, {
    net: true,
    port,
    cert,
    entry: { server: 'https://127.0.0.1:14000/dir', httpListen: '127.0.0.1:5002' },
  });

  const start = await guest.systemctl('start', SERVICE);
  assert.equal(start.code, 0, `${start.stdout}${start.stderr}`);
  const svc = await guest.show(SERVICE);
  assert.equal(svc.ActiveState, 'active');
  assert.equal(await servedFingerprint(guest, port), cert.fingerprint);

  // Wants= pulled the renew unit in (and --trigger-renew asked for it): it ran in parallel.
  const renew = await waitForOneshot(guest, RENEW);
  const renewLog = await guest.journal(RENEW);
  assert.equal(renew.ExecMainStatus, '75', describeJournal(renewLog));
  assert.equal(renew.Result, 'success');
  assert.equal(renew.ActiveState, 'inactive');
  const failed = await guest.systemctl('is-failed', RENEW);
  assert.equal(failed.stdout.trim(), 'inactive');
  assert.ok(
    renewLog.some(
      (e) => e.priority === 4 && /site: .*renewal failed.*ca-unreachable.*still valid/.test(e.message),
    ),
    `renew logs its soft failure at warning priority or above:\n${describeJournal(renewLog)}`,
  );

  const preflight = await guest.journal(SERVICE);
  assert.ok(
    preflight.some((e) => e.priority === 4 && /site: usable.*renewal due now/.test(e.message)),
    describeJournal(preflight),
  );
  assert.ok(
    preflight.some((e) => e.priority === 6 && e.message === `site: renewal due, started ${RENEW}`),
    describeJournal(preflight),
  );

  const status = await guest.run(['certguard', 'status', 'site', '--json']);
  assert.equal(status.code, 0, `${status.stdout}${status.stderr}`);
  const [row] = JSON.parse(status.stdout) as {
    usable: boolean;
    renewalFailing: boolean;
    lastError: { class: string } | null;
  }[];
  assert.equal(row!.usable, true);
  assert.equal(row!.renewalFailing, true);
  assert.equal(row!.lastError?.class, 'ca-unreachable');
});
