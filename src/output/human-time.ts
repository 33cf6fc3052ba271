/** "65 days", "5 hours", "12 minutes", "40 seconds": the largest whole unit, for one-line verdicts. */
export function humanDuration(seconds: number): string {
  const s = Math.abs(Math.round(seconds));
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (s >= size) {
      const n = Math.floor(s / size);
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  return `${s} second${s === 1 ? '' : 's'}`;
}

/** "in 23 days" / "3 hours ago", relative to `now`. */
export function relative(when: Date, now: Date): string {
  const seconds = (when.getTime() - now.getTime()) / 1000;
  return seconds >= 0 ? `in ${humanDuration(seconds)}` : `${humanDuration(seconds)} ago`;
}

/** YYYY-MM-DD in UTC: certificates' validity is defined in UTC. */
export function day(iso: string): string {
  return iso.slice(0, 10);
}
