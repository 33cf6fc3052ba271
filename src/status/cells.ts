import { day, relative } from '../output/human-time.ts';
import type { StatusRow } from './row.ts';

/** The human columns of one row, as the table shows them and `--json` repeats them under `display`. */
export interface Cells {
  state: string;
  expires: string;
  lastAttempt: string;
  nextAttempt: string;
}

/** A CA's error text is shown in full by --json; the table keeps rows on one screen line. */
const MAX_MESSAGE = 60;

export function rowCells(row: StatusRow, now: Date): Cells {
  return {
    state: stateCell(row),
    expires: row.notAfter === null ? '-' : `${day(row.notAfter)} (${ago(row.notAfter, now)})`,
    lastAttempt: lastAttemptCell(row, now),
    nextAttempt: nextAttemptCell(row, now),
  };
}

/**
 * "unusable (expired)", and "renewal-due (names-changed)" when renewal is due for a reason other
 * than the usual renewal window, which would otherwise surprise on a certificate with months left.
 */
function stateCell(row: StatusRow): string {
  const codes =
    row.state === 'unusable'
      ? row.reasons.map((r) => r.code)
      : row.state === 'renewal-due'
        ? row.dueReasons.map((r) => r.code).filter((c) => c !== 'renewal-window')
        : [];
  const unique = [...new Set(codes)];
  return unique.length > 0 ? `${row.state} (${unique.join(', ')})` : row.state;
}

/** "2 h ago: ca-unreachable (connection refused), 3 in a row", "5 days ago: renewed", "never". */
function lastAttemptCell(row: StatusRow, now: Date): string {
  if (row.stateProblem !== null) {
    // The path is in --json; here it would push every other row's last column off the screen.
    const problem = row.stateFile
      ? row.stateProblem.replaceAll(row.stateFile, 'state file')
      : row.stateProblem;
    return `unknown (${oneLine(problem, MAX_MESSAGE)})`;
  }
  if (row.renewalFailing && row.lastError) {
    const e = row.lastError;
    const n = row.consecutiveFailures > 1 ? `, ${row.consecutiveFailures} in a row` : '';
    return `${ago(e.at, now)}: ${e.class} (${oneLine(e.message, MAX_MESSAGE)})${n}`;
  }
  if (row.renewalFailing) return `${row.lastAttempt ? ago(row.lastAttempt, now) : 'unknown'}: failed`;
  if (row.lastAttempt === null) return row.lastSuccess ? `${ago(row.lastSuccess, now)}: renewed` : 'never';
  const succeeded = row.lastSuccess !== null && ms(row.lastSuccess) >= ms(row.lastAttempt);
  return succeeded ? `${ago(row.lastAttempt, now)}: renewed` : ago(row.lastAttempt, now);
}

/** A time already passed means renew tries at its next run: the timer, not certguard, sets when. */
function nextAttemptCell(row: StatusRow, now: Date): string {
  if (row.nextAttempt === null) return '-';
  return ms(row.nextAttempt) <= now.getTime() ? 'next run' : ago(row.nextAttempt, now);
}

/** "in 23 days", "2 h ago", "in 41 min", "just now": short units keep the table narrow. */
export function ago(iso: string, now: Date): string {
  return relative(new Date(ms(iso)), now, { style: 'short' });
}

/**
 * Error messages come from the CA and the network: strip control characters (no terminal escape
 * sequences from a remote party reach the operator's terminal) and cut them to `max` characters.
 */
export function oneLine(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function ms(iso: string): number {
  return new Date(iso).getTime();
}
