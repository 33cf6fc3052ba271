/**
 * Benchmark: `certguard status` over 10, 100, 1000 and 5000 configured certificates.
 *
 *   npx tsx bench/status.ts [--runs 7] [--sizes 10,100,1000,5000] [--workers default,0]
 *                           [--bin dist/certguard.cjs]
 *
 * Generates the certificates once (one intermediate CA and one leaf key shared by every leaf:
 * signing is cheap, key generation is not), every tenth with a failing renewal state file, then
 * runs the bundled CLI `--runs` times per size as a fresh process, the way an operator or a timer
 * runs it, with stdout to a pipe (plain table). Prints median and min wall time, median CPU time
 * (user+sys, which the machine's other load does not inflate) and peak RSS, both from GNU time.
 * Without --bin it bundles src/cli/certguard-main.ts with esbuild into a temp dir, so a concurrent
 * `npm run build` cannot change the binary under measurement.
 */
import { spawnSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import * as x509 from '@peculiar/x509';
import { emptyState, writeState } from '../src/store/state.ts';
import { makeChain, tempDir } from '../test/helpers/fixtures.ts';
import { bundleCli } from '../test/status/bundle.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const runs = Number(opt('runs', '7'));
const sizes = opt('sizes', '10,100,1000,5000').split(',').map(Number);
// CERTGUARD_STATUS_WORKERS per series; "default" = one worker per additional core.
const workerSettings = opt('workers', 'default').split(',');
const { dir, cleanup } = tempDir('certguard-bench-status-');

interface Result {
  n: number;
  workers: string;
  median: number;
  min: number;
  cpu: number | null;
  rss: number | null;
}

try {
  const bin = args.includes('--bin')
    ? resolve(opt('bin', 'dist/certguard.cjs'))
    : await bundleCli(join(dir, 'dist'));
  const t0 = performance.now();
  const names = await generate(dir, Math.max(...sizes));
  console.error(
    `generated ${names.length} certificates in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const hasTime = existsSync('/usr/bin/time');
  if (!hasTime)
    console.warn('WARNING: /usr/bin/time (Debian package "time") missing: no CPU time or peak RSS');

  const results: Result[] = [];
  for (const workers of workerSettings) {
    for (const n of sizes) results.push(measure(bin, names, n, workers, hasTime));
  }
  console.log(
    `node ${process.version}, ${availableParallelism()} cores, ${runs} runs per size, 1-min load average ${loadavg()[0]!.toFixed(2)} at the end`,
  );
  console.log(
    '| certificates | workers | median wall | min wall | wall ms/cert | median CPU (user+sys) | peak RSS |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    // Marginal cost per certificate against the smallest size: start-up cost cancels out.
    const base = results.find((b) => b.workers === r.workers)!;
    const per = r.n > base.n ? ((r.median - base.median) / (r.n - base.n)).toFixed(2) : '-';
    const rss = r.rss === null ? 'n/a' : `${(r.rss / 1024).toFixed(0)} MiB`;
    const cpu = r.cpu === null ? 'n/a' : `${r.cpu.toFixed(0)} ms`;
    console.log(
      `| ${r.n} | ${r.workers} | ${r.median.toFixed(0)} ms | ${r.min.toFixed(0)} ms | ${per} | ${cpu} | ${rss} |`,
    );
  }
} finally {
  cleanup();
}

function measure(bin: string, names: string[], n: number, workers: string, hasTime: boolean): Result {
  const config = join(dir, `config-${n}.json`);
  const certs = Object.fromEntries(
    names.slice(0, n).map((name) => [name, { directory: join(dir, 'certs', name) }]),
  );
  writeFileSync(config, JSON.stringify({ stateDirectory: join(dir, 'state'), defaults: {}, certs }));
  const env = { ...process.env };
  delete env.CERTGUARD_STATUS_WORKERS;
  if (workers !== 'default') env.CERTGUARD_STATUS_WORKERS = workers;
  const walls: number[] = [];
  const cpus: number[] = [];
  let rss: number | null = null;
  for (let i = 0; i < runs; i++) {
    const cmd = hasTime ? '/usr/bin/time' : process.execPath;
    const argv = hasTime ? ['-f', '%M %U %S', process.execPath, bin] : [bin];
    const start = performance.now();
    const r = spawnSync(cmd, [...argv, 'status', '--config', config], { maxBuffer: 1 << 30, env });
    walls.push(performance.now() - start);
    if (r.status !== 0) throw new Error(`status exited ${r.status}: ${r.stderr.toString().slice(-500)}`);
    const lines = r.stdout.toString().trimEnd().split('\n').length;
    if (lines !== n + 1) throw new Error(`expected ${n + 1} table lines, got ${lines}`);
    if (hasTime) {
      const [kb, user, sys] = r.stderr.toString().trim().split('\n').at(-1)!.split(' ').map(Number);
      rss = Math.max(rss ?? 0, kb!);
      cpus.push((user! + sys!) * 1000);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    n,
    workers,
    median: median(walls),
    min: Math.min(...walls),
    cpu: cpus.length ? median(cpus) : null,
    rss,
  };
}

/** Every certificate valid (so exit 0), one in ten with a failing renewal recorded. */
async function generate(root: string, n: number): Promise<string[]> {
  const { intermediate, leaf: first } = await makeChain();
  const now = Date.now();
  const names = Array.from({ length: n }, (_, i) => `cert-${String(i).padStart(5, '0')}.example.org`);
  // WebCrypto signs on libuv's thread pool: a batch of concurrent signatures uses every core.
  for (let b = 0; b < n; b += 64) {
    await Promise.all(
      names.slice(b, b + 64).map(async (name, j) => {
        const i = b + j;
        const cert = await x509.X509CertificateGenerator.create({
          serialNumber: (0x100000 + i).toString(16),
          subject: `CN=${name}`,
          issuer: intermediate.cert.subject,
          notBefore: new Date(now - 86400_000),
          notAfter: new Date(now + (60 + (i % 30)) * 86400_000),
          signingAlgorithm: intermediate.alg,
          publicKey: first.keys.publicKey,
          signingKey: intermediate.keys.privateKey,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            await x509.AuthorityKeyIdentifierExtension.create(intermediate.cert, false),
            new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: name }]),
          ],
        });
        const d = join(root, 'certs', name);
        mkdirSync(d, { recursive: true });
        const pem = `${cert.toString('pem').replace(/\r\n/g, '\n').trimEnd()}\n`;
        writeFileSync(join(d, 'fullchain.pem'), pem + intermediate.certPem);
        writeFileSync(join(d, 'key.pem'), first.keyPem, { mode: 0o600 });
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
      }),
    );
  }
  return names;
}

// @peculiar/x509 needs a WebCrypto provider; the fixtures set it too, this keeps the bench standalone.
x509.cryptoProvider.set(webcrypto as unknown as Crypto);
