import { day, humanDuration, relative } from '../output/human-time.ts';
import type { Level } from '../output/journal.ts';
import type { RenewOutcome } from './renew.ts';

/**
 * The one line a person reads in the journal for each outcome. A soft failure says loudly how long
 * the installed certificate stays valid: that is what decides whether anyone must act today.
 */
export function outcomeLine(name: string, o: RenewOutcome, now: Date): { level: Level; text: string } {
  const v = o.verdict;
  const validity =
    v.usable && v.notAfter && v.remainingSeconds !== null
      ? `valid for ${humanDuration(v.remainingSeconds)} (until ${v.notAfter})`
      : undefined;
  const next = o.nextCheck
    ? `${day(o.nextCheck)} ${o.nextCheck.slice(11, 19)} UTC (${relative(new Date(o.nextCheck), now)})`
    : undefined;
  const cause = o.failure ? `${o.failure.class}: ${o.failure.message}` : 'unknown cause';
  switch (o.action) {
    case 'not-due':
      return {
        level: 'info',
        text: `${name}: not due; certificate ${validity ?? 'usable'}${next ? `; renewal due ${next}` : ''}`,
      };
    case 'renewed': {
      const hooks = o.hookFailures?.length ? `; WARNING: ${o.hookFailures.join('; ')}` : '';
      return {
        level: o.hookFailures?.length || !v.usable ? 'warning' : 'info',
        text: `${name}: renewed; new certificate ${validity ?? 'UNUSABLE'}${next ? `, next renewal ${next}` : ''}${hooks}`,
      };
    }
    case 'busy':
      return {
        level: 'info',
        text: `${name}: busy: another certguard renew is renewing this certificate right now; nothing done`,
      };
    case 'backoff':
      return v.usable
        ? {
            level: 'warning',
            text: `${name}: WARNING: renewal due but failing (${cause}); backing off, next attempt ${next ?? 'later'}; the installed certificate is still ${validity}`,
          }
        : {
            level: 'err',
            text: `${name}: NO USABLE CERTIFICATE (${problems(o)}) and renewal failing (${cause}); backing off, next attempt ${next ?? 'later'} (--force to retry now)`,
          };
    case 'soft-failure':
      return {
        level: 'warning',
        text: `${name}: WARNING: renewal failed (${cause}); the installed certificate is still ${validity}${next ? `; next attempt ${next}` : ''}`,
      };
    case 'hard-failure':
      return {
        level: 'err',
        text: `${name}: renewal FAILED (${cause}) and no usable certificate is installed (${problems(o)})${next ? `; next attempt ${next}` : ''}`,
      };
  }
}

/** Why the installed certificate is unusable, in a few words ("none installed" when missing). */
function problems(o: RenewOutcome): string {
  const v = o.verdict;
  if (v.reasons.some((r) => r.code === 'missing')) return 'none installed yet';
  return v.reasons.map((r) => r.message).join('; ') || 'unknown';
}

/** The `--json` object (documented in docs/renew.md). */
export function outcomeJson(name: string, o: RenewOutcome): Record<string, unknown> {
  return {
    name,
    action: o.action,
    exitCode: o.exitCode,
    dueReasons: o.dueReasons,
    failure: o.failure ?? null,
    nextCheck: o.nextCheck ?? null,
    hookFailures: o.hookFailures ?? [],
    verdict: o.verdict,
  };
}
