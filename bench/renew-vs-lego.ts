/**
 * Benchmark: `certguard renew` vs Debian's lego 4.9.1, in ONE run against the same local pebble.
 *
 *   npx tsx bench/renew-vs-lego.ts [--runs 7] [--slow-runs 3] [--issue-runs 5] [--json FILE]
 *                                  [--baseline DIR] [--instructions] [--extra-ca-certs FILE]
 *
 * Commands run as under systemd, without NODE_EXTRA_CA_CERTS (bench/bench-env.mjs); --extra-ca-certs
 * sets it for every command (the floor too), the environment of earlier figures in BENCHMARKS.md.
 *
 * (b) Full issuance (fresh account, order, real http-01 validation through pebble-challtestsrv's
 *     DNS, download, install): certguard vs `lego run`.
 * (a) Time to a correct decision with a valid certificate while the CA is down, twice: pebble
 *     stopped (connection refused), and a listener on pebble's port that accepts and never answers
 *     (blackhole; it counts accepted connections). Contenders: `node -e 0` (the floor), certguard
 *     renew in steady state (state file written by its last issuance), certguard with no state file
 *     (ARI on: one ARI question, bounded to 5 s), certguard --no-ari with no state file, `lego renew
 *     --days 30`, lego followed by NixOS's openssl fallback, and `openssl x509 -checkend` alone (the
 *     least a not-due decision can cost). --baseline DIR adds the steady-state renew of another
 *     build (an older dist/: certguard.cjs or certguard.mjs) to the same interleaved runs.
 *     --instructions counts, with the CA refused, the instructions the floor, the steady-state
 *     renews and openssl execute (valgrind: slow, but hardly disturbed by other load).
 * Medians of wall time (monotonic clock around each spawn), peak RSS (GNU time %M), exit codes,
 * connections. Commands of one scenario are interleaved so machine load hits all alike. certguard
 * is bundled with esbuild into a temp dir (the shipped code-split shape).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../test/helpers/fixtures.ts';
import { pebbleAvailable, startPebble } from '../test/helpers/pebble.ts';
import { bundleCli } from '../test/status/bundle.ts';
import { benchEnv } from './bench-env.mjs';
import { countInstructions } from './instructions.mjs';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const RUNS = Number(opt('runs', '7'));
const SLOW_RUNS = Number(opt('slow-runs', '3'));
const ISSUE_RUNS = Number(opt('issue-runs', '5'));
const JSON_OUT = args.includes('--json') ? opt('json', '') : '';
const LEGO = '/usr/bin/lego';
const TIME = '/usr/bin/time';
const WITH_INSTRUCTIONS = args.includes('--instructions');
const BASELINE_DIR = opt('baseline', '');
const BASELINE = BASELINE_DIR
  ? ['certguard.cjs', 'certguard.mjs'].map((f) => join(BASELINE_DIR, f)).find((f) => existsSync(f))
  : undefined;
if (BASELINE_DIR && !BASELINE) {
  console.error(`bench: no certguard.cjs or certguard.mjs in ${BASELINE_DIR}`);
  process.exit(2);
}

for (const [ok, what] of [
  [pebbleAvailable(), 'pebble (apt-get install pebble)'],
  [existsSync(LEGO), 'lego (apt-get install lego)'],
  [existsSync(TIME), 'GNU time (apt-get install time)'],
] as const) {
  if (!ok) {
    console.error(`bench: ${what} is missing`);
    process.exit(2);
  }
}

interface Sample {
  ms: number;
  rssKiB: number;
  code: number | null;
}

/** Runs argv under GNU time (peak RSS) and a monotonic clock; stdout/stderr are discarded. */
function measure(argv: string[], env: NodeJS.ProcessEnv, rssFile: string): Promise<Sample> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    // BENCH_DEBUG=1 shows each command's own output (to see why a contender failed).
    const stdio = process.env.BENCH_DEBUG === '1' ? (['ignore', 2, 2] as const) : ('ignore' as const);
    const child = spawn(TIME, ['-f', '%M', '-o', rssFile, ...argv], { env, stdio: stdio as never });
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let rssKiB = 0;
      try {
        rssKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      } catch {}
      resolve({ ms, rssKiB, code });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Row {
  scenario: string;
  command: string;
  runs: number;
  medianMs: number;
  minMs: number;
  medianRssMiB: number;
  exitCodes: string;
  connections: string;
  correct: string;
}

