import type { AcmeInspection } from '../check/security-acme.ts';
import type { CertSettings } from '../config/settings.ts';
import { backoffUntil } from '../renew/backoff.ts';
import { type DueReason, decideRenewal } from '../renew/decide.ts';
import type { RenewalState } from '../store/state.ts';

/**
 * Should the renewal unit's command (lego, as security.acme or certbot runs it) run now? Pure: the
 * inspection of the installed files and the remembered state decide, with no network, so that a
 * certificate that is not due never reaches a CA. systemd's ExecCondition= convention is applied
 * by the CLI: run = exit 0, skip = exit 1.
 */
export interface ConditionDecision {
  run: boolean;
  /** Why it runs (due reasons), empty when skipped. */
  reasons: DueReason[];
  /** Skipped: when the local rules (or ARI) make it due. */
  dueAt: Date | null;
  /** Skipped although due: a recent failure, the CA is left alone until then. */
  backoffUntil: Date | null;
}

export function decideCondition(
  settings: CertSettings,
  inspection: AcmeInspection,
  state: RenewalState,
  now: Date,
): ConditionDecision {
  const { verdict } = inspection;
  // renew's own due decision: missing, unusable, placeholder, window, names, key type, ARI.
  const due = decideRenewal({
    verdict,
    domains: settings.domains,
    keyType: settings.keyType,
    // The other client chooses the profile and issued the certificate: nothing of ours to compare.
    profile: undefined,
    issued: null,
    ari: settings.ari ? state.ari : null,
    force: false,
    now,
  });
  const reasons = [...due.reasons];
  if (inspection.domainHashChanged && !reasons.some((r) => r.code === 'names-changed')) {
    reasons.push({ code: 'names-changed', message: inspection.domainHashChanged });
  }
  if (reasons.length === 0) return { run: false, reasons, dueAt: due.dueAt, backoffUntil: null };
  // After a failure the CA is left alone for a while, but only while the certificate being served
  // is real and usable: without one, every chance to get one is taken (as security.acme does).
  const until =
    verdict.usable && !verdict.placeholder ? backoffUntil(state, now, verdict.remainingSeconds) : undefined;
  if (until) return { run: false, reasons: [], dueAt: now, backoffUntil: until };
  return { run: true, reasons, dueAt: null, backoffUntil: null };
}
