import { UsageError } from '../exit-codes.ts';

/** How long before expiry to renew: a fixed time, or a fraction of the certificate's lifetime. */
export type RenewBefore =
  | { kind: 'seconds'; seconds: number }
  | { kind: 'fraction'; fraction: number }
  /** The lifetime rule (src/cert/renewal-point.ts): 1/3 left, or 2/3 under 10 days. */
  | { kind: 'auto' };

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Parses `90s`, `15m`, `12h`, `30d`, `2w` or plain seconds (`3600`). Returns seconds.
 * `what` names the flag or config field so the error says what to fix.
 */
export function parseDuration(input: unknown, what: string): number {
  if (typeof input === 'number' && Number.isFinite(input) && input >= 0) return input;
  if (typeof input === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/.exec(input);
    if (m) return Number(m[1]) * (UNIT_SECONDS[m[2] || 's'] ?? 1);
  }
  throw new UsageError(`${what}: expected a duration like 90s, 15m, 12h, 30d or seconds, got ${show(input)}`);
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
  try {
    return { kind: 'seconds', seconds: parseDuration(input, what) };
  } catch {
    throw new UsageError(
      `${what}: expected a duration (30d) or a fraction of the lifetime (1/3), or auto, got ${show(input)}`,
    );
  }
}

export function formatRenewBefore(r: RenewBefore): string {
  if (r.kind === 'auto') return '1/3 of the lifetime (2/3 under 10 days)';
  return r.kind === 'fraction' ? `${Math.round(r.fraction * 1000) / 1000} of the lifetime` : `${r.seconds}s`;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
