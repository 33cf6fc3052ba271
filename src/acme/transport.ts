/**
 * The HTTP layer of one ACME order. acme-client's own layer (a shared axios instance) has no
 * timeout, retries a refused connection for 75 s, reuses a spent nonce after 429/5xx (badNonce,
 * upstream #103) and replaces every network error by "TypeError: ... reading 'config'" (upstream
 * #101). This layer replaces it for our client instance only: explicit connect and request
 * timeouts, a total deadline, bounded retries, fresh nonces, and errors that keep their real cause.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { acmeUrlProblem } from '../config/field-checks.ts';
import { cleanText } from '../output/sanitize.ts';
import { DeadlineExceeded, sleep } from './budget.ts';
import { networkFailure, oneLine, problemFailure } from './classify.ts';
import { type AcmeBudget, AcmeFailure } from './types.ts';

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  data: unknown;
}

/** Answers above this size are not an ACME resource (a chain is a few KiB). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

class ConnectTimeout extends Error {
  code = 'ETIMEDOUT';
}

export class Transport {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent: http.Agent;
  private readonly connected = new WeakSet<Socket>();
  private readonly log: (level: 'info' | 'warning' | 'err', text: string) => void;
  /** Requests sent, for logs and tests. */
  requests = 0;
  /** badNonce answers retried (a CA rejects some nonces at random: RFC 8555 section 6.5). */
  badNonceRetries = 0;

  constructor(
    private readonly budget: AcmeBudget,
    private readonly deadline: AbortSignal,
    caPem: string | undefined,
    log: (level: 'info' | 'warning' | 'err', text: string) => void = () => {},
  ) {
    // Log lines quote the CA (problem details): escape control characters before anyone sees them.
    this.log = (level, text) => log(level, cleanText(text));
    // keepAlive: one order is ~10 requests to the same host; one TLS handshake serves them all.
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4, ...(caPem ? { ca: caPem } : {}) });
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  }

  get maxAttempts(): number {
    return this.budget.maxAttempts;
  }

  /** Closes kept-alive connections so the process can exit at once. */
  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }

  private readonly startedAt = Date.now();

  /** The whole budget, for messages: "timed out after 30s (time budget)". */
  private budgetSeconds(): string {
    return `${Math.max(0, Math.round((this.budget.deadlineMs - this.startedAt) / 1000))}s`;
  }

  /** Throws the "timed out" failure when the total budget is spent. */
  checkDeadline(what: string): void {
    if (this.deadline.aborted || Date.now() >= this.budget.deadlineMs) {
      throw new AcmeFailure(
        'ca-unreachable',
        `${what}: timed out after ${this.budgetSeconds()} (time budget)`,
      );
    }
  }

  /** Maps a wait interrupted by the deadline to the "timed out" failure; passes others through. */
  deadlineFailure(err: unknown, what: string): unknown {
    if (err instanceof DeadlineExceeded || (this.deadline.aborted && !(err instanceof AcmeFailure))) {
      return new AcmeFailure(
        'ca-unreachable',
        `${what}: timed out after ${this.budgetSeconds()} (time budget)`,
      );
    }
    return err;
  }

  /** Sleeps for a retry, unless that would pass the deadline (then the caller gives up now). */
  async backoff(attempt: number, retryAfterSeconds: number | undefined): Promise<boolean> {
    const delay =
      retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : Math.min(4000, 250 * 2 ** (attempt - 1));
    if (Date.now() + delay >= this.budget.deadlineMs) return false;
    await sleep(delay, this.deadline);
    return true;
  }

  /**
   * One HTTP exchange, no retry. Network errors throw AcmeFailure (ca-unreachable) with the cause;
   * HTTP error statuses are returned for the caller to judge.
   */
  async send(url: string, method: string, body?: unknown): Promise<HttpResponse> {
    const what = `${method.toUpperCase()} ${url}`;
    this.checkDeadline(what);
    const left = this.budget.deadlineMs - Date.now();
    const timeoutMs = Math.min(this.budget.requestTimeoutMs, left);
    // When the request timer is the budget's remainder, it and the deadline fire together and
    // either may win the race: a timeout then means the budget ran out, and says so.
    const budgetBound = left <= this.budget.requestTimeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const signal = AbortSignal.any([this.deadline, timeout.signal]);
    this.requests++;
    try {
      return await this.exchange(url, method, body, signal);
    } catch (err) {
      if (this.deadline.aborted || (budgetBound && timeout.signal.aborted)) {
        throw new AcmeFailure(
          'ca-unreachable',
          `${what}: timed out after ${this.budgetSeconds()} (time budget)`,
          {
            cause: err,
          },
        );
      }
      if (err instanceof AcmeFailure) throw err;
      throw networkFailure(err, { url, method, timedOut: timeout.signal.aborted, timeoutMs });
    } finally {
      clearTimeout(timer);
    }
  }

  /** GET/HEAD with bounded retries on connection errors and 5xx; any final HTTP error throws. */
  async idempotent(url: string, method: 'get' | 'head'): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      let failure: AcmeFailure;
      try {
        const resp = await this.send(url, method);
        if (resp.status < 400) return resp;
        failure = problemFailure(resp.status, resp.headers, resp.data, `${method.toUpperCase()} ${url}`);
        if (resp.status < 500) throw failure;
      } catch (err) {
        if (!(err instanceof AcmeFailure) || !isRetryable(err)) throw err;
        failure = err;
      }
      if (attempt >= this.budget.maxAttempts || !(await this.backoffOrGiveUp(attempt, failure)))
        throw failure;
    }
  }

  /** Sleeps before a retry; false when a retry no longer fits in the budget. */
  async backoffOrGiveUp(attempt: number, failure: AcmeFailure): Promise<boolean> {
    try {
      const retry = await this.backoff(attempt, failure.retryAfterSeconds);
      if (retry)
        this.log('warning', `retrying (${attempt + 1}/${this.budget.maxAttempts}) after: ${failure.message}`);
      return retry;
    } catch (err) {
      throw this.deadlineFailure(err, failure.message);
    }
  }

  private exchange(url: string, method: string, body: unknown, signal: AbortSignal): Promise<HttpResponse> {
    // Every URL, the configured directory and each one the CA hands out (nonce, account, order,
    // certificate): a directory naming http:// URLs must not get signed requests in clear.
    const refused = acmeUrlProblem(url);
    if (refused) {
      return Promise.reject(new AcmeFailure('ca-error', `refusing ${method.toUpperCase()} ${refused}`));
    }
    const u = new URL(url);
    const isTls = u.protocol === 'https:';
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = (isTls ? https : http).request(
        u,
        {
          method: method.toUpperCase(),
          agent: isTls ? this.httpsAgent : this.httpAgent,
          signal,
          headers: {
            'user-agent': 'certguard',
            accept: 'application/json, application/pem-certificate-chain, */*',
            ...(payload ? { 'content-type': 'application/jose+json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) {
              req.destroy(
                new AcmeFailure('ca-error', `${method.toUpperCase()} ${url}: answer larger than 2 MiB`),
              );
              return;
            }
            chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            try {
              resolve(
                toResponse(res, Buffer.concat(chunks).toString('utf8'), `${method.toUpperCase()} ${url}`),
              );
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on('socket', (socket: Socket) =>
        this.armConnectTimeout(req, socket, isTls, `${u.hostname}:${u.port}`),
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A server that accepts TCP but never completes TLS (or never accepts) would otherwise hold the
   * request for the whole request timeout; the connect timeout names the failure precisely.
   */
  private armConnectTimeout(req: http.ClientRequest, socket: Socket, isTls: boolean, where: string): void {
    if (this.connected.has(socket)) return;
    const ms = this.budget.connectTimeoutMs;
    const timer = setTimeout(() => {
      const phase = isTls && !socket.connecting ? 'TLS handshake' : 'connect';
      req.destroy(new ConnectTimeout(`${phase} to ${where} timed out after ${(ms / 1000).toFixed(1)}s`));
    }, ms);
    const done = () => {
      this.connected.add(socket);
      clearTimeout(timer);
    };
    socket.once(isTls ? 'secureConnect' : 'connect', done);
    socket.once('close', () => clearTimeout(timer));
  }
}

function toResponse(res: http.IncomingMessage, text: string, what: string): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  const status = res.statusCode ?? 0;
  const type = headers['content-type'] ?? '';
  let data: unknown = text;
  if (/json/i.test(type) && text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new AcmeFailure(
        'ca-error',
        `${what}: HTTP ${status}, invalid JSON in the answer: ${oneLine(text, 60)}`,
        {
          httpStatus: status,
        },
      );
    }
  }
  return { status, headers, data };
}

/** Worth another try: the connection failed before an answer (not a timeout), or the CA said 5xx. */
export function isRetryable(f: AcmeFailure): boolean {
  if (f.httpStatus !== undefined) return f.httpStatus >= 500;
  return f.failureClass === 'ca-unreachable' && !/timed out/.test(f.message);
}
