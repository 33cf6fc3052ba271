#!/usr/bin/env node
// Benchmark of the offline preflight: start-up to verdict of `certguard-preflight` (and
// `certguard check`) against the floor, `node -e 0` (the runtime's own start-up), and against
// `openssl x509 -checkend 0`, in the same run, interleaved so that machine load hits every
// command alike. Wall time from a monotonic clock around each spawn, CPU time from bash's
// `times`, peak RSS from GNU time's %M. Needs bash, GNU time (/usr/bin/time) and openssl.
//
//   npm run build && node bench/preflight.mjs [--runs 30] [--json] [--baseline DIR] [--instructions]
//                                             [--extra-ca-certs FILE]
//
// Commands run as under systemd, without NODE_EXTRA_CA_CERTS (see bench-env.mjs); --extra-ca-certs
// sets it for all of them, the environment earlier figures in BENCHMARKS.md were taken in.
//
// A bare Node script (CommonJS, as the executables are) doing only the same node:crypto calls is
// measured too: the least any Node implementation of this check pays, which tells certguard's own
// cost from the runtime's. --baseline DIR adds the preflight of another build (an older dist/,
// certguard-preflight.cjs or .mjs) to the same interleaved run, for a before/after comparison.
// --instructions also runs each command once under valgrind (callgrind) and reports the number of
// instructions it executed: slow (~30 s a command), but hardly disturbed by other load on the
// machine, which makes wall times noisy on a shared host.
// Fixtures (leaf + chain, a 100-SAN leaf, a 4-certificate chain) are generated with openssl in a
// temporary directory that is removed at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchEnv } from './bench-env.mjs';
import { countInstructions } from './instructions.mjs';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] || 30) || 30;
const asJson = args.includes('--json');
const withInstructions = args.includes('--instructions');
const { env: runEnv, label: envLabel } = benchEnv(args);
const root = new URL('..', import.meta.url).pathname;
const dist = process.env.CERTGUARD_DIST ?? join(root, 'dist');
const PREFLIGHT = join(dist, 'certguard-preflight.cjs');
const CERTGUARD = join(dist, 'certguard.cjs');
const TIME = '/usr/bin/time';
const baselineDir = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;
const BASELINE =
  baselineDir &&
  ['certguard-preflight.cjs', 'certguard-preflight.mjs']
    .map((f) => join(baselineDir, f))
    .find((f) => existsSync(f));
if (baselineDir && !BASELINE) {
  console.error(`bench: no certguard-preflight.cjs or .mjs in ${baselineDir}`);
  process.exit(2);
}

for (const [path, hint] of [
  [PREFLIGHT, 'run `npm run build` first'],
  [TIME, 'install GNU time (Debian package "time")'],
]) {
  if (!existsSync(path)) {
    console.error(`bench: ${path} is missing: ${hint}`);
    process.exit(2);
  }
}

// GNU time gives the peak RSS; bash's `times` the children's user+system CPU time in ms, which
// other load on the machine disturbs far less than wall time. Both wrappers run for every
// command alike, so their few ms of cost offset all rows equally.
const MEASURE = '/usr/bin/time -f %M -o "$CG_TIME_OUT" "$@" >/dev/null 2>&1 || exit 1; times';

