import type { FailureClass, RenewalState } from '../store/state.ts';

/**
 * After a failed attempt the CA is left alone for 5 min, doubling per consecutive failure up to a
 * day (less when the certificate is close to expiry or unusable: backoffCapSeconds). An hourly timer
 * then contacts a failing CA at most a handful of times a day instead of 24, which matters because
 * Let's Encrypt allows only 5 failed validations per hour.
 */
export const BACKOFF_BASE_SECONDS = 300;
export const BACKOFF_MAX_SECONDS = 86_400;
/**
 * A certificate close to expiry is retried sooner: the delay is at most 1/24 of what is left, so
 * with 3 days left the CA is retried within 3 hours, with 1 day left within an hour (never under
 * the base delay). A 6-day certificate that comes out of a 72-hour outage with a day left thus
 * loses at most an hour to backoff (docs/renew.md, "Timing").
 */
export const BACKOFF_SHARE_OF_REMAINING = 1 / 24;
/**
 * With no usable certificate (missing, expired, placeholder) the services are already failing:
 * retry at least hourly. One failed validation an hour stays well inside Let's Encrypt's limit
 * of 5 per hostname and hour; a day-long backoff would turn a 72-hour outage into a 4-day one.
 */
export const BACKOFF_UNUSABLE_MAX_SECONDS = 3600;

/**
 * The longest delay after a failure, for a certificate with this much validity left (null: none
 * usable). Both the backoff written after a failure and the clamp applied when reading it use this
 * one rule.
 */
export function backoffCapSeconds(remainingSeconds: number | null): number {
  if (remainingSeconds === null || !(remainingSeconds > 0)) return BACKOFF_UNUSABLE_MAX_SECONDS;
  return Math.min(
    BACKOFF_MAX_SECONDS,
    Math.max(BACKOFF_BASE_SECONDS, remainingSeconds * BACKOFF_SHARE_OF_REMAINING),
  );
}

export interface BackoffInput {
  /** Failures in a row, including the one just recorded (>= 1). */
  consecutiveFailures: number;
  /** The CA's Retry-After, honoured (up to the cap) even when longer than the backoff. */
  retryAfterSeconds?: number;
  /** Seconds the installed certificate stays valid (null: none usable); see backoffCapSeconds. */
  remainingSeconds: number | null;
  now: Date;
  random?: () => number;
}

/** When the next attempt may contact the CA. Jitter spreads hosts that failed together. */
export function nextAttemptAfter(input: BackoffInput): Date {
  const n = Math.max(1, input.consecutiveFailures);
  const cap = backoffCapSeconds(input.remainingSeconds);
  const delay = Math.min(cap, BACKOFF_BASE_SECONDS * 2 ** Math.min(n - 1, 30));
  // "Equal jitter": between half and the whole delay, so the backoff still grows.
  const random = input.random ?? Math.random;
  let seconds = delay / 2 + (delay / 2) * Math.min(Math.max(random(), 0), 1);
  if (input.retryAfterSeconds !== undefined && input.retryAfterSeconds > 0) {
    seconds = Math.max(seconds, Math.min(input.retryAfterSeconds, cap));
  }
  return new Date(input.now.getTime() + Math.round(seconds) * 1000);
}

/**
 * The instant before which the CA must not be contacted, or undefined when an attempt is allowed.
 * Clamped when read: never later than the cap after the attempt that set it, so a time written
 * while the clock ran ahead (a year, ten) cannot stall renewal for that long, nor past expiry.
 * When the attempt itself lies in the future (the clock that wrote it was ahead) or is unknown, a
 * value more than the cap from now cannot have come from this clock and is ignored.
 */
export function backoffUntil(
  state: RenewalState,
  now: Date,
  remainingSeconds: number | null = null,
): Date | undefined {
  if (!state.nextAttemptNotBefore) return undefined;
  const t = Date.parse(state.nextAttemptNotBefore);
  const nowMs = now.getTime();
  if (!Number.isFinite(t) || t <= nowMs) return undefined;
  const capMs = backoffCapSeconds(remainingSeconds) * 1000;
  const attempt = state.lastAttempt ? Date.parse(state.lastAttempt) : Number.NaN;
  const limit = Number.isFinite(attempt) && attempt <= nowMs ? attempt + capMs : nowMs + capMs;
  if (limit <= nowMs) return undefined;
  if (!(Number.isFinite(attempt) && attempt <= nowMs) && t > limit) return undefined;
  return new Date(Math.min(t, limit));
}

/** The state after a failed attempt (pure). */
export function recordFailure(
  state: RenewalState,
  failure: { class: FailureClass; message: string; retryAfterSeconds?: number },
  remainingSeconds: number | null,
  now: Date,
  random?: () => number,
): RenewalState {
  const consecutiveFailures = state.consecutiveFailures + 1;
  const next = nextAttemptAfter({
    consecutiveFailures,
    remainingSeconds,
    now,
    ...(failure.retryAfterSeconds !== undefined ? { retryAfterSeconds: failure.retryAfterSeconds } : {}),
    ...(random ? { random } : {}),
  });
  return {
    ...state,
    lastAttempt: now.toISOString(),
    lastError: { class: failure.class, message: failure.message, at: now.toISOString() },
    consecutiveFailures,
    nextAttemptNotBefore: next.toISOString(),
  };
}

/** The state after a successful renewal: the failure history and the old ARI answer are cleared. */
export function recordSuccess(state: RenewalState, now: Date): RenewalState {
  return {
    ...state,
    lastAttempt: now.toISOString(),
    lastSuccess: now.toISOString(),
    lastError: null,
    consecutiveFailures: 0,
    nextAttemptNotBefore: null,
    ari: null,
  };
}
