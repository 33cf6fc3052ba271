import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { RawConfig } from '../config/config-file.ts';
import type { CertSettings } from '../config/settings.ts';
import { resolveTargets, statusOf } from './collect.ts';
import type { StatusRow } from './row.ts';

/**
 * Why threads: nearly all of status's time is OpenSSL parsing each private key and certificate
 * (about 2 ms of CPU per certificate with OpenSSL 3, see docs/status.md), synchronous work that a second
 * core halves. Below MIN_PER_WORKER certificates a worker's start-up (~50 ms) costs more than it
 * saves, so small installations never start one.
 */
const MIN_PER_WORKER = 200;
/** Certificates claimed at a time: small enough to balance, large enough to keep the counter cold. */
const CHUNK = 16;
const MARK = 'certguardStatusWorker';

interface WorkerInput {
  [MARK]: true;
  settings: CertSettings[];
  stateDirectory: string;
  now: number;
  next: SharedArrayBuffer;
}

type WorkerOutput = { rows: [number, StatusRow][] } | { error: string };

export interface ParallelOptions {
  /** Worker threads besides the main thread (default: one per additional core). */
  workers?: number;
  /** Fewest certificates per worker that make one worth starting. */
  minPerWorker?: number;
  /** false: only workers compute (tests use it to prove the worker path delivers). */
  mainThreadWorks?: boolean;
  /** Filled in when given: rows delivered by workers, and worker failures (recovered from). */
  stats?: { workerRows: number; workerErrors: string[] };
  /** Code the workers run instead of this module: tests use it to make a worker fail. */
  workerCode?: string;
}

/**
 * Like collectStatus, using worker threads for many certificates. The main thread and the workers
 * claim chunks of certificates from one shared counter, so whoever is free takes the next chunk
 * (a worker still starting up simply claims fewer). Any row a worker did not deliver (it crashed,
 * could not start) is computed here, so the result is always complete and in config order.
 */
export async function collectStatusParallel(
  config: RawConfig,
  names: readonly string[],
  now: Date,
  opts: ParallelOptions = {},
): Promise<StatusRow[]> {
  const { stateDirectory, settings } = resolveTargets(config, names);
  const n = settings.length;
  const workers = opts.workers ?? defaultWorkers();
  const perWorker = Math.max(1, opts.minPerWorker ?? MIN_PER_WORKER);
  // Never from a worker: a thread that starts threads could multiply without bound.
  const count = isMainThread ? Math.min(workers, Math.floor(n / perWorker)) : 0;
  const rows: (StatusRow | undefined)[] = new Array(n);
  const next = new SharedArrayBuffer(4);
  const input: WorkerInput = { [MARK]: true, settings, stateDirectory, now: now.getTime(), next };
  const results = Array.from({ length: count }, () => runWorker(input, opts.workerCode));

  const counter = new Int32Array(next);
  if (opts.mainThreadWorks !== false || count === 0) {
    for (let start = Atomics.add(counter, 0, CHUNK); start < n; start = Atomics.add(counter, 0, CHUNK)) {
      for (let i = start; i < Math.min(start + CHUNK, n); i++)
        rows[i] = statusOf(settings[i]!, stateDirectory, now);
    }
  }
  for (const out of await Promise.all(results)) {
    if ('rows' in out) {
      for (const [i, row] of out.rows) rows[i] = row;
      if (opts.stats) opts.stats.workerRows += out.rows.length;
    } else opts.stats?.workerErrors.push(out.error);
  }
  // Array.from, not rows.map: map skips the holes a failed worker leaves, which are the point here.
  return Array.from({ length: n }, (_, i) => rows[i] ?? statusOf(settings[i]!, stateDirectory, now));
}

/**
 * Workers besides the main thread: one per additional core. CERTGUARD_STATUS_WORKERS overrides it
 * (0 = never use threads), for hosts where status must stay on one core.
 */
export function defaultWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.CERTGUARD_STATUS_WORKERS;
  if (v !== undefined && /^\d+$/.test(v)) return Number(v);
  return availableParallelism() - 1;
}

function runWorker(input: WorkerInput, override?: string): Promise<WorkerOutput> {
  // The worker runs this very module (in the bundle: the chunk holding it), found through
  // import.meta.url, so the build needs no extra entry point. Under tsx (tests) the .ts source
  // needs tsx's loader, which Node 20 does not pass on to worker threads.
  const url = import.meta.url;
  const code =
    override ??
    (url.endsWith('.ts')
      ? `import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(url)}));`
      : `import(${JSON.stringify(url)});`);
  return new Promise((resolve) => {
    let settled = false;
    const done = (out: WorkerOutput) => {
      if (!settled) resolve(out);
      settled = true;
    };
    let worker: Worker;
    try {
      worker = new Worker(code, { eval: true, workerData: input, stdout: false, stderr: false });
    } catch (err) {
      done({ error: (err as Error).message });
      return;
    }
    worker.once('message', (m: WorkerOutput) => done(m));
    worker.once('error', (err) => done({ error: err.message }));
    worker.once('exit', (code) => done({ error: `worker exited with code ${code}` }));
  });
}

function workerMain(input: WorkerInput): void {
  const counter = new Int32Array(input.next);
  const now = new Date(input.now);
  const n = input.settings.length;
  const rows: [number, StatusRow][] = [];
  try {
    for (let start = Atomics.add(counter, 0, CHUNK); start < n; start = Atomics.add(counter, 0, CHUNK)) {
      for (let i = start; i < Math.min(start + CHUNK, n); i++) {
        rows.push([i, statusOf(input.settings[i]!, input.stateDirectory, now)]);
      }
    }
    parentPort!.postMessage({ rows } satisfies WorkerOutput);
  } catch (err) {
    // The main thread recomputes the rows this worker claimed and reports the error itself.
    parentPort!.postMessage({ error: (err as Error).message } satisfies WorkerOutput);
  }
}

// Entry point when this module is loaded by runWorker (and only then: workerData carries the mark).
if (!isMainThread && (workerData as Partial<WorkerInput> | null)?.[MARK])
  workerMain(workerData as WorkerInput);
