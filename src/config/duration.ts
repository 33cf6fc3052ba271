import { UsageError } from '../exit-codes.ts';

/** How long before expiry to renew: a fixed time, or a fraction of the certificate's lifetime. */
export type RenewBefore =
  | { kind: 'seconds'; seconds: number }
  | { kind: 'fraction'; fraction: number }
  /** The lifetime rule (src/cert/renewal-point.ts): 1/3 left, or 2/3 under 10 days. */
  | { kind: 'auto' };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** How one kind of duration is read: whether a bare number is allowed, and the largest value. */
export interface DurationRule {
  /**
   * A bare number (`30`, `"30"`) is refused: for validity periods people think in days
   * (security.acme's `validMinDays = 30`), and reading it as 30 seconds would fail silently.
   * Zero needs no unit.
   */
  unitRequired: boolean;
  maxSeconds: number;
}

/**
 * Validity periods (`renewBefore`, `minValidity`): up to ten years. Anything larger is a typo, and
 * unbounded values (`1e300`) turn dates into `Invalid time value` further on.
 */
export const VALIDITY_RULE: DurationRule = { unitRequired: true, maxSeconds: 3650 * 86400 };
/**
 * Waits inside one run (`dnsPropagation`, `--renew-inline`): up to an hour. Node's timers silently
 * turn anything above 24.8 days into 1 ms, and a renewal lock held for longer helps no one.
 */
export const WAIT_RULE: DurationRule = { unitRequired: false, maxSeconds: 3600 };
const DEFAULT_RULE: DurationRule = { unitRequired: false, maxSeconds: VALIDITY_RULE.maxSeconds };

/**
 * Parses `90s`, `15m`, `12h`, `30d`, `2w` or plain seconds (`3600`, where the rule allows a bare
 * number). Returns seconds. `what` names the flag or config field so the error says what to fix.
 */
export function parseDuration(input: unknown, what: string, rule: DurationRule = DEFAULT_RULE): number {
  let seconds: number | undefined;
  let unit = '';
  if (typeof input === 'number' && Number.isFinite(input) && input >= 0) seconds = input;
  else if (typeof input === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/.exec(input);
    if (m) {
      unit = m[2] ?? '';
      seconds = Number(m[1]) * (UNIT_SECONDS[unit || 's'] ?? 1);
    }
  }
  if (seconds === undefined || !Number.isFinite(seconds)) {
    throw new UsageError(
      `${what}: expected a duration like 90s, 15m, 12h, 30d${rule.unitRequired ? '' : ' or seconds'}, got ${show(input)}`,
    );
  }
  if (seconds > rule.maxSeconds) {
    throw new UsageError(
      `${what}: ${show(input)} is longer than the maximum of ${formatMax(rule.maxSeconds)}`,
    );
  }
  if (rule.unitRequired && unit === '' && seconds !== 0) {
    throw new UsageError(
      `${what}: ${show(input)} has no unit: write "${Number(seconds)}d" for days (or "${Number(seconds)}s" for seconds)`,
    );
  }
  return seconds;
}

function formatMax(seconds: number): string {
  return seconds % 86400 === 0
    ? `${seconds / 86400}d`
    : seconds % 3600 === 0
      ? `${seconds / 3600}h`
      : `${seconds}s`;
}

/** Parses `auto`, a DURATION or a FRACTION `a/b` of the lifetime (0 < a/b < 1), e.g. `1/3`. */
export function parseRenewBefore(input: unknown, what: string): RenewBefore {
  if (typeof input === 'string') {
    if (input.trim() === 'auto') return { kind: 'auto' };
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(input);
    if (m) {
      const fraction = Number(m[1]) / Number(m[2]);
      if (!(fraction > 0 && fraction < 1)) {
        throw new UsageError(
          `${what}: a fraction of the lifetime must be between 0 and 1, got ${show(input)}`,
        );
      }
      return { kind: 'fraction', fraction };
    }
  }
  if (
    typeof input === 'number' ||
    (typeof input === 'string' && /^\s*\d+(?:\.\d+)?\s*[smhdw]?\s*$/.test(input))
  ) {
    // A number-like value: its own message (no unit, too large) is the helpful one.
    return { kind: 'seconds', seconds: parseDuration(input, what, VALIDITY_RULE) };
  }
  throw new UsageError(
    `${what}: expected a duration (30d) or a fraction of the lifetime (1/3), or auto, got ${show(input)}`,
  );
}

export function formatRenewBefore(r: RenewBefore): string {
  if (r.kind === 'auto') return '1/3 of the lifetime (2/3 under 10 days)';
  return r.kind === 'fraction' ? `${Math.round(r.fraction * 1000) / 1000} of the lifetime` : `${r.seconds}s`;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
