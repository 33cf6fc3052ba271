/**
 * Builds an acme-client Client whose HTTP goes through our Transport. acme-client is loaded here,
 * lazily (dynamic import), so the preflight and a renew run that is not due never load it (nor
 * axios and node-forge behind it), and nothing connects at import time.
 */
import type * as AcmeClient from 'acme-client';
import { problemFailure } from './classify.ts';
import { type HttpResponse, isRetryable, type Transport } from './transport.ts';
import { AcmeFailure } from './types.ts';

export type AcmeModule = typeof AcmeClient;

/**
 * The parts of acme-client 5.4.0's internal HttpClient we rely on (not in its public types).
 * package.json pins acme-client to exactly 5.4.0 for this reason: re-run test/acme before bumping.
 */
interface HttpClientInternals {
  directoryUrl: string;
  externalAccountBinding?: { kid?: string; hmacKey?: string };
  request(url: string, method: string, opts?: { data?: unknown }): Promise<HttpResponse>;
  signedRequest(
    url: string,
    payload: Record<string, unknown> | null,
    opts?: { kid?: string | null; nonce?: string | null; includeExternalAccountBinding?: boolean },
  ): Promise<HttpResponse>;
  getDirectory(): Promise<Record<string, unknown>>;
  getResourceUrl(resource: string): Promise<string>;
  getJwk(): Record<string, string>;
  createSignedBody(url: string, payload: unknown, opts: { nonce: string; kid: string | null }): unknown;
  createSignedHmacBody(hmacKey: string, url: string, payload: unknown, opts: { kid: string }): unknown;
}

interface ApiInternals {
  http: HttpClientInternals;
  apiRequest(url: string, payload: unknown, validStatusCodes?: number[]): Promise<HttpResponse>;
  getAccountUrl(): string;
}

export type Client = AcmeClient.Client & { api: ApiInternals; http: HttpClientInternals };

export async function loadAcmeClient(): Promise<AcmeModule> {
  const mod = (await import('acme-client')) as AcmeModule & { default?: AcmeModule };
  return mod.default ?? mod;
}

const BAD_NONCE = 'urn:ietf:params:acme:error:badNonce';
/** RFC 8555 6.5: retry badNonce with the fresh nonce; a CA that keeps refusing is broken. */
const MAX_BAD_NONCE_RETRIES = 5;

export function makeClient(
  acme: AcmeModule,
  opts: { directoryUrl: string; accountKeyPem: string; eab?: { kid: string; hmacKey: string } },
  transport: Transport,
): Client {
  const client = new acme.Client({
    directoryUrl: opts.directoryUrl,
    accountKey: opts.accountKeyPem,
    ...(opts.eab ? { externalAccountBinding: opts.eab } : {}),
  }) as Client;
  const h = client.http;
  let nextNonce: string | undefined;

  const remember = (resp: HttpResponse) => {
    const n = resp.headers['replay-nonce'];
    if (n) nextNonce = n;
  };

  h.request = async (url, method, reqOpts = {}) => {
    const m = method.toLowerCase();
    const resp =
      m === 'get' || m === 'head'
        ? await transport.idempotent(url, m)
        : await transport.send(url, m, reqOpts.data);
    remember(resp);
    return resp;
  };

  const freshNonce = async (): Promise<string> => {
    if (nextNonce) {
      const n = nextNonce;
      nextNonce = undefined;
      return n;
    }
    const resp = await transport.idempotent(await h.getResourceUrl('newNonce'), 'head');
    const n = resp.headers['replay-nonce'];
    if (!n) throw new AcmeFailure('ca-error', 'the CA answered newNonce without a Replay-Nonce header');
    return n;
  };

  // Every signed request gets a fresh nonce per attempt: acme-client would resend the spent one
  // after 429/5xx and earn badNonce. 5xx and failed connections are retried within the budget.
  h.signedRequest = async (url, payload, { kid = null, includeExternalAccountBinding = false } = {}) => {
    let badNonces = 0;
    for (let attempt = 1; ; ) {
      const body: Record<string, unknown> | null = payload ? { ...payload } : null;
      if (includeExternalAccountBinding && body && opts.eab) {
        body.externalAccountBinding = h.createSignedHmacBody(opts.eab.hmacKey, url, h.getJwk(), {
          kid: opts.eab.kid,
        });
      }
      let failure: AcmeFailure;
      try {
        const nonce = await freshNonce();
        const resp = await transport.send(url, 'post', h.createSignedBody(url, body, { nonce, kid }));
        remember(resp);
        if (resp.status < 400) return resp;
        failure = problemFailure(resp.status, resp.headers, resp.data, `POST ${url}`);
        if (failure.problemType === BAD_NONCE && badNonces < MAX_BAD_NONCE_RETRIES) {
          badNonces++;
          transport.badNonceRetries++;
          transport.checkDeadline(failure.message);
          continue;
        }
        if (resp.status < 500) throw failure;
      } catch (err) {
        if (!(err instanceof AcmeFailure) || !isRetryable(err)) throw err;
        failure = err;
      }
      if (attempt >= transport.maxAttempts || !(await transport.backoffOrGiveUp(attempt, failure)))
        throw failure;
      attempt++;
    }
  };
  return client;
}