function parseMeasure(timeOut, timesOut) {
  const lines = timesOut.trim().split('\n');
  const seconds = (t) => {
    const m = /(\d+)m([\d.]+)s/.exec(t);
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const [user, sys] = lines.at(-1).trim().split(/\s+/);
  return [Number(timeOut.trim().split('\n').at(-1)), (seconds(user) + seconds(sys)) * 1000];
}

const dir = mkdtempSync(join(tmpdir(), 'certguard-bench-'));
try {
  const f = makeFixtures(dir);
  const node = process.execPath;
  const commands = [
    { name: 'node -e 0 (floor)', argv: [node, '-e', '0'], floor: true },
    {
      name: 'certguard-preflight, valid cert + chain + key',
      argv: [node, PREFLIGHT, '--cert', f.fullchain, '--key', f.key, '--domain', 'example.com'],
      target: true,
    },
    {
      name: 'certguard-preflight, 100 SANs',
      argv: [node, PREFLIGHT, '--cert', f.sans100, '--key', f.sans100Key, '--domain', 'host99.example.com'],
      target: true,
    },
    {
      name: 'certguard-preflight, 4-certificate chain',
      argv: [node, PREFLIGHT, '--cert', f.chain4, '--key', f.chain4Key, '--domain', 'example.com'],
      target: true,
    },
    {
      name: 'certguard check, valid cert + chain + key',
      argv: [node, CERTGUARD, 'check', '--cert', f.fullchain, '--key', f.key, '--domain', 'example.com'],
    },
    ...(BASELINE
      ? [
          {
            name: `baseline ${BASELINE}, valid cert + chain + key`,
            argv: [node, BASELINE, '--cert', f.fullchain, '--key', f.key, '--domain', 'example.com'],
          },
        ]
      : []),
    {
      // Reference: the least any Node program doing this check must pay (node:crypto + the calls).
      name: 'reference: bare node:crypto script, same checks',
      argv: [node, f.bareScript],
    },
    {
      name: 'openssl x509 -checkend 0',
      argv: ['openssl', 'x509', '-checkend', '0', '-noout', '-in', f.fullchain],
    },
  ];

  // Warm the page cache and check every command works before measuring.
  for (const c of commands) {
    const r = spawnSync(c.argv[0], c.argv.slice(1), { encoding: 'utf8', env: runEnv });
    if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}`);
  }
  const timeEnv = { ...runEnv, CG_TIME_OUT: join(dir, 'time.out') };
  const samples = new Map(commands.map((c) => [c, { wall: [], rss: [], cpu: [] }]));
  for (let i = 0; i < runs; i++) {
    // Rotate the order each round: no command always runs right after another.
    for (let k = 0; k < commands.length; k++) {
      const c = commands[(i + k) % commands.length];
      const start = process.hrtime.bigint();
      const r = spawnSync('bash', ['-c', MEASURE, 'bash', ...c.argv], { encoding: 'utf8', env: timeEnv });
      const wall = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) throw new Error(`${c.name} failed: ${r.stdout} ${r.stderr}`);
      const [rss, cpu] = parseMeasure(readFileSync(timeEnv.CG_TIME_OUT, 'utf8'), r.stdout);
      const s = samples.get(c);
      s.wall.push(wall);
      s.rss.push(rss);
      s.cpu.push(cpu);
    }
  }

  const loadAfterWall = loadavg();
  const instructions = new Map(
    withInstructions ? commands.map((c) => [c, countInstructions(c.argv, runEnv)]) : [],
  );

  const floor = commands.find((c) => c.floor);
  const floorWall = median(samples.get(floor).wall);
  const floorRss = median(samples.get(floor).rss);
  const floorCpu = median(samples.get(floor).cpu);
  const rows = commands.map((c) => {
    const s = samples.get(c);
    const wall = median(s.wall);
    const rss = median(s.rss);
    const cpu = median(s.cpu);
    return {
      command: c.name,
      wallMs: round(wall),
      wallMinMs: round(Math.min(...s.wall)),
      wallMinRatio: round(Math.min(...s.wall) / Math.min(...samples.get(floor).wall), 2),
      wallP10Ms: round(quantile(s.wall, 0.1)),
      wallP90Ms: round(quantile(s.wall, 0.9)),
      wallRatio: round(wall / floorWall, 2),
      cpuMs: round(cpu),
      cpuRatio: round(cpu / floorCpu, 2),
      peakRssKiB: rss,
      rssRatio: round(rss / floorRss, 2),
      meetsTarget: c.target ? wall / floorWall <= 1.15 && rss / floorRss <= 1.3 : undefined,
      ...(withInstructions
        ? {
            instructions: instructions.get(c),
            insRatio: round(instructions.get(c) / instructions.get(floor), 3),
          }
        : {}),
    };
  });
  const load = loadAfterWall.map((l) => l.toFixed(2)).join(' ');
  if (asJson) {
    console.log(
      JSON.stringify(
        { runs, node: process.version, environment: envLabel, loadavg: loadAfterWall, rows },
        null,
        2,
      ),
    );
  } else {
    console.log(`${runs} interleaved runs per command, medians; node ${process.version}; ${envLabel}`);
    console.log(
      '| command | median wall ms (p10–p90) | × floor | best wall ms | × floor | CPU ms | × floor | peak RSS MiB | × floor | target |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const target = r.meetsTarget === undefined ? '' : r.meetsTarget ? 'met' : 'MISSED';
      console.log(
        `| ${r.command} | ${r.wallMs} (${r.wallP10Ms}–${r.wallP90Ms}) | ${r.wallRatio} | ${r.wallMinMs} | ${r.wallMinRatio} | ${r.cpuMs} | ${r.cpuRatio} | ${round(r.peakRssKiB / 1024, 1)} | ${r.rssRatio} | ${target} |`,
      );
    }
    console.log('targets (on the medians): wall ≤ 1.15 × floor, peak RSS ≤ 1.3 × floor');
    console.log('best wall = fastest run; CPU = median user+system time: both less disturbed by other load');
    console.log(`load average (1, 5, 15 min) after the timed runs: ${load}`);
    if (withInstructions) {
      console.log('\n| command | instructions (valgrind) | × floor |\n|---|---|---|');
      for (const r of rows)
        console.log(`| ${r.command} | ${(r.instructions / 1e6).toFixed(1)} M | ${r.insRatio} |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function median(xs) {
  return quantile(xs, 0.5);
}
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.ceil(pos)] - s[lo]) * (pos - lo);
}
function round(x, digits = 1) {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

/** CA chain and leaves made with openssl: P-256 keys, as NixOS security.acme defaults to (ec256). */
function makeFixtures(d) {
  const ossl = (...a) => execFileSync('openssl', a, { cwd: d, stdio: ['ignore', 'ignore', 'pipe'] });
  const key = (name) =>
    ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
  const ext = (name, text) => writeFileSync(join(d, name), text);
  ext('ca.ext', 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n');
  key('root.key');
  ossl('req', '-x509', '-key', 'root.key', '-out', 'root.pem', '-days', '3650', '-subj', '/CN=bench root');
  const issue = (name, issuer, subject, extFile, days) => {
    ossl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    ossl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial',
      '-out', `${name}.pem`, '-days', String(days), '-extfile', extFile); // biome-ignore format: argv
  };
  for (const [name, issuer] of [
    ['int1', 'root'],
    ['int2', 'int1'],
  ]) {
    key(`${name}.key`);
    issue(name, issuer, `/CN=bench ${name}`, 'ca.ext', 1000);
  }
  ext('leaf.ext', 'subjectAltName=DNS:example.com,DNS:www.example.com\n');
  key('leaf.key');
  issue('leaf', 'int1', '/CN=example.com', 'leaf.ext', 90);
  const sans = Array.from({ length: 100 }, (_, i) => `DNS:host${i}.example.com`).join(',');
  ext('sans.ext', `subjectAltName=${sans}\n`);
  key('sans.key');
  issue('sans', 'int1', '/CN=host0.example.com', 'sans.ext', 90);
  key('deep.key');
  ext('deep.ext', 'subjectAltName=DNS:example.com\n');
  issue('deep', 'int2', '/CN=example.com', 'deep.ext', 90);
  const cat = (out, ...names) => {
    writeFileSync(join(d, out), names.map((n) => execFileSync('cat', [join(d, n)])).join(''));
    return join(d, out);
  };
  const bareScript = join(d, 'bare.cjs');
  writeFileSync(
    bareScript,
    `const { X509Certificate, createPrivateKey } = require('node:crypto');
const { readFileSync } = require('node:fs');
const [leaf, issuer] = readFileSync(${JSON.stringify(join(d, 'fullchain.pem'))}, 'latin1')
  .match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)
  .map((pem) => new X509Certificate(pem));
const key = createPrivateKey(readFileSync(${JSON.stringify(join(d, 'leaf.key'))}));
const ok = leaf.checkPrivateKey(key) && leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey) &&
  leaf.checkHost('example.com', { subject: 'never' }) !== undefined && Date.parse(leaf.validTo) > Date.now();
process.stdout.write(ok ? 'ok\\n' : 'bad\\n');
process.exitCode = ok ? 0 : 1;
`,
  );
  return {
    bareScript,
    fullchain: cat('fullchain.pem', 'leaf.pem', 'int1.pem'),
    key: join(d, 'leaf.key'),
    sans100: cat('sans-fullchain.pem', 'sans.pem', 'int1.pem'),
    sans100Key: join(d, 'sans.key'),
    chain4: cat('chain4.pem', 'deep.pem', 'int2.pem', 'int1.pem', 'root.pem'),
    chain4Key: join(d, 'deep.key'),
  };
}
