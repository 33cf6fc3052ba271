/**
 * The one formatter for durations a person reads: verdict lines, renew's outcome line, the status
 * table and the preflight's reasons all use it, so a time reads alike everywhere.
 */
export interface DurationFormat {
  /** `long`: "2 hours", "41 minutes" (lines and messages); `short`: "2 h", "41 min" (table cells). */
  style?: 'long' | 'short';
  /**
   * How many adjacent units, from the largest: 1 gives "89 days", 2 "89 days 23 hours". Zero parts
   * are left out ("90 days", not "90 days 0 hours").
   */
  parts?: number;
}

const UNITS: [seconds: number, long: string, short: string][] = [
  [86400, 'day', 'day'],
  [3600, 'hour', 'h'],
  [60, 'minute', 'min'],
  [1, 'second', 's'],
];

/**
 * "65 days", "5 hours", "40 seconds"; "89 days 23 hours" with `parts: 2`. Whole units, rounded
 * down, so that time left is never overstated: 99.9 days reads "99 days", which is rightly less
 * than a minimum validity of "100 days". The sign is ignored (see `relative`).
 */
export function humanDuration(seconds: number, format: DurationFormat = {}): string {
  const { style = 'long', parts = 1 } = format;
  let rest = Math.floor(Math.abs(seconds));
  const first = UNITS.findIndex(([size]) => rest >= size);
  if (first === -1) return style === 'short' ? '0 s' : '0 seconds';
  const out: string[] = [];
  for (const [size, long, short] of UNITS.slice(first, first + parts)) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n === 0) continue;
    const plural = n === 1 ? '' : 's';
    // Short style abbreviates all but days: "23 days", "2 h", "41 min".
    out.push(style === 'long' || short === 'day' ? `${n} ${long}${plural}` : `${n} ${short}`);
  }
  return out.join(' ');
}

/** "in 23 days" / "3 hours ago", relative to `now`; "just now" (or "now") within the second. */
export function relative(when: Date, now: Date, format: DurationFormat = {}): string {
  const seconds = (when.getTime() - now.getTime()) / 1000;
  if (Math.abs(seconds) < 1) return seconds > 0 ? 'now' : 'just now';
  const text = humanDuration(seconds, format);
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

/** YYYY-MM-DD in UTC: certificates' validity is defined in UTC. */
export function day(iso: string): string {
  return iso.slice(0, 10);
}
