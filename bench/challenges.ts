/**
 * Benchmark: issuance time per challenge type, side by side in ONE run against the same local
 * pebble, whose VA resolves through a real knotd (zone.test, `* A 127.0.0.1`):
 *
 *   npx tsx bench/challenges.ts [--runs 5] [--json FILE]
 *
 * Each round issues one certificate per type with the bundled `certguard renew` (fresh directory,
 * shared account, so the account exists after a warm-up round): http-01 by the standalone
 * listener, tls-alpn-01 by the standalone TLS listener, dns-01 by an RFC 2136 update to knotd
 * (one name, and a wildcard + apex pair). Types are interleaved per round so machine load hits all
 * alike. Reported: median and min wall time of the whole command (node start-up included), and
 * the median of the order time certguard logs ("certificate issued in Xs").
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { authServerAvailable, startKnot } from '../test/helpers/auth-dns.ts';
import { tempDir } from '../test/helpers/fixtures.ts';
import { pebbleAvailable, startPebble } from '../test/helpers/pebble.ts';
import { runRenew } from '../test/helpers/run-renew.ts';
import { bundleCli } from '../test/status/bundle.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const RUNS = Number(opt('runs', '5'));
const JSON_OUT = args.includes('--json') ? opt('json', '') : '';

if (!pebbleAvailable() || !authServerAvailable('knot')) {
  console.error('needs pebble, knotd and kdig: apt-get install pebble knot knot-dnsutils');
  process.exit(2);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const loadBefore = loadavg();
const tmp = tempDir('certguard-bench-challenges-');
const knot = await startKnot();
const pebble = await startPebble({ dnsServer: `127.0.0.1:${knot.port}` });
try {
  const bin = await bundleCli(join(tmp.dir, 'bundle'));
  const secret = join(tmp.dir, 'tsig.key');
  writeFileSync(secret, `${knot.secret}\n`, { mode: 0o600 });
  const common = (dir: string) => [
    '--directory',
    dir,
    '--server',
    pebble.directoryUrl,
    '--ca-bundle',
    pebble.caBundlePath,
    '--email',
    'bench@zone.test',
    '--state-dir',
    join(tmp.dir, 'state'),
  ];
  const rfc2136 = [
    '--rfc2136-server',
    '127.0.0.1',
    '--rfc2136-port',
    String(knot.port),
    '--rfc2136-zone',
    'zone.test',
    '--rfc2136-key-name',
    knot.keyName,
    '--rfc2136-secret-file',
    secret,
  ];
  const types: { name: string; argv: (i: number) => string[] }[] = [
    {
      name: 'http-01 (--http-listen)',
      argv: (i) => ['--domain', `h${i}.zone.test`, '--http-listen', `127.0.0.1:${pebble.httpPort}`],
    },
    {
      name: 'tls-alpn-01 (--tls-alpn-listen)',
      argv: (i) => ['--domain', `t${i}.zone.test`, '--tls-alpn-listen', `127.0.0.1:${pebble.tlsPort}`],
    },
    { name: 'dns-01 (rfc2136 to knotd), 1 name', argv: (i) => ['--domain', `d${i}.zone.test`, ...rfc2136] },
    {
      name: 'dns-01 (rfc2136 to knotd), *.w.zone.test + w.zone.test',
      argv: (i) => ['--domain', `*.w${i}.zone.test`, '--domain', `w${i}.zone.test`, ...rfc2136],
    },
  ];
  const samples = new Map(types.map((t) => [t.name, [] as { ms: number; orderS: number }[]]));
  for (let round = -1; round < RUNS; round++) {
    for (const [k, t] of types.entries()) {
      const r = await runRenew([...common(join(tmp.dir, `r${round}-${k}`)), ...t.argv(round + 1)], { bin });
      if (r.code !== 0) throw new Error(`${t.name} failed (exit ${r.code}):\n${r.out}`);
      const m = /certificate issued in ([\d.]+)s/.exec(r.out);
      // Round -1 is the warm-up: it creates the account (and warms the page cache).
      if (round >= 0) samples.get(t.name)!.push({ ms: r.ms, orderS: m ? Number(m[1]) : Number.NaN });
    }
  }
  const rows = types.map((t) => {
    const s = samples.get(t.name)!;
    return {
      type: t.name,
      runs: s.length,
      medianMs: Math.round(median(s.map((x) => x.ms))),
      minMs: Math.round(Math.min(...s.map((x) => x.ms))),
      medianOrderS: median(s.map((x) => x.orderS)),
    };
  });
  const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`load average before: ${fmt(loadBefore)}, after: ${fmt(loadavg())}`);
  console.log('| challenge | runs | median wall ms | min wall ms | median order s (logged) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows)
    console.log(`| ${r.type} | ${r.runs} | ${r.medianMs} | ${r.minMs} | ${r.medianOrderS.toFixed(2)} |`);
  if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(rows, null, 2)}\n`);
} finally {
  await pebble.stop();
  await knot.stop();
  tmp.cleanup();
}
