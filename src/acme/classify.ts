import { AcmeFailure } from './types.ts';

/** Retry-After (RFC 9110): delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Makes any thrown value one line (problem details and stderr may carry newlines). */
export function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/**
 * The real cause of a failed connection (refused, DNS, timeout, TLS), as Node reports it, e.g.
 * "connect ECONNREFUSED 127.0.0.1:14000". acme-client would turn all of these into
 * "TypeError: Cannot read properties of undefined (reading 'config')".
 */
export function describeNetworkError(err: unknown): string {
  const e = innermost(err) as NodeJS.ErrnoException & { reason?: string };
  const message = typeof e?.message === 'string' && e.message ? e.message : String(err);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === 'ECONNRESET' && /socket hang up/i.test(message)) {
    return 'connection closed by the server before an answer (ECONNRESET)';
  }
  return oneLine(code && !message.includes(code) ? `${message} (${code})` : message);
}

/** Node and axios wrap errors; the innermost cause carries the code and the address. */
function innermost(err: unknown): unknown {
  let cur = err as { cause?: unknown } | undefined;
  for (
    let i = 0;
    i < 5 && cur && typeof cur === 'object' && cur.cause && typeof cur.cause === 'object';
    i++
  ) {
    cur = cur.cause as { cause?: unknown };
  }
  return cur;
}

export function networkFailure(
  err: unknown,
  ctx: { url: string; method?: string; timedOut?: boolean; timeoutMs?: number },
): AcmeFailure {
  if (err instanceof AcmeFailure) return err;
  const what = `${(ctx.method ?? 'GET').toUpperCase()} ${ctx.url}`;
  if (ctx.timedOut) {
    const secs = ((ctx.timeoutMs ?? 0) / 1000).toFixed(ctx.timeoutMs && ctx.timeoutMs < 10_000 ? 1 : 0);
    return new AcmeFailure('ca-unreachable', `${what}: timed out after ${secs}s`, { cause: err });
  }
  return new AcmeFailure('ca-unreachable', `${what}: ${describeNetworkError(err)}`, { cause: err });
}

export interface ProblemDocument {
  type?: string;
  detail?: string;
  status?: number;
  subproblems?: { type?: string; detail?: string; identifier?: { value?: string } }[];
}

const ACME_ERR = 'urn:ietf:params:acme:error:';

/** Short problem type for messages: "rateLimited" rather than the whole URN. */
export function shortType(type: string | undefined): string {
  if (!type) return 'unknown';
  return type.startsWith(ACME_ERR) ? type.slice(ACME_ERR.length) : type;
}

/**
 * An HTTP error answer of the CA (an RFC 7807 problem document, or anything else) as a failure:
 * 429 / rateLimited -> rate-limited with Retry-After; everything else -> ca-error with the problem
 * type, HTTP status and detail, so the administrator sees what the CA said.
 */
export function problemFailure(
  status: number,
  headers: Record<string, unknown>,
  data: unknown,
  what: string,
): AcmeFailure {
  const problem = (data && typeof data === 'object' ? data : {}) as ProblemDocument;
  const type = typeof problem.type === 'string' ? problem.type : undefined;
  const retryAfterSeconds = parseRetryAfter(headers['retry-after']);
  const detail =
    typeof problem.detail === 'string'
      ? problem.detail
      : typeof data === 'string' && data.trim()
        ? data.trim().slice(0, 200)
        : '';
  const sub = (problem.subproblems ?? [])
    .map((s) => `${s.identifier?.value ?? '?'}: ${s.detail ?? shortType(s.type)}`)
    .join('; ');
  const text = oneLine(
    `${what}: HTTP ${status}${type ? ` ${shortType(type)}` : ''}${detail ? `: ${detail}` : ''}${sub ? ` (${sub})` : ''}` +
      (retryAfterSeconds !== undefined ? ` (Retry-After ${retryAfterSeconds}s)` : ''),
  );
  const extra = {
    httpStatus: status,
    ...(type ? { problemType: type } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
  if (status === 429 || type === `${ACME_ERR}rateLimited`)
    return new AcmeFailure('rate-limited', text, extra);
  return new AcmeFailure('ca-error', text, extra);
}

/** A local file or process problem (webroot, account directory) with its errno code. */
export function ioFailure(what: string, err: unknown): AcmeFailure {
  const e = err as NodeJS.ErrnoException;
  return new AcmeFailure('local-io', `${what}: ${e.code ?? e.message ?? String(err)}`, { cause: err });
}
