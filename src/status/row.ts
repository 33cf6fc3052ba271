import type { Finding, ReasonCode, WarningCode } from '../cert/reasons.ts';
import type { Verdict } from '../cert/verdict.ts';
import type { KeyType } from '../config/settings.ts';
import { ariFor, type DueReason, decideRenewal } from '../renew/decide.ts';
import type { FailureClass, StateRead } from '../store/state.ts';
import { badStateFields } from './state-shape.ts';

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
 * 5. `renewal-due`     usable, and renew would renew at its next run (renewal time or ARI window
 *                      reached, names or key type changed in the settings); no failure recorded.
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
  /** renew would renew at its next run (its decision without --force); `dueReasons` say why. */
  renewalDue: boolean;
  dueReasons: DueReason[];
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
  /** Another client renews it (companion mode: "security.acme", "lego", "certbot"); null: certguard. */
  issuedBy: string | null;
}

/** What the row needs besides the verdict and state: the settings renew judges the certificate by. */
export interface RowContext {
  /** Path of the state file, shown in --json and stripped from the table's message. */
  stateFile?: string | null;
  /** Configured names and key type: a certificate that differs is due (renew re-issues it). */
  domains?: string[];
  keyType?: KeyType;
  /** Configured ACME profile (null: none); undefined: not known, the profile is not judged. */
  profile?: string | null;
  /** `ari: false` in the config: renew ignores the remembered ARI window, and so does status. */
  ari?: boolean;
  issuedBy?: string | null;
  /** Due reasons only the caller can see (companion mode: lego's domain hash changed). */
  extraDueReasons?: DueReason[];
}

/**
 * Builds the row from the verdict and the state file. Pure: the same inputs and clock give the
 * same row, so table, JSON and metrics never disagree. "Due" is renew's own decision
 * (decideRenewal, without --force), so status never calls due what renew would skip, or the reverse.
 */
export function statusRow(verdict: Verdict, read: StateRead, now: Date, ctx: RowContext = {}): StatusRow {
  const stateRead = checkShape(read, ctx.stateFile ?? null);
  const state = stateRead.ok ? stateRead.state : null;
  const lastError = state?.lastError ?? null;
  const lastSuccess = state?.lastSuccess ?? null;
  const renewalFailing =
    state !== null &&
    (lastError !== null
      ? lastSuccess === null || time(lastError.at) >= time(lastSuccess)
      : state.consecutiveFailures > 0);

  const ari = ctx.ari === false ? null : ariFor(state?.ari ?? null, verdict.serial);
  const decision = decideRenewal({
    verdict,
    domains: ctx.domains ?? [],
    keyType: ctx.keyType ?? ((verdict.keyType ?? 'ec256') as KeyType),
    profile: ctx.profile ?? undefined,
    issued: ctx.profile === undefined ? null : (state?.issued ?? null),
    ari,
    force: false,
    now,
  });
  const extra = ctx.extraDueReasons ?? [];
  const due = decision.due || extra.length > 0;
  const dueReasons = [...decision.reasons, ...extra];
  const renewAt = earliest(verdict.renewAt, ari?.renewAt ?? null);
  const nextAttemptNotBefore = state?.nextAttemptNotBefore ?? null;
  // Due means "at the next run"; otherwise renew starts trying at dueAt. Backoff can postpone both.
  const dueFrom = due ? now.toISOString() : (decision.dueAt?.toISOString() ?? null);
  const nextAttempt = latest(dueFrom, nextAttemptNotBefore);

  return {
    name: verdict.name,
    state: decideState(verdict, renewalFailing, due),
    usable: verdict.usable,
    reasons: verdict.reasons,
    warnings: verdict.warnings,
    notBefore: verdict.notBefore,
    notAfter: verdict.notAfter,
    remainingSeconds: verdict.remainingSeconds,
    renewAt,
    renewalDue: due,
    dueReasons,
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
    stateFile: ctx.stateFile ?? null,
    issuedBy: ctx.issuedBy ?? null,
  };
}

/** A state file with fields of the wrong type is reported like a corrupt one, never trusted. */
function checkShape(read: StateRead, stateFile: string | null): StateRead {
  if (!read.ok) return read;
  const bad = read.dropped?.length ? read.dropped : badStateFields(read.state);
  if (bad.length === 0) return read;
  return { ok: false, problem: `${stateFile ?? 'state file'}: unexpected value for ${bad.join(', ')}` };
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
