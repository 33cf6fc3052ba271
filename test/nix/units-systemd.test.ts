import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeChain } from '../helpers/fixtures.ts';
import { bootGuest, GUEST_TEST_LIB } from '../helpers/systemd-harness.ts';
import { skipWithoutSystemd, waitForOneshot } from '../systemd/scenario-kit.ts';
import { GUEST_PACKAGE, guestSystem } from './guest-files.ts';
import { evalModule, requireEvaluator } from './nix-eval.ts';

// The units nix/module.nix generates, rendered as NixOS renders them and booted under a real
// systemd 252 (PID 1 in namespaces, test/helpers/systemd-harness.ts) with the real CLI: the
// hardening, paths, capabilities and exit status handling are checked by systemd itself, not by
// reading the Nix output.

const DAY = 86_400_000;
const PORT = 8443; // the guest has its own network namespace: no clash with other tests
const CERT_DIR = '/var/lib/certguard-certs/site';
const RENEW = 'certguard-renew-site.service';

test('module-generated units run under real systemd: verify, tmpfiles, preflight first, exit 75 not failed', async (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  if (skipWithoutSystemd(t)) return;

  const now = Date.now();
  const chain = async (from: number, to: number) => {
    const { leaf, intermediate } = await makeChain({
      sans: ['site.test'],
      notBefore: new Date(from),
      notAfter: new Date(to),
      freshKey: true,
    });
    return { fullchain: leaf.certPem + intermediate.certPem, key: leaf.keyPem };
  };
  const fresh = await chain(now - DAY, now + 89 * DAY);
  const due = await chain(now - 80 * DAY, now + 10 * DAY);

  const r = evalModule(lib, {
    services: {
      certguard: {
        enable: true,
        acceptTerms: true,
        package: GUEST_PACKAGE,
        defaults: {
          email: 'admin@site.test',
          // Unreachable by construction: the guest's network namespace has only lo.
          server: 'https://127.0.0.1:9/dir',
          // Does not exist: the renew unit must still start and report it itself.
          webroot: '/srv/acme-webroot',
        },
        certs: {
          site: {
            domain: 'site.test',
            services: ['web'],
            // LoadCredential= must find these, or the unit fails (243/CREDENTIALS) before certguard runs.
            eab: { kid: 'kid-1', hmacFile: '/etc/certguard-test/eab-hmac' },
            credentialFiles: { TOKEN_FILE: '/etc/certguard-test/token' },
          },
          standalone: { domain: 'standalone.test', listenHTTP: ':80' },
        },
      },
    },
    systemd: {
      package: { type: 'derivation', name: 'systemd', outPath: '/usr' },
      services: {
        web: {
          description: 'a web server protected by certguard',
          after: ['network.target'],
          serviceConfig: {
            ExecStartPre: ['/bin/true'],
            ExecStart: `/usr/bin/node ${GUEST_TEST_LIB}/https-server.mjs`,
            ExecReload: '/bin/kill -HUP $MAINPID',
            Environment: [`CERT=${CERT_DIR}/fullchain.pem`, `KEY=${CERT_DIR}/key.pem`, `PORT=${PORT}`],
          },
        },
      },
    },
  });
  assert.deepEqual(r.failedAssertions, []);

  const system = guestSystem(r);
  const guest = await bootGuest({
    net: true,
    files: [
      ...system.files,
      { path: '/etc/certguard-test/eab-hmac', content: 'c2VjcmV0LWtleS1mb3ItdGVzdHM\n', mode: 0o600 },
      { path: '/etc/certguard-test/token', content: 'not-a-real-token\n', mode: 0o600 },
      // Left by an earlier, root-run certguard: tmpfiles hands them to the renew user.
      { path: `${CERT_DIR}/fullchain.pem`, content: fresh.fullchain, mode: 0o644 },
      { path: `${CERT_DIR}/key.pem`, content: fresh.key, mode: 0o600 },
    ],
  });
  t.after(() => guest.stop());

  assert.ok(Object.keys(system.units).includes('certguard-reissue-site.service'));
  assert.ok(Object.keys(system.units).includes('certguard-apply-site.service'));
  for (const unit of Object.keys(system.units)) {
    const v = await guest.run(['systemd-analyze', 'verify', '--man=no', unit]);
    assert.equal(v.code, 0, `${unit}:\n${system.units[unit]}\n${v.stdout}${v.stderr}`);
    assert.equal(v.stderr.trim(), '', `${unit} has warnings:\n${v.stderr}`);
  }

  // systemd.tmpfiles.rules: directories with the key's group, as on NixOS activation.
  await guest.must(['systemd-tmpfiles', '--create', '/etc/tmpfiles.d/certguard.conf']);
  const modes = await guest.must([
    'stat',
    '-c',
    '%n %a %U %G',
    '/var/lib/certguard',
    CERT_DIR,
    '/var/lib/certguard-certs/standalone',
    `${CERT_DIR}/key.pem`,
  ]);
  assert.deepEqual(modes.trim().split('\n'), [
    '/var/lib/certguard 750 certguard certguard',
    `${CERT_DIR} 750 certguard certguard`,
    '/var/lib/certguard-certs/standalone 750 certguard certguard',
    `${CERT_DIR}/key.pem 600 certguard certguard`,
  ]);

  // The protected service starts; the preflight runs before its own ExecStartPre; renew is wanted
  // but not waited for, and finds nothing due (exit 0) without the network.
  await guest.must(['systemctl', 'start', 'web.service']);
  const web = await guest.show('web.service', ['ActiveState', 'Wants', 'After']);
  assert.equal(web.ActiveState, 'active');
  // One ExecStartPre= line per command: read them all, in order.
  const pre = await guest.must(['systemctl', 'show', 'web.service', '--property=ExecStartPre']);
  assert.deepEqual(
    [...pre.matchAll(/path=([^ ;]+)/g)].map((m) => m[1]),
    ['/usr/bin/certguard-preflight', '/bin/true'],
    pre,
  );
  assert.match(web.Wants!, new RegExp(RENEW.replace(/\./g, '\\.')));
  assert.doesNotMatch(web.After!, /certguard-renew/);
  const first = await waitForOneshot(guest, RENEW);
  const journal = async (unit: string) =>
    (await guest.run(['journalctl', '--no-pager', '-o', 'cat', '-u', unit])).stdout;
  assert.equal(first.Result, 'success', `${JSON.stringify(first)}\n${await journal(RENEW)}`);
  assert.equal(first.ExecMainStatus, '0', 'not due: renew exits 0 offline');

  // Renewal due and the CA unreachable: exit 75 is a success exit status, the unit is not failed,
  // and the state written through the sandbox (StateDirectory) makes status report it.
  await guest.writeFile(`${CERT_DIR}/fullchain.pem`, due.fullchain, 0o644);
  await guest.writeFile(`${CERT_DIR}/key.pem`, due.key, 0o600);
  // As at every switch: tmpfiles gives what root wrote to the renew user.
  await guest.must(['systemd-tmpfiles', '--create', '/etc/tmpfiles.d/certguard.conf']);
  const start = await guest.systemctl('start', RENEW);
  assert.equal(start.code, 0, `systemctl start ${RENEW}: ${start.stderr}`);
  const soft = await guest.show(RENEW, ['Result', 'ExecMainStatus', 'ActiveState']);
  assert.deepEqual(soft, { Result: 'success', ExecMainStatus: '75', ActiveState: 'inactive' });
  const failed = await guest.run(['systemctl', 'is-failed', RENEW]);
  assert.notEqual(failed.code, 0, `${RENEW} must not be failed: ${failed.stdout}`);
  const status = await guest.run(['/usr/bin/certguard', 'status', '--json', 'site']);
  const rows = JSON.parse(status.stdout) as { name: string; state: string; usable: boolean }[];
  assert.deepEqual(
    rows.map((row) => [row.name, row.state, row.usable]),
    [['site', 'renewal-failing', true]],
    `certguard status --json:\n${status.stdout}${status.stderr}`,
  );

  // The service restarts fine with a due certificate and the CA down.
  await guest.must(['systemctl', 'restart', 'web.service']);
  assert.equal((await guest.show('web.service', ['ActiveState'])).ActiveState, 'active');

  // The standalone unit (CAP_NET_BIND_SERVICE, no certificate yet) gets past systemd's setup and
  // certguard itself reports the hard failure (exit 1), not a 2xx systemd setup error.
  await guest.systemctl('start', 'certguard-renew-standalone.service');
  const hard = await guest.show('certguard-renew-standalone.service', ['Result', 'ExecMainStatus']);
  assert.equal(hard.ExecMainStatus, '1', JSON.stringify(hard));
});