const rows: Row[] = [];
function addRow(scenario: string, command: string, samples: Sample[], connections: string, expect?: number) {
  const codes = [...new Set(samples.map((s) => s.code))];
  rows.push({
    scenario,
    command,
    runs: samples.length,
    medianMs: Math.round(median(samples.map((s) => s.ms))),
    minMs: Math.round(Math.min(...samples.map((s) => s.ms))),
    medianRssMiB: Math.round(median(samples.map((s) => s.rssKiB)) / 102.4) / 10,
    exitCodes: codes.join(','),
    connections,
    correct: expect === undefined ? '' : samples.every((s) => s.code === expect) ? 'yes' : 'NO',
  });
}

const { dir, cleanup } = tempDir('certguard-bench-renew-');
const stopList: (() => Promise<void>)[] = [];
try {
  const bin = await bundleCli(join(dir, 'bundle'));
  const node = process.execPath;
  let pebble = await startPebble({ validitySeconds: 90 * 86400 });
  stopList.push(() => pebble.stop());
  const server = pebble.directoryUrl;
  const acmePort = Number(new URL(server).port);
  // pebble.stop() removes its work dir: keep the listener CA both tools trust for phase (a).
  const caBundle = join(dir, 'pebble-listener-ca.pem');
  copyFileSync(pebble.caBundlePath, caBundle);
  const runEnv = benchEnv(args);
  const env = { ...runEnv.env, LEGO_CA_CERTIFICATES: caBundle, JOURNAL_STREAM: '' };
  const rss = join(dir, 'rss.txt');
  const domain = 'bench.test';

  const certguardConfig = (name: string, stateDir: string, certDir: string) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        stateDirectory: stateDir,
        defaults: {},
        certs: {
          [name]: {
            directory: certDir,
            domains: [domain],
            server,
            caBundle,
            email: 'bench@bench.test',
            httpListen: `127.0.0.1:${pebble.httpPort}`,
            // Same rule as `lego renew --days 30` for a fair decision.
            renewBefore: '30d',
          },
        },
      }),
    );
    return path;
  };
  const legoArgs = (path: string) => [
    LEGO,
    '--server',
    server,
    '--accept-tos',
    '--email',
    'bench@bench.test',
    '--domains',
    domain,
    '--http',
    '--http.port',
    `127.0.0.1:${pebble.httpPort}`,
    '--path',
    path,
  ];

  // (b) Full issuance, interleaved; every run starts from nothing (new account key, new order).
  console.error(`(b) full issuance x${ISSUE_RUNS} ...`);
  const issue: Record<string, Sample[]> = { certguard: [], lego: [] };
  let steady = { config: '', name: '' };
  let legoPath = '';
  for (let i = 0; i < ISSUE_RUNS; i++) {
    const name = `issue${i}`;
    const config = certguardConfig(name, join(dir, `state-${name}`), join(dir, `certs-${name}`));
    issue.certguard!.push(await measure([node, bin, 'renew', name, '--config', config], env, rss));
    steady = { config, name };
    legoPath = join(dir, `lego-${i}`);
    issue.lego!.push(await measure([...legoArgs(legoPath), 'run'], env, rss));
  }
  addRow('(b) full issuance', 'certguard renew (new account + order)', issue.certguard!, '', 0);
  addRow('(b) full issuance', 'lego run (new account + order)', issue.lego!, '', 0);
  const legoCert = join(legoPath, 'certificates', `${domain}.crt`);
  if (!existsSync(legoCert)) throw new Error(`lego did not issue a certificate (${legoCert} missing)`);

  // (a) The CA goes away; both tools keep the certificate they issued above.
  await pebble.stop();
  stopList.length = 0;
  const coldState = () => {
    const s = join(dir, `cold-state-${Math.random().toString(36).slice(2)}`);
    mkdirSync(s);
    return s;
  };
  const contenders = (slow: boolean) => [
    { name: 'node -e 0 (floor)', argv: () => [node, '-e', '0'], expect: 0, runs: RUNS },
    {
      name: 'certguard renew (steady state)',
      argv: () => [node, bin, 'renew', steady.name, '--config', steady.config],
      expect: 0,
      runs: RUNS,
    },
    ...(BASELINE
      ? [
          {
            name: `baseline ${BASELINE} renew (steady state)`,
            argv: () => [node, BASELINE, 'renew', steady.name, '--config', steady.config],
            expect: 0,
            runs: RUNS,
          },
        ]
      : []),
    {
      name: 'certguard renew (no state file, ARI on)',
      argv: () => [node, bin, 'renew', steady.name, '--config', steady.config, '--state-dir', coldState()],
      expect: 0,
      runs: slow ? SLOW_RUNS : RUNS,
    },
    {
      name: 'certguard renew --no-ari (no state file)',
      argv: () => [
        node,
        bin,
        'renew',
        steady.name,
        '--config',
        steady.config,
        '--state-dir',
        coldState(),
        '--no-ari',
      ],
      expect: 0,
      runs: RUNS,
    },
    {
      name: 'lego renew --days 30',
      argv: () => [...legoArgs(legoPath), 'renew', '--days', '30', '--no-random-sleep'],
      expect: 0,
      runs: slow ? SLOW_RUNS : RUNS,
    },
    {
      name: 'lego renew || openssl x509 -checkend (NixOS)',
      argv: () => [
        '/bin/sh',
        '-c',
        `"$@" || openssl x509 -checkend ${30 * 86400} -noout -in '${legoCert}' >/dev/null`,
        'sh',
        ...legoArgs(legoPath),
        'renew',
        '--days',
        '30',
        '--no-random-sleep',
      ],
      expect: 0,
      runs: slow ? SLOW_RUNS : RUNS,
    },
    {
      name: 'openssl x509 -checkend alone',
      argv: () => ['openssl', 'x509', '-checkend', String(30 * 86400), '-noout', '-in', legoCert],
      expect: 0,
      runs: RUNS,
    },
  ];

  async function scenario(label: string, slow: boolean, accepts?: () => number) {
    const list = contenders(slow);
    const samples = list.map(() => [] as Sample[]);
    const conns = list.map(() => 0);
    const maxRuns = Math.max(...list.map((c) => c.runs));
    console.error(`${label} ...`);
    for (let r = 0; r < maxRuns; r++) {
      for (const [i, c] of list.entries()) {
        if (r >= c.runs) continue;
        const before = accepts?.() ?? 0;
        samples[i]!.push(await measure(c.argv(), env, rss));
        conns[i]! += (accepts?.() ?? 0) - before;
      }
    }
    for (const [i, c] of list.entries()) {
      const connections = accepts ? String(Math.round(conns[i]! / samples[i]!.length)) : 'n/a (refused)';
      addRow(label, c.name, samples[i]!, connections, c.expect);
    }
  }

  await scenario('(a) CA refused', false);
  const counted = WITH_INSTRUCTIONS
    ? contenders(false).filter((c) => /floor|steady state|openssl x509 -checkend alone/.test(c.name))
    : [];
  const instructions = counted.map((c) => ({ command: c.name, count: countInstructions(c.argv(), env) }));

  // A blackhole on pebble's own port: accepts TCP, never answers (not even the TLS handshake).
  let accepted = 0;
  const sockets = new Set<Socket>();
  const hole = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    hole.once('error', reject);
    hole.listen(acmePort, '127.0.0.1', resolve);
  });
  stopList.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        hole.close(() => resolve());
      }),
  );
  await scenario('(a) CA blackholed', true, () => accepted);
  pebble = undefined as never;

  const header = `| scenario | command | runs | median ms | min ms | median peak RSS MiB | exit | connections/run | correct decision |`;
  const lines = [
    header,
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.command} | ${r.runs} | ${r.medianMs} | ${r.minMs} | ${r.medianRssMiB} | ${r.exitCodes} | ${r.connections} | ${r.correct} |`,
    ),
  ];
  const ratio = (scenario: string, command: string) => {
    const floor = rows.find((r) => r.scenario === scenario && r.command.startsWith('node -e 0'))!;
    const row = rows.find((r) => r.scenario === scenario && r.command === command)!;
    return `${(row.medianMs / floor.medianMs).toFixed(2)}x`;
  };
  const steadyName = 'certguard renew (steady state)';
  console.log(lines.join('\n'));
  console.log(
    `\ncertguard steady state / node -e 0: ${ratio('(a) CA refused', steadyName)} (CA refused), ` +
      `${ratio('(a) CA blackholed', steadyName)} (CA blackholed)` +
      `; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; node ${process.version}; lego 4.9.1 (Debian); ${runEnv.label}`,
  );
  if (instructions.length > 0) {
    const floorCount = instructions[0]!.count;
    console.log(
      '\n(a) CA refused: instructions executed (valgrind)\n| command | instructions | × floor |\n|---|---|---|',
    );
    for (const i of instructions) {
      console.log(
        `| ${i.command} | ${(i.count / 1e6).toFixed(1)} M | ${(i.count / floorCount).toFixed(3)} |`,
      );
    }
  }
  if (JSON_OUT) {
    writeFileSync(JSON_OUT, `${JSON.stringify({ rows, instructions, loadavg: loadavg() }, null, 2)}\n`);
  }
} finally {
  for (const stop of stopList.reverse()) await stop();
  cleanup();
  rmSync(join(dir), { recursive: true, force: true });
}
