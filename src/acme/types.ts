import type { Challenge, KeyType } from '../config/settings.ts';
import type { FailureClass } from '../store/state.ts';

/**
 * Time limits of one renewal's network work. acme-client alone has no timeout and retries a
 * refused connection for 75 s; these bounds make "CA unreachable" a quick, certain answer.
 */
export interface AcmeBudget {
  /** Epoch ms: everything (every request, retry, challenge wait, hook) must end by then. */
  deadlineMs: number;
  /** Limit of one HTTP request, connect included. */
  requestTimeoutMs: number;
  /** Limit of establishing one TCP (+TLS) connection. */
  connectTimeoutMs: number;
  /** Tries per request (1 = no retry) for retryable failures (5xx, badNonce, connection errors). */
  maxAttempts: number;
}

export interface OrderRequest {
  server: string;
  email?: string;
  /** PEM file of CAs to trust for the ACME server's HTTPS (private CAs, pebble). */
  caBundle?: string;
  domains: string[];
  keyType: KeyType;
  challenge: Challenge;
  /** External Account Binding; the HMAC key (base64url) is read by the caller from a file or credential. */
  eab?: { kid: string; hmacKey: string };
  /** `<stateDirectory>/accounts`; the per-(server, email) subpath is chosen here. */
  accountDir: string;
  /** ARI certID (RFC 9773) of the certificate this order replaces. */
  replaces?: string;
  /** Keep this private key instead of generating a new one. */
  reuseKeyPem?: string;
  /** ACME profile (draft-ietf-acme-profiles): sent only if the directory's meta.profiles offers it. */
  profile?: string;
  budget: AcmeBudget;
  log: (level: 'info' | 'warning' | 'err', text: string) => void;
}

export interface Issued {
  /** The leaf certificate only (PEM). */
  certPem: string;
  /** The issuers (PEM), leaf excluded. */
  chainPem: string;
  /** PKCS#8 PEM of the certificate's private key. */
  keyPem: string;
}

/** A renewal failure with its class and its real cause in a one-line message. */
export class AcmeFailure extends Error {
  override name = 'AcmeFailure';
  failureClass: FailureClass;
  retryAfterSeconds?: number;
  httpStatus?: number;
  problemType?: string;

  constructor(
    failureClass: FailureClass,
    message: string,
    extra: { retryAfterSeconds?: number; httpStatus?: number; problemType?: string; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.failureClass = failureClass;
    if (extra.retryAfterSeconds !== undefined) this.retryAfterSeconds = extra.retryAfterSeconds;
    if (extra.httpStatus !== undefined) this.httpStatus = extra.httpStatus;
    if (extra.problemType !== undefined) this.problemType = extra.problemType;
  }
}

export interface RenewalWindow {
  windowStart: Date;
  windowEnd: Date;
  explanationURL?: string;
  /** Seconds until the CA may be asked again, clamped to 60..86400. */
  retryAfterSeconds: number;
}
