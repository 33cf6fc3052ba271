/**
 * Benchmark: `certguard status` over 10, 100, 1000 and 5000 configured certificates.
 *
 *   npx tsx bench/status.ts [--runs 7] [--sizes 10,100,1000,5000] [--bin dist/certguard.mjs]
 *
 * Generates the certificates once (one intermediate CA, cached leaf keys: signing is cheap, key
 * generation is not), every tenth with a failing renewal state file, then runs the bundled CLI
 * `--runs` times per size as a fresh process, the way an operator or a timer runs it, with stdout
 * to a pipe (plain table). Prints median and min wall time and peak RSS (GNU time, %M).
 * Without --bin it bundles src/cli/certguard-main.ts with esbuild into a temp dir, so a concurrent
 * `npm run build` elsewhere cannot change the binary under measurement.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { emptyState, writeState } from '../src/store/state.ts';
import { makeCert, makeChain, tempDir } from '../test/helpers/fixtures.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const runs = Number(opt('runs', '7'));
const sizes = opt('sizes', '10,100,1000,5000').split(',').map(Number);
const max = Math.max(...sizes);
const { dir, cleanup } = tempDir('certguard-bench-status-');

try {
  const bin = args.includes('--bin') ? resolve(opt('bin', 'dist/certguard.mjs')) : await bundle(dir);
  const t0 = performance.now();
  const names = await generate(dir, max);
  console.error(`generated ${max} certificates in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const hasTime = existsSync('/usr/bin/time');
  if (!hasTime) console.warn('WARNING: /usr/bin/time (Debian package "time") missing: no peak RSS');

  const results: { n: number; median: number; min: number; rss: number | null; exit: number }[] = [];
  for (const n of sizes) {
    const config = join(dir, `config-${n}.json`);
    const certs = Object.fromEntries(
      names.slice(0, n).map((name) => [name, { directory: join(dir, 'certs', name) }]),
    );
    writeFileSync(config, JSON.stringify({ stateDirectory: join(dir, 'state'), defaults: {}, certs }));
    const walls: number[] = [];
    let rss: number | null = null;
    let exit = -1;
    for (let i = 0; i < runs; i++) {
      const cmd = hasTime ? '/usr/bin/time' : process.execPath;
      const argv = hasTime ? ['-f', '%M', process.execPath, bin] : [bin];
      const start = performance.now();
      const r = spawnSync(cmd, [...argv, 'status', '--config', config], { maxBuffer: 1 << 30 });
      walls.push(performance.now() - start);
      exit = r.status ?? -1;
      if (exit !== 0) throw new Error(`status exited ${exit}: ${r.stderr.toString().slice(-500)}`);
      const lines = r.stdout.toString().trimEnd().split('\n').length;
      if (lines !== n + 1) throw new Error(`expected ${n + 1} table lines, got ${lines}`);
      if (hasTime) rss = Math.max(rss ?? 0, Number(r.stderr.toString().trim().split('\n').at(-1)));
    }
    walls.sort((a, b) => a - b);
    results.push({ n, median: walls[Math.floor(walls.length / 2)]!, min: walls[0]!, rss, exit });
  }

  const base = results[0]!;
  console.log(`node ${process.version}, ${runs} runs per size, bundle ${bin}`);
  console.log(
    '| certificates | median wall | min wall | ms per certificate (median - 10-cert median) | peak RSS |',
  );
  console.log('|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const per = r.n > base.n ? ((r.median - base.median) / (r.n - base.n)).toFixed(3) : '-';
    const rss = r.rss === null ? 'n/a' : `${(r.rss / 1024).toFixed(0)} MiB`;
    console.log(`| ${r.n} | ${r.median.toFixed(0)} ms | ${r.min.toFixed(0)} ms | ${per} | ${rss} |`);
  }
} finally {
  cleanup();
}

async function bundle(out: string): Promise<string> {
  await build({
    entryPoints: { certguard: 'src/cli/certguard-main.ts' },
    outdir: join(out, 'dist'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    define: { CERTGUARD_VERSION: '"bench"' },
    banner: {
      js: "import { createRequire as __cgCreateRequire } from 'node:module'; const require = __cgCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return join(out, 'dist', 'certguard.mjs');
}

/** Every certificate valid (so exit 0), one in ten with a failing renewal recorded. */
async function generate(root: string, n: number): Promise<string[]> {
  const { intermediate } = await makeChain();
  const names: string[] = [];
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const name = `cert-${String(i).padStart(5, '0')}.example.org`;
    const leaf = await makeCert({ sans: [name], issuer: intermediate, days: 60 + (i % 30) });
    const d = join(root, 'certs', name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'fullchain.pem'), leaf.certPem + intermediate.certPem);
    writeFileSync(join(d, 'key.pem'), leaf.keyPem, { mode: 0o600 });
    if (i % 10 === 0) {
      const at = new Date(now - 7200_000).toISOString();
      writeState(join(root, 'state'), name, {
        ...emptyState(),
        lastAttempt: at,
        lastError: { class: 'ca-unreachable', message: 'connect ECONNREFUSED 127.0.0.1:14000', at },
        consecutiveFailures: 2,
        nextAttemptNotBefore: new Date(now + 2460_000).toISOString(),
      });
    }
    names.push(name);
  }
  return names;
}
