import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { pebbleAvailable, startPebble } from '../helpers/pebble.ts';
import { bootGuest, GUEST_TEST_LIB } from '../helpers/systemd-harness.ts';
import {
  describeJournal,
  servedFingerprint,
  skipWithoutSystemd,
  waitForOneshot,
} from '../systemd/scenario-kit.ts';
import { GUEST_PACKAGE, guestSystem } from './guest-files.ts';
import { evalModule, requireEvaluator } from './nix-eval.ts';

// The module's units under real systemd 252 against a real CA (pebble on the host's loopback,
// which the guest shares): the renew unit obtains the certificate as the unprivileged `certguard`
// user with no capabilities, the root `+` step reloads the service and runs postRun outside the
// sandbox (writing /srv, which the renew sandbox cannot), and a placeholder the root preflight
// installed is later pruned by the unprivileged renew run.

const CERT_DIR = '/var/lib/certguard-certs/site';
const RENEW = 'certguard-renew-site.service';
const REISSUE = 'certguard-reissue-site.service';
const PORT = 8443;

test('unprivileged renew unit issues from pebble; postRun (+) writes outside the sandbox; root files pruned', async (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  if (skipWithoutSystemd(t)) return;
  if (!pebbleAvailable()) {
    console.warn('SKIPPED: pebble not installed (apt-get install pebble)');
    t.skip('SKIPPED: pebble not installed');
    return;
  }
  const pebble = await startPebble();
  t.after(() => pebble.stop());

  const r = evalModule(lib, {
    services: {
      certguard: {
        enable: true,
        acceptTerms: true,
        package: GUEST_PACKAGE,
        defaults: {
          email: 'admin@site.test',
          server: pebble.directoryUrl,
          caBundle: '/etc/certguard/acme-ca.pem',
        },
        certs: {
          site: {
            domain: 'site.test',
            // A high port: no capability at all, and PrivateUsers.
            listenHTTP: `127.0.0.1:${pebble.httpPort}`,
            services: ['web'],
            postRun: 'mkdir -p /srv/export\ncp fullchain.pem /srv/export/site.pem',
          },
        },
      },
    },
    systemd: {
      package: { type: 'derivation', name: 'systemd', outPath: '/usr' },
      services: {
        web: {
          description: 'a web server protected by certguard',
          serviceConfig: {
            ExecStart: `/usr/bin/node ${GUEST_TEST_LIB}/https-server.mjs`,
            ExecReload: '/bin/kill -HUP $MAINPID',
            Environment: [`CERT=${CERT_DIR}/fullchain.pem`, `KEY=${CERT_DIR}/key.pem`, `PORT=${PORT}`],
          },
        },
      },
    },
  });
  assert.deepEqual(r.failedAssertions, []);
  const sc = r.services['certguard-renew-site']!.serviceConfig;
  assert.deepEqual([sc.User, sc.CapabilityBoundingSet, sc.PrivateUsers], ['certguard', [''], true]);

  const system = guestSystem(r);
  const guest = await bootGuest({
    files: [...system.files, { path: '/etc/certguard/acme-ca.pem', copyFrom: pebble.caBundlePath }],
  });
  t.after(() => guest.stop());
  await guest.must(['systemd-tmpfiles', '--create', '/etc/tmpfiles.d/certguard.conf']);

  // First start, no certificate: the root preflight installs a placeholder, the service starts,
  // the renew unit (wanted, not waited for) obtains the real certificate.
  await guest.must(['systemctl', 'start', 'web.service']);
  const first = await waitForOneshot(guest, RENEW, 120_000);
  assert.equal(first.ExecMainStatus, '0', describeJournal(await guest.journal(RENEW)));
  assert.equal(first.Result, 'success');
  const fullchain = () => guest.must(['cat', `${CERT_DIR}/fullchain.pem`]);
  const issuedChain = await fullchain();
  const issued = new X509Certificate(issuedChain);
  assert.match(issued.issuer, /Pebble/i);
  assert.equal(
    (await guest.must(['stat', '-L', '-c', '%a %U:%G', `${CERT_DIR}/key.pem`])).trim(),
    '640 certguard:certguard',
  );
  assert.equal(
    (await guest.must(['stat', '-c', '%U', '/var/lib/certguard/certs/site.json'])).trim(),
    'certguard',
    'state written by the renew user',
  );
  // The + step: the service reloaded, postRun wrote /srv (read-only inside the renew sandbox).
  await guest.waitFor('the service to serve the issued certificate', async () =>
    (await servedFingerprint(guest, PORT)) === issued.fingerprint256 ? true : undefined,
  );
  assert.equal(await guest.must(['cat', '/srv/export/site.pem']), issuedChain);

  // A forced reissue (what certguard-apply starts after a settings change) replaces it and prunes
  // the placeholder generation root wrote: the renew user can, because root gave it the files.
  const gens = async () =>
    (await guest.must(['sh', '-c', `ls -a ${CERT_DIR} | grep '^\\.gen-' || true`]))
      .trim()
      .split('\n')
      .filter(Boolean);
  assert.equal((await gens()).length, 2, 'the placeholder and the issued generation');
  await guest.must(['systemctl', 'start', REISSUE]);
  const again = await guest.show(REISSUE, ['Result', 'ExecMainStatus']);
  assert.deepEqual(
    again,
    { Result: 'success', ExecMainStatus: '0' },
    describeJournal(await guest.journal(REISSUE)),
  );
  const reissuedChain = await fullchain();
  const reissued = new X509Certificate(reissuedChain);
  assert.notEqual(reissued.serialNumber, issued.serialNumber);
  assert.equal((await gens()).length, 2, 'the placeholder generation is pruned');
  await guest.waitFor('the service to serve the reissued certificate', async () =>
    (await servedFingerprint(guest, PORT)) === reissued.fingerprint256 ? true : undefined,
  );
  assert.equal(await guest.must(['cat', '/srv/export/site.pem']), reissuedChain);
});
