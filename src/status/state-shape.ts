import { FAILURE_CLASSES, type RenewalState } from '../store/state.ts';

/**
 * readState checks the version, not each field. A state file edited by hand or written by a buggy
 * version could hold a string where a time or an object belongs; status must report that in the
 * row instead of crashing on it. Returns the names of the fields that have the wrong shape.
 */
export function badStateFields(state: RenewalState): string[] {
  const bad: string[] = [];
  const s = state as unknown as Record<string, unknown>;
  for (const key of ['lastAttempt', 'lastSuccess', 'nextAttemptNotBefore'] as const) {
    if (!(s[key] === null || isTime(s[key]))) bad.push(key);
  }
  if (
    !(
      typeof s.consecutiveFailures === 'number' &&
      Number.isInteger(s.consecutiveFailures) &&
      s.consecutiveFailures >= 0
    )
  ) {
    bad.push('consecutiveFailures');
  }
  const e = s.lastError as Record<string, unknown> | null;
  if (
    e !== null &&
    !(
      isObject(e) &&
      FAILURE_CLASSES.includes(e.class as never) &&
      typeof e.message === 'string' &&
      isTime(e.at)
    )
  ) {
    bad.push('lastError');
  }
  const a = s.ari as Record<string, unknown> | null;
  if (
    a !== null &&
    !(
      isObject(a) &&
      typeof a.certId === 'string' &&
      isTime(a.renewAt) &&
      isTime(a.windowStart) &&
      isTime(a.windowEnd)
    )
  ) {
    bad.push('ari');
  }
  return bad;
}

function isTime(v: unknown): boolean {
  return typeof v === 'string' && !Number.isNaN(Date.parse(v));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
