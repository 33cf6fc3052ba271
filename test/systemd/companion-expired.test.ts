import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CERT_DIR, deployCompanion, finished, ORDER, SERVICE, showUnit, statusOf } from './companion-kit.ts';
import { DAY, describeJournal, issuedCert, skipWithoutSystemd } from './scenario-kit.ts';

/**
 * Companion scenario (d): the certificate expired yesterday and the CA is unreachable (own network
 * namespace). The renewal unit runs lego, which fails, and the unit fails: nothing usable is
 * installed. The consumer's policy decides: the default (warn) starts it as security.acme alone
 * would have, loudly; `fail` keeps it stopped. status says unusable.
 */
const expired = () => issuedCert(new Date(Date.now() - 90 * DAY), new Date(Date.now() - DAY));
const deployment = { server: 'https://127.0.0.1:9/dir', httpPort: 5002, net: true, port: 8443 };

for (const onUnusable of ['warn', 'fail'] as const) {
  test(`expired, CA down, policy ${onUnusable}: the unit fails, status is unusable`, async (t) => {
    if (skipWithoutSystemd(t)) return;
    const cert = await expired();
    const guest = await deployCompanion(t, { ...deployment, cert, onUnusable });

    const svc = await guest.systemctl('start', SERVICE);
    const svcLog = await guest.journal(SERVICE);
    // Loud at error level, and the renewal unit is started without waiting for it.
    assert.ok(
      svcLog.some((e) => e.priority === 3 && /^site: UNUSABLE: expired/.test(e.message)),
      describeJournal(svcLog),
    );
    assert.ok(
      svcLog.some((e) => e.message === `site: no usable certificate, started ${ORDER}`),
      describeJournal(svcLog),
    );
    if (onUnusable === 'warn') {
      assert.equal(svc.code, 0, `${svc.stdout}${svc.stderr}\n${describeJournal(svcLog)}`);
      assert.equal((await guest.show(SERVICE)).ActiveState, 'active');
      assert.ok(
        svcLog.some(
          (e) => e.priority === 4 && /^site: WARNING: certificate unusable, starting anyway/.test(e.message),
        ),
        describeJournal(svcLog),
      );
    } else {
      assert.notEqual(svc.code, 0);
      assert.equal((await guest.show(SERVICE)).ActiveState, 'failed');
      assert.ok(
        svcLog.some((e) => e.priority === 3 && /^site: UNUSABLE: expired/.test(e.message)),
        describeJournal(svcLog),
      );
    }

    // The consumer pulled in acme-site, which wants the order unit: lego ran and failed.
    const order = await finished(guest, ORDER);
    const log = await guest.journal(ORDER);
    assert.equal(order.Result, 'exit-code', `${JSON.stringify(order)}\n${describeJournal(log)}`);
    assert.ok(
      log.some(
        (e) =>
          e.priority === 3 &&
          /^site: renewal failed and the installed certificate is unusable: expired/.test(e.message),
      ),
      describeJournal(log),
    );
    assert.equal((await showUnit(guest, ORDER)).ActiveState, 'failed');
    const status = await statusOf(guest);
    assert.equal(status.state, 'unusable');
    assert.equal(status.lastError?.class, 'ca-unreachable', JSON.stringify(status));
    // The expired files are left as they were.
    assert.equal(await guest.must(['cat', `${CERT_DIR}/fullchain.pem`]), cert.fullchainPem);
  });
}
