import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A lock file created with O_EXCL holding `PID START` (START = the process's start time in clock
 * ticks since boot, from /proc/PID/stat). A lock whose process is gone, or whose PID was reused by
 * a process that started later, is stale and taken over: kill -9 never leaves a certificate
 * locked for good, and no daemon or flock(2) (which Node lacks) is needed.
 */
export interface LockHandle {
  path: string;
  /** True when another process held the lock at first and we waited for it. */
  waited: boolean;
  release(): void;
}

export interface LockOptions {
  /** How long to wait for a live holder before giving up (default 0: one try). */
  waitMs?: number;
  /** Poll interval while waiting. */
  pollMs?: number;
}

/** Tries to take the lock; returns undefined when a live process still holds it after `waitMs`. */
export async function acquireLock(path: string, opts: LockOptions = {}): Promise<LockHandle | undefined> {
  const waitMs = opts.waitMs ?? 0;
  const pollMs = opts.pollMs ?? 50;
  const giveUpAt = Date.now() + waitMs;
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  let waited = false;
  for (;;) {
    if (tryCreate(path)) return handle(path, waited);
    if (takeOverIfStale(path) && tryCreate(path)) return handle(path, waited);
    if (Date.now() >= giveUpAt) return undefined;
    waited = true;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Synchronous variant with a busy wait, for callers that cannot await (the atomic installer). */
export function acquireLockSync(path: string, opts: LockOptions = {}): LockHandle | undefined {
  const waitMs = opts.waitMs ?? 0;
  const pollMs = opts.pollMs ?? 20;
  const giveUpAt = Date.now() + waitMs;
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let waited = false;
  for (;;) {
    if (tryCreate(path)) return handle(path, waited);
    if (takeOverIfStale(path) && tryCreate(path)) return handle(path, waited);
    if (Date.now() >= giveUpAt) return undefined;
    waited = true;
    Atomics.wait(sleeper, 0, 0, pollMs);
  }
}

/** Who holds a lock, as written in it; undefined when the file is absent or unreadable. */
export function lockHolder(path: string): { pid: number; start: string } | undefined {
  try {
    const [pid, start] = readFileSync(path, 'utf8').trim().split(/\s+/);
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, start: start ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/** The start time of a live process (field 22 of /proc/PID/stat), or undefined when it is gone. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function isStale(holder: { pid: number; start: string } | undefined): boolean {
  if (!holder) return true;
  const start = processStart(holder.pid);
  return start === undefined || (holder.start !== '' && start !== holder.start);
}

function tryCreate(path: string): boolean {
  // Write the content to a private file first and link(2) it into place: the lock never exists
  // half-written, so a reader never judges an empty lock file as stale.
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, `${process.pid} ${processStart(process.pid) ?? ''}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Removes a stale lock. Two processes may judge the same lock stale at once: each renames it to a
 * private name first (only one rename wins), then re-checks what it moved; a live lock moved by
 * mistake (its owner re-created it in between) is linked back.
 */
function takeOverIfStale(path: string): boolean {
  if (!isStale(lockHolder(path))) return false;
  const aside = join(dirname(path), `.stale.${process.pid}.${Math.random().toString(36).slice(2)}`);
  try {
    renameSync(path, aside);
  } catch {
    return false;
  }
  const moved = lockHolder(aside);
  if (!isStale(moved)) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone else holds a new lock already; the moved one's owner will find its lock gone.
    }
    rmSync(aside, { force: true });
    return false;
  }
  rmSync(aside, { force: true });
  return true;
}

function handle(path: string, waited: boolean): LockHandle {
  let released = false;
  return {
    path,
    waited,
    release() {
      if (released) return;
      released = true;
      // Only remove the lock if it is still ours (never someone else's after a takeover).
      const holder = lockHolder(path);
      if (holder?.pid === process.pid) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      }
    },
  };
}
