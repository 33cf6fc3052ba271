import type { RenewBefore } from '../config/duration.ts';

/**
 * Below this lifetime a certificate counts as short-lived (Let's Encrypt's `shortlived` profile:
 * 160 hours), and the default rule keeps a larger share of it in reserve.
 */
export const SHORT_LIFETIME_SECONDS = 10 * 86_400;
/** Default share of the lifetime left at renewal (certbot 4, Let's Encrypt's advice). */
export const DEFAULT_FRACTION_LEFT = 1 / 3;
/**
 * Default share left for a short-lived certificate. certbot 4 uses 1/2; 2/3 is chosen here because
 * at 1/2 a 6-day (144 h) certificate has exactly 72 h left at its renewal point, so a 72-hour CA
 * outage starting then expires it whatever the timer. With 2/3, 96 h are left: the outage leaves
 * 24 h, against an hourly timer and a backoff capped at 1/24 of what is left (docs/renew.md,
 * "Timing", has the arithmetic; bench/fleet-timers.ts simulates a fleet).
 */
export const SHORT_FRACTION_LEFT = 2 / 3;

/**
 * When renewal of a certificate valid from `notBefore` to `notAfter` becomes due, by the local
 * rule. The one function check, renew and status use (through the verdict), so that the three can
 * never disagree; ARI (a remembered CA answer) can only bring the time forward, in renew's decision.
 * Pure and import-free: it sits on the preflight's path.
 */
export function renewalPoint(notBefore: Date, notAfter: Date, rb: RenewBefore): Date {
  const end = notAfter.getTime();
  const lifetimeMs = Math.max(0, end - notBefore.getTime());
  return new Date(end - reserveMs(lifetimeMs, rb));
}

/** How long before notAfter renewal is due. */
function reserveMs(lifetimeMs: number, rb: RenewBefore): number {
  switch (rb.kind) {
    case 'seconds':
      return rb.seconds * 1000;
    case 'fraction':
      return lifetimeMs * rb.fraction;
    case 'auto':
      return lifetimeMs * defaultFractionLeft(lifetimeMs / 1000);
  }
}

/** The default rule: 1/3 of the lifetime left, 2/3 when the lifetime is under 10 days. */
export function defaultFractionLeft(lifetimeSeconds: number): number {
  return lifetimeSeconds < SHORT_LIFETIME_SECONDS ? SHORT_FRACTION_LEFT : DEFAULT_FRACTION_LEFT;
}
