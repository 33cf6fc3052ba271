import type { Finding, ReasonCode, WarningCode } from '../cert/reasons.ts';
import type { Verdict } from '../cert/verdict.ts';
import type { AriState, FailureClass, StateRead } from '../store/state.ts';

/**
 * One certificate's state, worst first. Precedence (the first that applies wins):
 *
 * 1. `missing`         no certificate file at all (never issued, or deleted): nothing to serve.
 * 2. `unusable`        a certificate exists but the verdict rejects it (`reasons` say why).
 * 3. `placeholder`     usable only as certguard's self-signed stand-in: clients will not trust it.
 *                      Ranked above renewal-failing because "no real certificate" is the bigger
 *                      news; a failing first issuance still shows in the last-attempt fields.
 * 4. `renewal-failing` usable, but the most recent renewal attempt failed: the window until
 *                      `notAfter` is how long the problem can stay unfixed.
 * 5. `renewal-due`     usable, renewal time reached, no failure recorded (yet).
 * 6. `ok`              usable and not due.
 */
export type StatusState = 'missing' | 'unusable' | 'placeholder' | 'renewal-failing' | 'renewal-due' | 'ok';
export const STATUS_STATES: readonly StatusState[] = [
  'missing',
  'unusable',
  'placeholder',
  'renewal-failing',
  'renewal-due',
  'ok',
];

/**
 * A status row: the `--json` element and the source of the table and the metrics. Field names are
 * a documented, stable interface (docs/status.md). Times are ISO 8601 UTC strings or null.
 */
export interface StatusRow {
  name: string;
  state: StatusState;
  /** The preflight's answer: `certguard check` on the same files agrees. */
  usable: boolean;
  reasons: Finding<ReasonCode>[];
  warnings: Finding<WarningCode>[];
  notBefore: string | null;
  notAfter: string | null;
  remainingSeconds: number | null;
  /** When renewal becomes (or became) due: the earlier of the lifetime rule and a stored ARI time. */
  renewAt: string | null;
  renewalDue: boolean;
  placeholder: boolean;
  domains: string[];
  issuer: string | null;
  serial: string | null;
  fingerprint256: string | null;
  /** The last renewal attempt failed (and nothing succeeded since). */
  renewalFailing: boolean;
  lastAttempt: string | null;
  lastSuccess: string | null;
  lastError: { class: FailureClass; message: string; at: string } | null;
  consecutiveFailures: number;
  /** Backoff from the state file: renew does not contact the CA before this. */
  nextAttemptNotBefore: string | null;
  /**
   * When renew will next try: the later of `renewAt` and `nextAttemptNotBefore`. A time in the
   * past means "at the next run" (the timer decides when that is).
   */
  nextAttempt: string | null;
  /** The state file could not be read (corrupt, unreadable): reported, never fatal. */
  stateProblem: string | null;
  /** Whether a state file exists: false means certguard never tried to renew this certificate. */
  stateFileExists: boolean;
  /** Path of the state file, when known. */
  stateFile: string | null;
}

/**
 * Builds the row from the verdict and the state file. Pure: the same inputs and clock give the
 * same row, so table, JSON and metrics never disagree.
 */
export function statusRow(
  verdict: Verdict,
  stateRead: StateRead,
  now: Date,
  stateFile: string | null = null,
): StatusRow {
  const state = stateRead.ok ? stateRead.state : null;
  const lastError = state?.lastError ?? null;
  const lastSuccess = state?.lastSuccess ?? null;
  const renewalFailing =
    state !== null &&
    (lastError !== null
      ? lastSuccess === null || time(lastError.at) >= time(lastSuccess)
      : state.consecutiveFailures > 0);

  const renewAt = earliest(verdict.renewAt, usableAri(state?.ari ?? null, verdict));
  const renewalDue = verdict.renewalDue || (renewAt !== null && time(renewAt) <= now.getTime());
  const nextAttemptNotBefore = state?.nextAttemptNotBefore ?? null;
  // A certificate that is missing or unusable is due now; otherwise renewal starts at renewAt.
  const dueFrom = verdict.usable && !verdict.placeholder ? renewAt : now.toISOString();
  const nextAttempt = latest(dueFrom, nextAttemptNotBefore);

  return {
    name: verdict.name,
    state: decideState(verdict, renewalFailing, renewalDue),
    usable: verdict.usable,
    reasons: verdict.reasons,
    warnings: verdict.warnings,
    notBefore: verdict.notBefore,
    notAfter: verdict.notAfter,
    remainingSeconds: verdict.remainingSeconds,
    renewAt,
    renewalDue,
    placeholder: verdict.placeholder,
    domains: verdict.domains,
    issuer: verdict.issuer,
    serial: verdict.serial,
    fingerprint256: verdict.fingerprint256,
    renewalFailing,
    lastAttempt: state?.lastAttempt ?? null,
    lastSuccess,
    lastError,
    consecutiveFailures: state?.consecutiveFailures ?? 0,
    nextAttemptNotBefore,
    nextAttempt,
    stateProblem: stateRead.ok ? null : stateRead.problem,
    stateFileExists: stateRead.ok ? stateRead.exists : true,
    stateFile,
  };
}

function decideState(v: Verdict, renewalFailing: boolean, renewalDue: boolean): StatusState {
  // No certificate could be read because its file does not exist (a missing key alone is unusable).
  if (v.notAfter === null && v.reasons.some((r) => r.code === 'missing')) return 'missing';
  if (!v.usable) return 'unusable';
  if (v.placeholder) return 'placeholder';
  if (renewalFailing) return 'renewal-failing';
  if (renewalDue) return 'renewal-due';
  return 'ok';
}

/**
 * An ARI time only applies to the certificate it was fetched for. The certID's second half is the
 * certificate's serial, so a time left over from the previous certificate is ignored.
 */
function usableAri(ari: AriState | null, v: Verdict): string | null {
  if (!ari?.renewAt || !v.serial || Number.isNaN(time(ari.renewAt))) return null;
  return serialOfCertId(ari.certId) === stripZeros(v.serial.toUpperCase()) ? ari.renewAt : null;
}

/** RFC 9773: certID = base64url(AKI) "." base64url(serial DER bytes); compare without leading zeros. */
export function serialOfCertId(certId: string | undefined): string | null {
  const part = certId?.split('.')[1];
  if (!part) return null;
  return stripZeros(Buffer.from(part, 'base64url').toString('hex').toUpperCase());
}

function stripZeros(hex: string): string {
  return hex.replace(/^0+/, '');
}

function time(iso: string): number {
  return new Date(iso).getTime();
}

function earliest(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  return time(a) <= time(b) ? a : b;
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  return time(a) >= time(b) ? a : b;
}
