/**
 * Real systemd 252 as PID 1 of fresh namespaces, one guest per test: the units run, ExecStartPre
 * exit codes decide, journald records priorities, timers fire, exactly as on a host. The recipe and
 * its pitfalls are in /work/shared/notes/systemd-harness.md; the shell half is in ./systemd/.
 *
 * A guest sees the host's / through an overlay (so node and systemd are there) with the staged
 * files copied on top, and its own /proc, /sys, cgroup2, /dev, /run, /tmp. With `net: true` it
 * has its own network namespace with only `lo` (the CA is unreachable by construction); without,
 * it shares the host's loopback (a pebble started by the test is reachable).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildCli, REPO } from './systemd/build-cli.ts';

const SYSTEMD = '/lib/systemd/systemd';
const SCRIPTS = join(REPO, 'test/helpers/systemd');
const TARGET = 'certguard-test.target';
/** glibc's SIGRTMIN is 34; SIGRTMIN+4 asks systemd to power off. */
const SIGRTMIN_PLUS_4 = 38;

/** Where the built CLI is installed in a guest, as docs/systemd.md tells administrators. */
export const GUEST_LIB = '/usr/lib/certguard';
export const GUEST_TEST_LIB = '/usr/lib/certguard-test';

export type GuestFile =
  | { path: string; content: string | Buffer; mode?: number }
  | { path: string; copyFrom: string }
  | { path: string; symlink: string };

