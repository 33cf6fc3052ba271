/**
 * ACME Renewal Information (RFC 9773): the CA suggests when to renew (earlier after a mass
 * revocation, later to spread load). Asking is never fatal: the caller falls back to local rules.
 * This file uses node:https only, so a renew run that asks ARI and then stops loads no ACME client.
 */
import { parseRetryAfter } from './classify.ts';
import { getWithTimeout, readCaBundle } from './http-get.ts';
import { AcmeFailure, type RenewalWindow } from './types.ts';

export { ariCertId } from './ari-cert-id.ts';

const MIN_RETRY_AFTER = 60;
const MAX_RETRY_AFTER = 86_400;
/** RFC 9773 section 4.3: without Retry-After, poll about every six hours. */
const DEFAULT_RETRY_AFTER = 6 * 3600;

export function clampRetryAfter(seconds: number | undefined): number {
  if (seconds === undefined || !Number.isFinite(seconds)) return DEFAULT_RETRY_AFTER;
  return Math.min(MAX_RETRY_AFTER, Math.max(MIN_RETRY_AFTER, Math.round(seconds)));
}

/**
 * Asks the CA for the suggested renewal window of certId. Returns null when the directory does not
 * advertise `renewalInfo` (the CA has no ARI). Throws AcmeFailure (ca-unreachable, ca-error) on any
 * network or protocol problem; the whole exchange (directory + renewalInfo) ends within timeoutMs.
 */
export async function fetchRenewalInfo(
  server: string,
  certId: string,
  opts: { caBundle?: string; timeoutMs: number },
): Promise<RenewalWindow | null> {
  const caPem = readCaBundle(opts.caBundle);
  const deadline = Date.now() + opts.timeoutMs;
  const dirRes = await getWithTimeout(server, caPem, opts.timeoutMs);
  const dir = parseJson(dirRes.body, `GET ${server}`, dirRes.status);
  if (dirRes.status !== 200 || !dir || typeof dir !== 'object') {
    throw new AcmeFailure('ca-error', `GET ${server}: HTTP ${dirRes.status}, not an ACME directory`, {
      httpStatus: dirRes.status,
    });
  }
  const base = (dir as { renewalInfo?: unknown }).renewalInfo;
  if (typeof base !== 'string' || base === '') return null;
  const url = `${base.replace(/\/+$/, '')}/${certId}`;
  const left = Math.max(1, deadline - Date.now());
  const res = await getWithTimeout(url, caPem, left);
  const retryAfterSeconds = clampRetryAfter(parseRetryAfter(res.headers['retry-after']));
  if (res.status !== 200) {
    throw new AcmeFailure('ca-error', `GET ${url}: HTTP ${res.status}`, {
      httpStatus: res.status,
      retryAfterSeconds,
    });
  }
  const body = parseJson(res.body, `GET ${url}`, res.status) as {
    suggestedWindow?: { start?: unknown; end?: unknown };
    explanationURL?: unknown;
  };
  const start = parseTime(body?.suggestedWindow?.start);
  const end = parseTime(body?.suggestedWindow?.end);
  if (!start || !end) {
    throw new AcmeFailure('ca-error', `GET ${url}: renewalInfo without a readable suggestedWindow`, {
      retryAfterSeconds,
    });
  }
  if (end.getTime() <= start.getTime()) {
    throw new AcmeFailure(
      'ca-error',
      `GET ${url}: invalid suggestedWindow (end ${end.toISOString()} is not after start ${start.toISOString()})`,
      { retryAfterSeconds },
    );
  }
  return {
    windowStart: start,
    windowEnd: end,
    ...(typeof body.explanationURL === 'string' ? { explanationURL: body.explanationURL } : {}),
    retryAfterSeconds,
  };
}

/**
 * A uniformly random instant in [start, end) (RFC 9773 section 4.2): spreads the renewals of many
 * hosts over the window the CA chose. When it is already past, the caller renews now.
 */
export function pickRenewalTime(
  windowStart: Date,
  windowEnd: Date,
  random: () => number = Math.random,
): Date {
  const span = Math.max(0, windowEnd.getTime() - windowStart.getTime());
  return new Date(windowStart.getTime() + Math.floor(Math.min(Math.max(random(), 0), 0.999999999) * span));
}

function parseTime(v: unknown): Date | undefined {
  if (typeof v !== 'string') return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function parseJson(text: string, what: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AcmeFailure('ca-error', `${what}: HTTP ${status}, invalid JSON in the answer`, {
      httpStatus: status,
    });
  }
}
