import type { Verdict } from '../cert/verdict.ts';
import { day, humanDuration, relative } from './human-time.ts';
import type { Level } from './journal.ts';

/**
 * The one-line verdict a person reads in a terminal or the journal, e.g.
 * `example.com: usable, expires 2027-02-01 (65 days), renewal due in 35 days`.
 */
export function verdictLine(v: Verdict, now: Date): { level: Level; text: string } {
  if (!v.usable) {
    return { level: 'err', text: `${v.name}: UNUSABLE: ${v.reasons.map((r) => r.message).join('; ')}` };
  }
  const parts = [`${v.name}: usable`];
  if (v.notAfter && v.remainingSeconds !== null) {
    parts.push(`expires ${day(v.notAfter)} (${humanDuration(v.remainingSeconds)})`);
  }
  if (v.renewAt) {
    parts.push(v.renewalDue ? 'renewal due now' : `renewal due ${relative(new Date(v.renewAt), now)}`);
  }
  const warnings = v.warnings.filter((w) => w.code !== 'renewal-due');
  let text = parts.join(', ');
  if (warnings.length > 0) text += `; warning: ${warnings.map((w) => w.message).join('; ')}`;
  return { level: warnings.length > 0 || v.renewalDue ? 'warning' : 'info', text };
}