export interface GuestOptions {
  /** Own network namespace (only lo): the CA is unreachable. */
  net?: boolean;
  files?: GuestFile[];
  /** Install the CLI (private build) at /usr/lib/certguard with /usr/bin symlinks; default true. */
  cli?: boolean;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface JournalEntry {
  priority: number;
  message: string;
}

export interface Guest {
  /** Host PID of the guest's PID 1 (systemd). */
  pid: number;
  stateDir: string;
  /** Runs argv inside the guest's namespaces (never a shell unless you pass one). */
  run(argv: string[], opts?: { input?: string; timeoutMs?: number }): Promise<Run>;
  /** Runs argv and throws (with its output) unless it exits 0. */
  must(argv: string[]): Promise<string>;
  systemctl(...args: string[]): Promise<Run>;
  show(unit: string, props?: string[]): Promise<Record<string, string>>;
  journal(unit: string): Promise<JournalEntry[]>;
  writeFile(path: string, content: string, mode?: number): Promise<void>;
  /** Polls `check` until it returns a truthy value; throws with `what` and `detail()` otherwise. */
  waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/** Why the systemd tests cannot run here, or undefined when they can. */
export function systemdSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (namespaces, mounts and cgroups need root)';
  for (const tool of [SYSTEMD, '/usr/bin/unshare', '/usr/bin/nsenter']) {
    if (!existsSync(tool)) return `${tool} not installed`;
  }
  if (!cgroup2Root()) return 'no cgroup v2 hierarchy mounted';
  return undefined;
}

/** The cgroup2 mount: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid ones. */
function cgroup2Root(): string | undefined {
  for (const dir of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    if (existsSync(join(dir, 'cgroup.controllers')) || existsSync(join(dir, 'cgroup.max.depth'))) {
      if (existsSync(join(dir, 'cgroup.procs'))) return dir;
    }
  }
  return undefined;
}

/** Our own cgroup v2 directory: guests live below it, never elsewhere in the host's tree. */
function ownCgroup(): string {
  const root = cgroup2Root()!;
  const line = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  return join(root, line ? line.slice(3) : '/');
}

let counter = 0;

/**
 * Boots a guest and waits until its systemd has finished booting. A boot that does not come up is
 * retried once with a fresh guest (its diagnostics are printed): a rare hang of a guest's early
 * boot under load must not fail a scenario that is about certguard, not about the harness.
 */
export async function bootGuest(opts: GuestOptions = {}): Promise<Guest> {
  try {
    return await bootOnce(opts);
  } catch (err) {
    console.warn(`systemd harness: guest boot failed, retrying once: ${(err as Error).message}`);
    return bootOnce(opts);
  }
}

async function bootOnce(opts: GuestOptions): Promise<Guest> {
  sweepLeftovers();
  const stateDir = mkdtempSync(join(tmpdir(), `certguard-guest-${process.pid}-`));
  const stage = join(stateDir, 'stage');
  const cgroup = join(ownCgroup(), `certguard-guest-${process.pid}-${++counter}`);
  let child: ChildProcess | undefined;
  let pid = 0;
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await shutdown(child, pid);
    removeCgroup(cgroup);
    rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    await stageFiles(stage, opts);
    writeFileSync(join(stateDir, 'console.log'), '');
    mkdirSync(cgroup);
    const log = openSync(join(stateDir, 'boot.log'), 'a');
    child = spawn(
      '/bin/sh',
      [join(SCRIPTS, 'boot-guest.sh'), stateDir, cgroup, TARGET, opts.net ? '1' : '0'],
      { stdio: ['ignore', log, log] },
    );
    const unsharePid = child.pid!;
    pid = await poll(
      'the guest PID 1 to appear',
      10_000,
      async () => {
        const kids = readText(`/proc/${unsharePid}/task/${unsharePid}/children`).trim().split(/\s+/);
        const p = Number(kids[0]);
        return p > 0 && readText(`/proc/${p}/comm`).trim() === 'systemd' ? p : undefined;
      },
      () => bootDetail(stateDir),
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const nsenter = ['-t', String(pid), '-m', '-p', '-u', '-i', ...(opts.net ? ['-n'] : [])];
  const run: Guest['run'] = (argv, o = {}) =>
    runProcess('/usr/bin/nsenter', [...nsenter, '--', ...argv], o.input, o.timeoutMs ?? 60_000);
  const must: Guest['must'] = async (argv) => {
    const r = await run(argv);
    if (r.code !== 0) {
      throw new Error(`in guest: ${argv.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
    }
    return r.stdout;
  };
  const guest: Guest = {
    pid,
    stateDir,
    run,
    must,
    systemctl: (...args) => run(['systemctl', '--no-pager', ...args]),
    async show(unit, props = ['ActiveState', 'SubState', 'Result', 'ExecMainStatus']) {
      const out = await must(['systemctl', 'show', unit, ...props.map((p) => `--property=${p}`)]);
      return Object.fromEntries(
        out
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    },
    async journal(unit) {
      await run(['journalctl', '--sync']);
      const out = await must([
        'journalctl',
        '--no-pager',
        '-u',
        unit,
        '-o',
        'json',
        '--output-fields=PRIORITY,MESSAGE',
      ]);
      return out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { PRIORITY: string; MESSAGE: string | number[] })
        .map((e) => ({
          priority: Number(e.PRIORITY),
          message: Array.isArray(e.MESSAGE) ? Buffer.from(e.MESSAGE).toString('utf8') : e.MESSAGE,
        }));
    },
    async writeFile(path, content, mode = 0o644) {
      const script = `mkdir -p "$(dirname "$1")" && cat > "$1" && chmod ${mode.toString(8)} "$1"`;
      const r = await run(['/bin/sh', '-c', script, 'sh', path], { input: content });
      if (r.code !== 0) throw new Error(`in guest: cannot write ${path}: ${r.stderr}`);
    },
    waitFor: (what, check, timeoutMs = 30_000) => poll(what, timeoutMs, check, () => bootDetail(stateDir)),
    stop,
  };
  try {
    // Until systemd has opened its private socket (it runs its generators first, which can take
    // seconds on a loaded machine), systemctl says "Failed to connect to bus" or "offline".
    await guest.waitFor('the guest systemd to finish booting', async () => {
      const r = await run(['systemctl', 'is-system-running', '--wait'], { timeoutMs: 30_000 });
      const state = r.stdout.trim();
      if (['running', 'degraded'].includes(state)) return state;
      if (state !== '' && !['offline', 'initializing', 'starting'].includes(state)) {
        const jobs = await run(['systemctl', '--no-pager', 'list-jobs'], { timeoutMs: 5000 });
        const ps = await run(['ps', '-ef'], { timeoutMs: 5000 });
        throw new Error(
          `guest systemd is ${state}: ${r.stderr}\n--- jobs\n${jobs.stdout}${jobs.stderr}--- ps\n${ps.stdout}\n${bootDetail(stateDir)}`,
        );
      }
      return undefined;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return guest;
}

/** Copies the private CLI build, test helpers and the caller's files into the overlay's upper layer. */
async function stageFiles(stage: string, opts: GuestOptions): Promise<void> {
  const put = (path: string) => {
    const dest = join(stage, path);
    mkdirSync(dirname(dest), { recursive: true });
    return dest;
  };
  writeFileSync(
    put(`/etc/systemd/system/${TARGET}`),
    '[Unit]\nDescription=certguard test guest\nDefaultDependencies=no\nWants=systemd-journald.service\n',
  );
  if (opts.cli !== false) {
    cpSync(await buildCli(), put(GUEST_LIB), { recursive: true });
    symlinkSync(`${GUEST_LIB}/certguard.cjs`, put('/usr/bin/certguard'));
    symlinkSync(`${GUEST_LIB}/certguard-preflight.cjs`, put('/usr/bin/certguard-preflight'));
  }
  for (const f of ['https-server.mjs', 'tls-fingerprint.mjs']) {
    cpSync(join(SCRIPTS, f), put(`${GUEST_TEST_LIB}/${f}`));
  }
  for (const f of opts.files ?? []) {
    const dest = put(f.path);
    if ('content' in f) writeFileSync(dest, f.content, { mode: f.mode ?? 0o644 });
    else if ('copyFrom' in f) cpSync(f.copyFrom, dest, { recursive: true });
    else symlinkSync(f.symlink, dest);
  }
}

async function shutdown(child: ChildProcess | undefined, pid: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const within = (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), ms);
    });
    return Promise.race([exited.then(() => true), late]).finally(() => clearTimeout(timer));
  };
  try {
    if (pid > 0) process.kill(pid, SIGRTMIN_PLUS_4);
  } catch {
    // Already gone.
  }
  if (await within(20_000)) return;
  // systemd did not power off: killing PID 1 ends the whole PID namespace.
  try {
    if (pid > 0) process.kill(pid, 'SIGKILL');
    child.kill('SIGKILL');
  } catch {
    // Already gone.
  }
  await within(5000);
}

/**
 * A test process killed outright takes its guests with it (boot-guest.sh: --pdeathsig and
 * --kill-child), but not their cgroup and state directories: remove those of dead test processes.
 */
function sweepLeftovers(): void {
  const dead = (pid: string) => !existsSync(`/proc/${pid}`);
  const cgroups = ownCgroup();
  for (const e of readdirSync(cgroups)) {
    const m = /^certguard-guest-(\d+)-\d+$/.exec(e);
    if (m && dead(m[1]!)) removeCgroup(join(cgroups, e), 1);
  }
  for (const e of readdirSync(tmpdir())) {
    const m = /^certguard-guest-(\d+)-/.exec(e);
    if (m && dead(m[1]!)) rmSync(join(tmpdir(), e), { recursive: true, force: true });
  }
}

/** Depth-first rmdir; cgroups empty asynchronously after their processes exit, so retry briefly. */
function removeCgroup(dir: string, attempts = 50): void {
  const rm = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) rm(join(d, e.name));
    rmdirSync(d);
  };
  for (let i = 0; i < attempts; i++) {
    try {
      if (!existsSync(dir)) return;
      rm(dir);
      return;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  if (attempts > 1) console.warn(`systemd harness: could not remove cgroup ${dir}`);
}

function runProcess(cmd: string, args: string[], input: string | undefined, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    // nsenter forks into the guest's PID namespace: killing it may leave its child holding our
    // pipes, so on timeout resolve from 'exit' instead of waiting for the pipes to close.
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, timeoutMs);
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      if (timedOut)
        stderr += `\n[harness: ${args.slice(args.indexOf('--') + 1).join(' ')} killed after ${timeoutMs} ms]`;
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    };
    p.on('close', finish);
    p.on('exit', (code, signal) => {
      if (timedOut) {
        p.stdout.destroy();
        p.stderr.destroy();
        finish(code, signal);
      }
    });
    p.stdin.on('error', () => {});
    p.stdin.end(input ?? '');
  });
}

async function poll<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined | false>,
  detail: () => string,
): Promise<T> {
  const giveUp = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function bootDetail(stateDir: string): string {
  const tail = (f: string) => readText(join(stateDir, f)).split('\n').slice(-15).join('\n');
  return `--- boot.log\n${tail('boot.log')}\n--- console.log\n${tail('console.log')}`;
}
