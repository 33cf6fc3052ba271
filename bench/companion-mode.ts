/**
 * Companion mode (issue 9): wall time of `systemctl start acme-order-renew-<name>.service` for a
 * certificate that is not due (60 of 90 days left, validMinDays 30), the CA blackholed (accepts
 * TCP, never answers), under real systemd (test/helpers/systemd-harness.ts) with Debian's lego in
 * the security.acme-shaped units of test/systemd/companion-kit.ts:
 *
 * - without companion mode: security.acme's script runs `lego renew --days 30`, which fetches the
 *   directory before it looks at the certificate and waits for the CA;
 * - with companion mode (systemd/certguard-companion.conf): certguard's ExecCondition= decides
 *   locally and the unit is skipped; ExecStopPost= (record) still starts, and returns at once.
 *
 * Also the floor: `systemctl start` of a oneshot running /bin/true. Connections counted at the CA.
 *
 *   npx tsx bench/companion-mode.ts [--runs 9] [--lego-runs 2]
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { loadavg } from 'node:os';
import { type FaultProxy, startFaultProxy } from '../test/helpers/fault-proxy.ts';
import { freePort, startPebble } from '../test/helpers/pebble.ts';
import { bootGuest, type Guest, systemdSkipReason } from '../test/helpers/systemd-harness.ts';
import { CERT_DIR, companionFiles, DOMAIN, LEGO_CERT_DIR, ORDER } from '../test/systemd/companion-kit.ts';
import { DAY, issuedCert } from '../test/systemd/scenario-kit.ts';

const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(name);
  return i === -1 ? def : Number(argv[i + 1]) || def;
};
const runs = opt('--runs', 9);
const legoRuns = opt('--lego-runs', 2);

const why = systemdSkipReason();
if (why) {
  console.log(`SKIPPED: systemd harness unavailable: ${why}`);
  process.exit(0);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function timeStart(guest: Guest, unit: string): Promise<{ ms: number; code: number }> {
  const t0 = performance.now();
  const r = await guest.systemctl('start', unit);
  return { ms: performance.now() - t0, code: r.code };
}

async function measure(guest: Guest, unit: string, n: number, proxy: FaultProxy) {
  const times: number[] = [];
  const before = proxy.acceptCount;
  let codes = new Set<number>();
  for (let i = 0; i < n; i++) {
    const r = await timeStart(guest, unit);
    times.push(r.ms);
    codes = codes.add(r.code);
  }
  return {
    runs: n,
    medianMs: Math.round(median(times)),
    minMs: Math.round(Math.min(...times)),
    exit: [...codes].join(','),
    connectionsPerRun: (proxy.acceptCount - before) / n,
  };
}

const pebble = await startPebble({ validitySeconds: 90 * 86400, alwaysValid: true });
const proxy = await startFaultProxy(pebble, 'blackhole');
const cert = await issuedCert(new Date(Date.now() - 30 * DAY), new Date(Date.now() + 60 * DAY));
// lego's own files, as after a real order, so that security.acme's script takes the `renew` path.
const accountKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
  type: 'sec1',
  format: 'pem',
}) as string;
const host = new URL(proxy.directoryUrl).host.replace(':', '_');
const files = companionFiles({
  server: proxy.directoryUrl,
  caBundle: pebble.caBundlePath,
  httpPort: await freePort(),
  cert,
  port: 8443,
});
files.push(
  { path: `${LEGO_CERT_DIR}/${DOMAIN}.crt`, content: cert.fullchainPem },
  { path: `${LEGO_CERT_DIR}/${DOMAIN}.key`, content: cert.keyPem, mode: 0o600 },
  { path: `${LEGO_CERT_DIR}/${DOMAIN}.issuer.crt`, content: cert.fullchainPem },
  {
    path: `/var/lib/acme/.lego/accounts/fedcba9876543210fedc/${host}/admin@site.test/keys/admin@site.test.key`,
    content: accountKey,
    mode: 0o600,
  },
  { path: `${CERT_DIR}/full.pem`, content: cert.keyPem + cert.fullchainPem, mode: 0o640 },
  {
    path: '/etc/systemd/system/floor.service',
    content: '[Service]\nType=oneshot\nExecStart=/bin/true\n',
  },
);
const guest = await bootGuest({ files });
try {
  const floor = await measure(guest, 'floor.service', runs, proxy);
  // The decision alone, run directly in the guest (no systemd job around it).
  const direct: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = await guest.run(['/usr/bin/certguard', 'companion', 'condition', 'site']);
    direct.push(performance.now() - t0);
    if (r.code !== 1) throw new Error(`certguard companion condition exited ${r.code}: ${r.stderr}`);
  }
  const decision = {
    runs,
    medianMs: Math.round(median(direct)),
    minMs: Math.round(Math.min(...direct)),
    exit: '1 (skip)',
    connectionsPerRun: 0,
  };
  const companion = await measure(guest, ORDER, runs, proxy);
  // Every run really went through certguard's decision (none was cut short by a start limit).
  const decided = (await guest.journal(ORDER)).filter((e) => /^site: not due/.test(e.message)).length;
  if (decided !== runs)
    throw new Error(`expected ${runs} "not due" decisions in the journal, found ${decided}`);
  await guest.must(['rm', `/etc/systemd/system/${ORDER}.d/certguard-companion.conf`]);
  await guest.must(['systemctl', 'daemon-reload']);
  const lego = await measure(guest, ORDER, legoRuns, proxy);
  const legoVersion = execFileSync('lego', ['--version'], { encoding: 'utf8' });
  const rows = [
    ['floor: systemctl start of a oneshot running /bin/true', floor],
    ['certguard companion condition (the decision alone, no systemd)', decision],
    ['security.acme + companion mode (condition skips the unit)', companion],
    ['security.acme alone (lego renew --days 30)', lego],
  ] as const;
  console.log('| unit run | runs | median ms | min ms | systemctl exit | connections/run |');
  console.log('|---|---|---|---|---|---|');
  for (const [what, r] of rows) {
    console.log(`| ${what} | ${r.runs} | ${r.medianMs} | ${r.minMs} | ${r.exit} | ${r.connectionsPerRun} |`);
  }
  console.log(
    `\nload average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )}; node ${process.version}; ${legoVersion.trim()}, Debian 4.9.1; systemd 252 (Debian) as PID 1 of a namespace guest`,
  );
} finally {
  await guest.stop();
  await proxy.close();
  await pebble.stop();
}
