/**
 * Units shaped like NixOS security.acme's for one certificate NAME, with certguard's companion
 * mode on top (the shipped systemd/certguard-companion.conf drop-in), for the companion scenarios:
 *
 * - acme-site.service: security.acme's base unit: a minica-style placeholder until a real
 *   certificate was installed once; Wants= and Before= the order/renew unit.
 * - acme-order-renew-site.service: oneshot, the renewal script calling Debian's lego as
 *   security.acme's does (security-acme/order-renew.sh), with its bind mounts and exit codes.
 * - acme-renew-site.timer: daily, Persistent, Unit= the order/renew unit.
 * - demo-https.service: the consumer, ordered after acme-site.service as nginx's useACMEHost
 *   wires it, with the companion preflight (default policy: warn, trigger the renewal).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.ts';
import { freePort, type Pebble, pebbleAvailable, startPebble } from '../helpers/pebble.ts';
import { REPO } from '../helpers/systemd/build-cli.ts';
import { bootGuest, GUEST_TEST_LIB, type Guest, type GuestFile } from '../helpers/systemd-harness.ts';
import { CERT_DIR, DOMAIN, NAME, SERVICE } from './scenario-kit.ts';

export { CERT_DIR, DOMAIN, NAME, SERVICE };
export const BASE = `acme-${NAME}.service`;
export const ORDER = `acme-order-renew-${NAME}.service`;
export const TIMER = `acme-renew-${NAME}.timer`;
export const VALID_MIN_DAYS = 30;
const LIB = '/usr/local/lib/acme-test';
const EMAIL = 'admin@site.test';
// Stand-ins for the module's hashes of the lego settings and of the account (any fixed value).
const CERT_HASH = '0123456789abcdef0123';
const ACCOUNT_HASH = 'fedcba9876543210fedc';
export const LEGO_CERT_DIR = `/var/lib/acme/.lego/${NAME}/${CERT_HASH}`;
/** security.acme's domain hash: the first 20 hex digits of sha256("<extra names> <domain>"). */
export const DOMAIN_HASH = createHash('sha256').update(` ${DOMAIN}`).digest('hex').slice(0, 20);

export function lookSkipped(t: TestContext): boolean {
  if (!pebbleAvailable()) {
    console.warn('SKIPPED: pebble is not installed (apt-get install pebble)');
    t.skip('SKIPPED: pebble not installed');
    return true;
  }
  try {
    readFileSync('/usr/bin/lego');
  } catch {
    console.warn("SKIPPED: Debian's lego is not installed (apt-get install lego)");
    t.skip('SKIPPED: lego not installed');
    return true;
  }
  return false;
}

export interface Ca {
  pebble: Pebble;
  proxy: FaultProxy;
  httpPort: number;
}

/** pebble behind a fault proxy that counts every connection; stopped when the test ends. */
export async function startCa(t: TestContext, validitySeconds: number): Promise<Ca> {
  const pebble = await startPebble({ validitySeconds, alwaysValid: true });
  t.after(() => pebble.stop());
  const proxy = await startFaultProxy(pebble, 'pass');
  t.after(() => proxy.close());
  return { pebble, proxy, httpPort: await freePort() };
}

export interface CompanionDeployment {
  /** The CA's directory URL (an unreachable one when there is no CA). */
  server: string;
  caBundle?: string;
  httpPort: number;
  /** Files installed into the certificate directory before boot (else the placeholder comes). */
  cert?: { fullchainPem: string; keyPem: string };
  /** The consumer's preflight policy; default warn (companion mode's default). */
  onUnusable?: 'warn' | 'fail';
  net?: boolean;
  port: number;
}

