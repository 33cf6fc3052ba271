import { readBounded } from '../cert/read-file.ts';
import type { Verdict } from '../cert/verdict.ts';
import type { CertSettings } from '../config/settings.ts';
import type { AriState, RenewalState } from '../store/state.ts';
import { ariFor, issuedFor } from './decide.ts';

/** A CA without renewalInfo, or a certificate without AKI: ask again a day later at most. */
const ARI_UNSUPPORTED_RECHECK_SECONDS = 86_400;
/** An ARI request that failed without Retry-After: leave the CA alone for an hour. */
const ARI_FAILURE_RECHECK_SECONDS = 3600;
/**
 * A certificate just issued has nothing to ask the CA about: the first ARI poll waits this long
 * (RFC 9773's usual polling interval), so the run after a renewal opens no connection either.
 */
export const ARI_AFTER_ISSUANCE_SECONDS = 6 * 3600;
/** ARI is an optional hint: it never gets more than this of the run's budget. */
export const ARI_TIMEOUT_MS = 5000;

/**
 * Whether to ask the CA's renewalInfo now: only for a usable, not-yet-due certificate that
 * certguard itself ordered from this CA (the state remembers its serial), and only when neither the
 * remembered answer (Retry-After) nor an earlier failure says to wait. A certificate another client
 * installed is none of this CA's business as far as we know: its not-due runs stay offline and
 * write nothing until certguard renews it. An hourly timer thus asks at most once per Retry-After
 * (Let's Encrypt: 6 h; clamped to 1 min .. 1 day), whatever the timer frequency.
 */
export function ariQueryDue(state: RenewalState, verdict: Verdict, now: Date): boolean {
  if (!verdict.usable || verdict.placeholder || verdict.serial === null) return false;
  if (!issuedFor(state.issued, verdict.serial)) return false;
  const t = now.getTime();
  if (waiting(state.ariCheckNotBefore, t)) return false;
  const known = ariFor(state.ari, verdict.serial);
  return !(known && waiting(known.nextFetchNotBefore, t));
}

/**
 * Whether a remembered "do not ask before" still holds. Nothing certguard writes lies more than a
 * day ahead: a later time was written by a clock that ran ahead and is ignored, never obeyed.
 */
function waiting(notBefore: string | null, nowMs: number): boolean {
  if (!notBefore) return false;
  const t = Date.parse(notBefore);
  return t > nowMs && t <= nowMs + ARI_UNSUPPORTED_RECHECK_SECONDS * 1000;
}

/**
 * Asks the CA and returns the new state (never throws: a failure is logged and remembered). The
 * ARI module uses node:https only, so this loads no ACME client.
 */
export async function refreshAri(
  settings: CertSettings,
  state: RenewalState,
  now: Date,
  timeoutMs: number,
  log: (level: 'info' | 'warning' | 'err', text: string) => void,
): Promise<RenewalState> {
  const later = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
  const read = readBounded(settings.certFile);
  const { ariCertId, fetchRenewalInfo, pickRenewalTime } = await import('../acme/ari.ts');
  const certId = read.ok ? ariCertId(read.data.toString('latin1')) : undefined;
  if (!certId) return { ...state, ariCheckNotBefore: later(ARI_UNSUPPORTED_RECHECK_SECONDS) };
  try {
    const window = await fetchRenewalInfo(settings.server!, certId, {
      timeoutMs,
      ...(settings.caBundle ? { caBundle: settings.caBundle } : {}),
    });
    if (!window) return { ...state, ari: null, ariCheckNotBefore: later(ARI_UNSUPPORTED_RECHECK_SECONDS) };
    const windowStart = window.windowStart.toISOString();
    const windowEnd = window.windowEnd.toISOString();
    const previous = state.ari;
    // RFC 9773: pick once per window; re-picking on every poll would drift towards the start.
    const samePick =
      previous?.certId === certId && previous.windowStart === windowStart && previous.windowEnd === windowEnd;
    const ari: AriState = {
      certId,
      windowStart,
      windowEnd,
      renewAt: samePick
        ? previous.renewAt
        : pickRenewalTime(window.windowStart, window.windowEnd).toISOString(),
      fetchedAt: now.toISOString(),
      nextFetchNotBefore: later(window.retryAfterSeconds),
      ...(window.explanationURL ? { explanationURL: window.explanationURL } : {}),
    };
    return { ...state, ari, ariCheckNotBefore: null };
  } catch (err) {
    const e = err as { message?: string; retryAfterSeconds?: number };
    log(
      'warning',
      `${settings.name}: ARI renewal information unavailable (${e.message ?? String(err)}); deciding by local rules`,
    );
    return { ...state, ariCheckNotBefore: later(e.retryAfterSeconds ?? ARI_FAILURE_RECHECK_SECONDS) };
  }
}
