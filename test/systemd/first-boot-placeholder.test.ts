import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { freePort, pebbleAvailable, startPebble } from '../helpers/pebble.ts';
import {
  CERT_DIR,
  deploy,
  describeJournal,
  RENEW,
  SERVICE,
  servedFingerprint,
  skipWithoutSystemd,
  waitForOneshot,
} from './scenario-kit.ts';

/**
 * Scenario 3: first boot, no certificate yet, the CA (pebble, on the host's loopback, which the
 * guest shares) is up. The placeholder lets the service start; the renew unit then obtains a real
 * certificate over a real http-01 validation, reloads the service, and the service serves it.
 *
 * The renew unit is held at a gate (a test-only drop-in) until the test has seen the placeholder
 * served: without it, whether renew or the preflight finishes first would be up to the scheduler.
 */
test('first boot: placeholder first, then the real certificate, served after a reload', async (t) => {
  if (skipWithoutSystemd(t)) return;
  if (!pebbleAvailable()) {
    console.warn('SKIPPED: pebble not installed (apt-get install pebble)');
    t.skip('SKIPPED: pebble not installed');
    return;
  }
  const pebble = await startPebble();
  t.after(() => pebble.stop());
  const port = await freePort();
  const guest = await deploy(t, {
    port,
    entry: {
      server: pebble.directoryUrl,
      caBundle: '/etc/certguard/acme-ca.pem',
      httpListen: `127.0.0.1:${pebble.httpPort}`,
      onUnusable: 'placeholder',
      // The service runs unprivileged and reads the key through its group.
      group: 'www-data',
    },
    serviceExtra: 'User=www-data\nGroup=www-data',
    files: [
      { path: '/etc/certguard/acme-ca.pem', copyFrom: pebble.caBundlePath },
      {
        path: `/etc/systemd/system/${RENEW}.d/gate.conf`,
        content:
          "[Service]\nExecStartPre=/bin/sh -c 'while [ ! -e /run/release-renew ]; do sleep 0.1; done'\n",
      },
    ],
  });

  const start = await guest.systemctl('start', SERVICE);
  assert.equal(start.code, 0, `${start.stdout}${start.stderr}`);
  assert.equal((await guest.show(SERVICE)).ActiveState, 'active');
  assert.equal(
    (await guest.show(RENEW)).ActiveState,
    'activating',
    'renew runs in parallel, held at the gate',
  );

  const placeholder = new X509Certificate(await guest.must(['cat', `${CERT_DIR}/fullchain.pem`]));
  assert.match(placeholder.subject, /O=certguard placeholder/);
  assert.equal(
    (await guest.must(['stat', '-L', '-c', '%a %U:%G', `${CERT_DIR}/key.pem`])).trim(),
    '640 root:www-data',
  );
  assert.equal((await guest.must(['ps', '-o', 'user=', '-C', 'node'])).trim(), 'www-data');
  assert.equal(await servedFingerprint(guest, port), placeholder.fingerprint256);
  const log = await guest.journal(SERVICE);
  assert.ok(
    log.some((e) => e.priority === 4 && e.message.includes('installed a self-signed PLACEHOLDER')),
    describeJournal(log),
  );
  const check = JSON.parse((await guest.run(['certguard', 'check', 'site', '--json'])).stdout) as {
    placeholder: boolean;
    usable: boolean;
  };
  assert.deepEqual([check.usable, check.placeholder], [true, true]);

  await guest.must(['touch', '/run/release-renew']);
  const renew = await waitForOneshot(guest, RENEW);
  const renewLog = await guest.journal(RENEW);
  assert.equal(renew.ExecMainStatus, '0', describeJournal(renewLog));
  assert.equal(renew.Result, 'success');

  const real = new X509Certificate(await guest.must(['cat', `${CERT_DIR}/fullchain.pem`]));
  assert.doesNotMatch(real.subject, /placeholder/);
  assert.match(real.issuer, /Pebble/i);
  // The hardened renew unit (CapabilityBoundingSet=CAP_CHOWN) could still give the group access.
  assert.equal(
    (await guest.must(['stat', '-L', '-c', '%a %U:%G', `${CERT_DIR}/key.pem`])).trim(),
    '640 root:www-data',
  );
  // renew reloaded the service (ExecReload= sends SIGHUP) and it now serves the new certificate.
  await guest.waitFor('the service to log its reload', async () =>
    (await guest.journal(SERVICE)).some((e) => e.message === `reloaded, serving ${real.fingerprint256}`),
  );
  assert.equal(await servedFingerprint(guest, port), real.fingerprint256);
  assert.equal((await guest.show(SERVICE)).ActiveState, 'active');
  const after = JSON.parse((await guest.run(['certguard', 'check', 'site', '--json'])).stdout) as {
    placeholder: boolean;
    usable: boolean;
    fingerprint256: string;
  };
  assert.deepEqual(
    [after.usable, after.placeholder, after.fingerprint256],
    [true, false, real.fingerprint256],
  );
});
