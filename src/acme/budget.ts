import type { AcmeBudget } from './types.ts';

/**
 * Defaults for one renewal (the same figures renew uses). One minute in total is far more than a
 * healthy CA needs (pebble: under a second; Let's Encrypt: a few seconds) and well below a systemd
 * start timeout, so a dead CA costs at most this much before renew reports a soft failure. lego,
 * by contrast, waits 30 s per connect and retries for minutes.
 */
export const DEFAULT_BUDGET = {
  totalMs: 60_000,
  requestTimeoutMs: 15_000,
  connectTimeoutMs: 5_000,
  maxAttempts: 3,
} as const;

export function makeBudget(
  overrides: Partial<{
    totalMs: number;
    requestTimeoutMs: number;
    connectTimeoutMs: number;
    maxAttempts: number;
  }> = {},
  now = Date.now(),
): AcmeBudget {
  const o = { ...DEFAULT_BUDGET, ...overrides };
  return {
    deadlineMs: now + o.totalMs,
    requestTimeoutMs: o.requestTimeoutMs,
    connectTimeoutMs: o.connectTimeoutMs,
    maxAttempts: Math.max(1, Math.floor(o.maxAttempts)),
  };
}

/** Thrown when the budget's deadline passes while waiting; turned into ca-unreachable "timed out". */
export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/**
 * The deadline as an AbortSignal, so every request, wait and hook of one order stops at once when
 * it passes. `dispose` clears the timer (call it in finally).
 */
export function deadlineSignal(deadlineMs: number): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const left = deadlineMs - Date.now();
  if (left <= 0) {
    ac.abort(new DeadlineExceeded('deadline passed'));
    return { signal: ac.signal, dispose: () => {} };
  }
  const timer = setTimeout(() => ac.abort(new DeadlineExceeded('deadline passed')), left);
  return { signal: ac.signal, dispose: () => clearTimeout(timer) };
}

/** Waits ms, or rejects with DeadlineExceeded as soon as signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new DeadlineExceeded('deadline passed'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DeadlineExceeded('deadline passed'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