export function companionFiles(d: CompanionDeployment): GuestFile[] {
  const config = {
    certs: {
      [NAME]: {
        directory: CERT_DIR,
        domains: [DOMAIN],
        keyType: 'ec256',
        renewBefore: `${VALID_MIN_DAYS}d`,
        issuedBy: 'security.acme',
        legoDomainHash: { file: `${LEGO_CERT_DIR}/domainhash.txt`, hash: DOMAIN_HASH },
      },
    },
  };
  const env = [
    `DOMAIN=${DOMAIN}`,
    `DOMAIN_HASH=${DOMAIN_HASH}`,
    `VALID_MIN_DAYS=${VALID_MIN_DAYS}`,
    `EMAIL=${EMAIL}`,
    `SERVER=${d.server}`,
    `HTTP_PORT=127.0.0.1:${d.httpPort}`,
    `LEGO_CA_CERTIFICATES=${LIB}/ca.pem`,
  ].join(' ');
  const order = [
    '[Unit]',
    `Description=Order (and renew) ACME certificate for ${NAME}`,
    `After=network.target network-online.target nss-lookup.target ${BASE}`,
    `Wants=network-online.target ${BASE}`,
    '',
    '[Service]',
    'Type=oneshot',
    'UMask=0022',
    'PrivateTmp=true',
    'WorkingDirectory=/tmp',
    'RestartSec=900',
    `StateDirectory=acme/${NAME} acme/.lego/${NAME} acme/.lego/${NAME}/${CERT_HASH} acme/.lego/accounts/${ACCOUNT_HASH}`,
    `BindPaths=/var/lib/acme/.lego/accounts/${ACCOUNT_HASH}:/tmp/accounts ${CERT_DIR}:/tmp/out ${LEGO_CERT_DIR}:/tmp/certificates`,
    `Environment=${env}`,
    `ExecStart=${LIB}/order-renew.sh`,
    '',
  ].join('\n');
  const base = [
    '[Unit]',
    `Description=Ensure certificate for ${NAME}`,
    `Wants=${ORDER}`,
    `Before=${ORDER}`,
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=true',
    `StateDirectory=acme/${NAME}`,
    `Environment=DOMAIN=${DOMAIN}`,
    `ExecStart=${LIB}/base.sh ${NAME}`,
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    `Description=Renew ACME Certificate for ${NAME}`,
    '',
    '[Timer]',
    'OnCalendar=daily',
    `Unit=${ORDER}`,
    'Persistent=yes',
    'RandomizedDelaySec=24h',
    'FixedRandomDelay=true',
    '',
  ].join('\n');
  const consumer = [
    '[Unit]',
    'Description=demo HTTPS service using the security.acme certificate',
    `Wants=${BASE}`,
    `After=${BASE}`,
    '',
    '[Service]',
    `ExecStartPre=+/usr/bin/certguard-preflight ${NAME} --trigger-renew --renew-unit ${ORDER} --on-unusable ${d.onUnusable ?? 'warn'}`,
    `ExecStart=/usr/bin/node ${GUEST_TEST_LIB}/https-server.mjs`,
    `Environment=CERT=${CERT_DIR}/fullchain.pem KEY=${CERT_DIR}/key.pem PORT=${d.port}`,
    '',
  ].join('\n');
  const dropIn = readFileSync(join(REPO, 'systemd/certguard-companion.conf'), 'utf8').replaceAll(
    'example.com',
    NAME,
  );
  const files: GuestFile[] = [
    { path: `${LIB}/order-renew.sh`, copyFrom: join(REPO, 'test/systemd/security-acme/order-renew.sh') },
    { path: `${LIB}/base.sh`, copyFrom: join(REPO, 'test/systemd/security-acme/base.sh') },
    { path: `/etc/systemd/system/${ORDER}`, content: order },
    { path: `/etc/systemd/system/${ORDER}.d/certguard-companion.conf`, content: dropIn },
    { path: `/etc/systemd/system/${BASE}`, content: base },
    { path: `/etc/systemd/system/${TIMER}`, content: timer },
    { path: `/etc/systemd/system/${SERVICE}`, content: consumer },
    { path: '/etc/certguard/certguard.json', content: `${JSON.stringify(config, null, 2)}\n` },
    // Keep the oneshots loaded after they finished, so their Result stays visible.
    {
      path: '/etc/systemd/system/certguard-test.target.d/keep-loaded.conf',
      content: `[Unit]\nBefore=${ORDER} ${BASE} ${TIMER}\n`,
    },
  ];
  // lego refuses to start without the file LEGO_CA_CERTIFICATES names, even when no CA answers.
  files.push(
    d.caBundle
      ? { path: `${LIB}/ca.pem`, copyFrom: d.caBundle }
      : { path: `${LIB}/ca.pem`, content: d.cert?.fullchainPem ?? '' },
  );
  if (d.cert) {
    files.push(
      { path: `${CERT_DIR}/fullchain.pem`, content: d.cert.fullchainPem, mode: 0o640 },
      { path: `${CERT_DIR}/key.pem`, content: d.cert.keyPem, mode: 0o640 },
      { path: `${CERT_DIR}/acme-success`, content: '' },
      // lego's record of the names it was issued for, as after a real order.
      { path: `${LEGO_CERT_DIR}/domainhash.txt`, content: `${DOMAIN_HASH}\n` },
    );
  }
  return files;
}

