/**
 * A fleet of hosts renewing through a CA outage: does the renewal rule survive with a given timer?
 * Pure and seeded (the same options give the same figures), so a test can assert on it and
 * bench/fleet-timers.ts prints the table behind docs/renew.md, "Timing".
 *
 * Each host has one certificate and a renew timer. At every firing the host does what
 * `certguard renew` does: nothing before the renewal point (src/cert/renewal-point.ts) or while
 * backing off (src/renew/backoff.ts, the real functions); otherwise it contacts the CA, which fails
 * during the outage (a failure and a backoff) and issues a new certificate at once outside it.
 * Hosts start in a random phase of their renewal cycle and run two cycles before the outage.
 */
import { renewalPoint } from '../src/cert/renewal-point.ts';
import type { RenewBefore } from '../src/config/duration.ts';
import { nextAttemptAfter } from '../src/renew/backoff.ts';

const HOUR = 3600_000;

/**
 * A systemd timer: OnCalendar every `periodHours` (aligned to UTC midnight) plus a random delay of
 * up to `spreadHours`, drawn anew at every firing, or once per host with FixedRandomDelay=true.
 */
export interface TimerModel {
  periodHours: number;
  spreadHours: number;
  fixedDelay: boolean;
}

/** Today's module timer before this change: 00:00 and 12:00 UTC plus up to 6 h. */
export const OLD_MODULE_TIMER: TimerModel = { periodHours: 12, spreadHours: 6, fixedDelay: false };
/** The comparison: hourly with a 30-minute spread. */
export const HOURLY_30MIN_TIMER: TimerModel = { periodHours: 1, spreadHours: 0.5, fixedDelay: false };
/** What certguard ships: hourly, RandomizedDelaySec=1h, FixedRandomDelay=true. */
export const SHIPPED_TIMER: TimerModel = { periodHours: 1, spreadHours: 1, fixedDelay: true };

export interface FleetOptions {
  hosts: number;
  lifetimeHours: number;
  rule: RenewBefore;
  timer: TimerModel;
  outageHours: number;
  /** Outage start times, in hours after a UTC midnight (the timers are aligned to it). */
  outageStartsHours: number[];
  seed?: number;
}

export interface OutageResult {
  startHour: number;
  /** Hosts whose certificate expired before the renewal succeeded. */
  expired: number;
  /** Smallest time left at a successful renewal after the outage began (negative: after expiry). */
  worstMarginHours: number;
  /**
   * Steady state before the outage: CA contacts in the busiest hour of the day as a multiple of
   * the hourly mean (1 = spread evenly over the day).
   */
  peakHourLoad: number;
}

export interface FleetResult {
  perOutage: OutageResult[];
  /** Mean share of certificates expired over the outage start times. */
  expiredShare: number;
  worstMarginHours: number;
  peakHourLoad: number;
}

/** mulberry32: small, fast, seedable; Math.random cannot be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The host's firings in time order; `next(t)` is the first at or after t (never revisits one). */
function timerOf(model: TimerModel, random: () => number): { next(t: number): number } {
  const period = model.periodHours * HOUR;
  const spread = model.spreadHours * HOUR;
  const fixed = random() * spread;
  let slot = Number.NEGATIVE_INFINITY;
  return {
    next(t: number): number {
      if (model.fixedDelay) return Math.ceil((t - fixed) / period) * period + fixed;
      slot = Math.max(slot, Math.floor((t - spread) / period));
      for (;;) {
        const firing = slot * period + random() * spread;
        slot++;
        if (firing >= t) return firing;
      }
    },
  };
}

export function simulateFleet(o: FleetOptions): FleetResult {
  const random = prng(o.seed ?? 1);
  const lifetime = o.lifetimeHours * HOUR;
  const cycle = renewalPoint(new Date(0), new Date(lifetime), o.rule).getTime();
  const perOutage = o.outageStartsHours.map((startHour) => {
    // A UTC midnight far from the epoch: the hosts' history starts two cycles before the outage.
    const midnight = 1_000 * 24 * HOUR;
    const outageStart = midnight + startHour * HOUR;
    const outageEnd = outageStart + o.outageHours * HOUR;
    const t0 = outageStart - 2 * cycle;
    const end = outageEnd + 2 * lifetime;
    const byHour = new Array<number>(24).fill(0);
    // Whole days only, or hours of the day covered once more than others would look busier.
    const steadyFrom = outageStart - Math.max(1, Math.floor((2 * cycle) / (24 * HOUR))) * 24 * HOUR;
    let expired = 0;
    let worst = Number.POSITIVE_INFINITY;
    for (let h = 0; h < o.hosts; h++) {
      const timer = timerOf(o.timer, random);
      let notBefore = t0 - random() * cycle;
      let notAfter = notBefore + lifetime;
      let failures = 0;
      let blockedUntil = Number.NEGATIVE_INFINITY;
      let t = t0;
      let lapsed = false;
      for (;;) {
        const due = renewalPoint(new Date(notBefore), new Date(notAfter), o.rule).getTime();
        t = timer.next(Math.max(t + 1, due, blockedUntil));
        if (t > end) break;
        if (t >= steadyFrom && t < outageStart) byHour[Math.floor((t % (24 * HOUR)) / HOUR)]!++;
        if (t >= outageStart && t < outageEnd) {
          failures++;
          const remaining = t < notAfter ? (notAfter - t) / 1000 : null;
          blockedUntil = nextAttemptAfter({
            consecutiveFailures: failures,
            remainingSeconds: remaining,
            now: new Date(t),
            random,
          }).getTime();
          continue;
        }
        if (t >= outageStart) {
          worst = Math.min(worst, notAfter - t);
          if (t >= notAfter) lapsed = true;
        }
        notBefore = t;
        notAfter = t + lifetime;
        failures = 0;
        blockedUntil = Number.NEGATIVE_INFINITY;
      }
      if (lapsed) expired++;
    }
    const mean = byHour.reduce((a, b) => a + b, 0) / 24;
    return {
      startHour,
      expired,
      worstMarginHours: worst / HOUR,
      peakHourLoad: mean > 0 ? Math.max(...byHour) / mean : 0,
    };
  });
  return {
    perOutage,
    expiredShare: perOutage.reduce((a, r) => a + r.expired, 0) / (perOutage.length * o.hosts),
    worstMarginHours: Math.min(...perOutage.map((r) => r.worstMarginHours)),
    peakHourLoad: Math.max(...perOutage.map((r) => r.peakHourLoad)),
  };
}

/** Twelve outage start times, two hours apart over a day (the timers are aligned to UTC). */
export const TWELVE_STARTS = Array.from({ length: 12 }, (_, i) => i * 2);
