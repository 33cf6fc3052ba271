/**
 * The deployment every systemd scenario boots: the shipped units from systemd/, a config file
 * with one certificate NAME, and a protected service (a small HTTPS server) with the documented
 * drop-in: ExecStartPre=+certguard-preflight NAME ... and Wants= (no After=) on the renew unit.
 */
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { makeChain } from '../helpers/fixtures.ts';
import { REPO } from '../helpers/systemd/build-cli.ts';
import {
  bootGuest,
  GUEST_TEST_LIB,
  type Guest,
  type GuestFile,
  systemdSkipReason,
} from '../helpers/systemd-harness.ts';

export const NAME = 'site';
export const DOMAIN = 'site.test';
export const CERT_DIR = `/var/lib/acme/${NAME}`;
export const SERVICE = 'demo-https.service';
export const RENEW = `certguard-renew@${NAME}.service`;
export const TIMER = `certguard-renew@${NAME}.timer`;
export const DAY = 86_400_000;

export interface Deployment {
  /** Own network namespace with only lo (CA unreachable). */
  net?: boolean;
  /** The certificate's entry in certguard.json (merged over a default webroot-less http-01 setup). */
  entry: Record<string, unknown>;
  /** Extra arguments for the preflight in the drop-in. */
  preflightArgs?: string[];
  /** Installed into /var/lib/acme/NAME before boot. */
  cert?: { fullchainPem: string; keyPem: string };
  /** Port of the demo HTTPS server. */
  port: number;
  /** More [Unit]/[Service] lines for the demo service. */
  serviceExtra?: string;
  files?: GuestFile[];
}

/** Skips the test loudly when the harness cannot run here; returns true when skipped. */
export function skipWithoutSystemd(t: TestContext): boolean {
  const why = systemdSkipReason();
  if (!why) return false;
  console.warn(`SKIPPED: systemd harness unavailable: ${why}`);
  t.skip(`SKIPPED: systemd not usable: ${why}`);
  return true;
}

/** The documented drop-in of docs/systemd.md, for the demo service. */
export function dropIn(preflightArgs: string[] = []): string {
  return [
    '[Unit]',
    `Wants=${RENEW}`,
    '',
    '[Service]',
    `ExecStartPre=+/usr/bin/certguard-preflight ${NAME} --trigger-renew${preflightArgs.map((a) => ` ${a}`).join('')}`,
    '',
  ].join('\n');
}

export function deploymentFiles(d: Deployment): GuestFile[] {
  const config = {
    certs: {
      [NAME]: {
        domains: [DOMAIN],
        keyType: 'ec256',
        reloadServices: [SERVICE],
        ...d.entry,
      },
    },
  };
  const service = [
    '[Unit]',
    'Description=demo HTTPS service protected by certguard',
    // Restarted many times in a row by the tests; real services keep their own limits.
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    `ExecStart=/usr/bin/node ${GUEST_TEST_LIB}/https-server.mjs`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    `Environment=CERT=${CERT_DIR}/fullchain.pem KEY=${CERT_DIR}/key.pem PORT=${d.port}`,
    d.serviceExtra ?? '',
    '',
  ].join('\n');
  const files: GuestFile[] = [
    {
      path: '/etc/systemd/system/certguard-renew@.service',
      copyFrom: join(REPO, 'systemd/certguard-renew@.service'),
    },
    {
      path: '/etc/systemd/system/certguard-renew@.timer',
      copyFrom: join(REPO, 'systemd/certguard-renew@.timer'),
    },
    { path: `/etc/systemd/system/${SERVICE}`, content: service },
    { path: `/etc/systemd/system/${SERVICE}.d/certguard.conf`, content: dropIn(d.preflightArgs) },
    { path: '/etc/certguard/certguard.json', content: `${JSON.stringify(config, null, 2)}\n` },
    // systemd unloads a finished oneshot that nothing references, and with it ExecMainStatus and
    // Result. An ordering-only reference (it pulls nothing in) keeps the renew unit's last result.
    {
      path: '/etc/systemd/system/certguard-test.target.d/keep-renew-loaded.conf',
      content: `[Unit]\nBefore=${RENEW}\n`,
    },
    ...(d.files ?? []),
  ];
  if (d.cert) {
    files.push(
      { path: `${CERT_DIR}/fullchain.pem`, content: d.cert.fullchainPem, mode: 0o644 },
      { path: `${CERT_DIR}/key.pem`, content: d.cert.keyPem, mode: 0o600 },
    );
  }
  return files;
}

/** Boots a guest with the deployment; it is powered off and removed when the test ends. */
export async function deploy(t: TestContext, d: Deployment): Promise<Guest> {
  const guest = await bootGuest({ net: d.net ?? false, files: deploymentFiles(d) });
  t.after(() => guest.stop());
  return guest;
}

/** A CA-issued certificate for DOMAIN with the given validity window. */
export async function issuedCert(
  notBefore: Date,
  notAfter: Date,
): Promise<{ fullchainPem: string; keyPem: string; fingerprint: string }> {
  const { intermediate, leaf } = await makeChain({ sans: [DOMAIN], notBefore, notAfter, freshKey: true });
  return {
    fullchainPem: leaf.certPem + intermediate.certPem,
    keyPem: leaf.keyPem,
    fingerprint: new X509Certificate(leaf.certPem).fingerprint256,
  };
}

/**
 * The SHA-256 fingerprint of the certificate the demo service serves, fetched inside the guest.
 * The unit is `active` as soon as node is forked (Type=simple), a moment before it listens: retry
 * a refused connection until it answers.
 */
export async function servedFingerprint(guest: Guest, port: number): Promise<string> {
  return guest.waitFor(`the demo service to answer on port ${port}`, async () => {
    const r = await guest.run([
      '/usr/bin/node',
      `${GUEST_TEST_LIB}/tls-fingerprint.mjs`,
      String(port),
      DOMAIN,
    ]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  });
}

/**
 * Waits until a oneshot unit has finished a run (InvocationID set and no job pending). The unit
 * must stay loaded after it finished, i.e. be referenced by a loaded unit (deploymentFiles does
 * that for the renew unit), or systemd forgets its result.
 */
export async function waitForOneshot(
  guest: Guest,
  unit: string,
  timeoutMs = 60_000,
): Promise<Record<string, string>> {
  return guest.waitFor(
    `${unit} to finish`,
    async () => {
      const s = await guest.show(unit, [
        'ActiveState',
        'SubState',
        'Result',
        'ExecMainStatus',
        'ExecMainExitTimestampMonotonic',
        'InvocationID',
      ]);
      return s.ActiveState !== 'activating' &&
        s.ExecMainExitTimestampMonotonic !== '0' &&
        s.InvocationID !== ''
        ? s
        : undefined;
    },
    timeoutMs,
  );
}

export function describeJournal(entries: { priority: number; message: string }[]): string {
  return entries.map((e) => `<${e.priority}> ${e.message}`).join('\n');
}