export async function deployCompanion(t: TestContext, d: CompanionDeployment): Promise<Guest> {
  const guest = await bootGuest({ net: d.net ?? false, files: companionFiles(d) });
  t.after(() => guest.stop());
  return guest;
}

export interface StatusJsonRow {
  state: string;
  issuedBy: string | null;
  lastError: { class: string; message: string } | null;
  renewalFailing: boolean;
  notAfter: string | null;
}

export async function statusOf(guest: Guest): Promise<StatusJsonRow> {
  const out = await guest.run(['/usr/bin/certguard', 'status', '--json', NAME]);
  const rows = JSON.parse(out.stdout) as StatusJsonRow[];
  return rows[0]!;
}

export async function showUnit(guest: Guest, unit: string): Promise<Record<string, string>> {
  return guest.show(unit, ['ActiveState', 'Result', 'ExecMainStatus', 'ConditionResult']);
}

/** Waits until the installed certificate is in its validMinDays window (notAfter - 30 days). */
export async function untilDue(guest: Guest): Promise<void> {
  const { notAfter } = await statusOf(guest);
  const dueAt = Date.parse(notAfter ?? '') - VALID_MIN_DAYS * 86_400_000;
  if (!Number.isFinite(dueAt)) throw new Error(`no certificate installed (notAfter ${notAfter})`);
  const wait = dueAt - Date.now() + 1500;
  if (wait > 60_000) throw new Error(`the certificate becomes due only in ${wait} ms`);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/** Waits until a oneshot run has completely finished (ExecStopPost included). */
export async function finished(guest: Guest, unit: string): Promise<Record<string, string>> {
  return guest.waitFor(`${unit} to finish`, async () => {
    const s = await guest.show(unit, ['ActiveState', 'Result', 'ExecMainStatus', 'InvocationID']);
    return s.InvocationID !== '' && (s.ActiveState === 'inactive' || s.ActiveState === 'failed')
      ? s
      : undefined;
  });
}

/** pebble (behind the counting front) and a guest whose units reach it, for the lego scenarios. */
export async function deployWithCa(
  t: TestContext,
  validitySeconds: number,
  d: Partial<CompanionDeployment> = {},
): Promise<{ ca: Ca; guest: Guest }> {
  const ca = await startCa(t, validitySeconds);
  const guest = await deployCompanion(t, {
    server: ca.proxy.directoryUrl,
    caBundle: ca.pebble.caBundlePath,
    httpPort: ca.httpPort,
    port: 8443,
    ...d,
  });
  return { ca, guest };
}

/**
 * A certificate lego really ordered (from security.acme's placeholder, the CA up), with a lifetime
 * 20 s longer than validMinDays, and then waited for until it is in its renewal window.
 */
export async function orderedAndDue(t: TestContext): Promise<{ ca: Ca; guest: Guest }> {
  const { ca, guest } = await deployWithCa(t, VALID_MIN_DAYS * 86400 + 20);
  const first = await guest.systemctl('start', ORDER);
  const log = await guest.journal(ORDER);
  if (first.code !== 0) throw new Error(`the first order failed:\n${log.map((e) => e.message).join('\n')}`);
  const status = await statusOf(guest);
  if (status.state !== 'ok') throw new Error(`after the first order status is ${status.state}`);
  await untilDue(guest);
  return { ca, guest };
}
