import type { Verdict } from '../cert/verdict.ts';
import type { Level } from '../output/journal.ts';
import { recordFailure, recordSuccess } from '../renew/backoff.ts';
import type { RenewalState } from '../store/state.ts';
import type { ConditionDecision } from './condition.ts';
import { classifyText } from './lego-log.ts';

/**
 * What systemd tells ExecStopPost= about the run ($SERVICE_RESULT, $EXIT_CODE, $EXIT_STATUS; see
 * systemd.exec(5)). The main command never ran when the condition skipped it.
 */
export interface RunResult {
  serviceResult: string;
  exitCode: string;
  exitStatus: string;
}

/** renew's state file; companion mode also keeps failingSince and windowFallbackWarned in it. */
export type CompanionState = RenewalState;

export interface RecordResult {
  /** The new state, or undefined when there is nothing to record (the command did not run). */
  state: CompanionState | undefined;
  /** false: fail the unit (ExecStopPost exits 1): renewal failed and nothing usable is installed. */
  unitOk: boolean;
  line: { level: Level; text: string } | undefined;
}

/**
 * The outcome of one run of the renewal command, decided from what is on disk afterwards rather
 * than from the exit code alone: security.acme's script exits 0 when lego failed but more than
 * validMinDays are left, and lego exits 0 when it decided not to renew. So a run succeeded when the
 * certificate is no longer due, and failed otherwise; a failure with a usable certificate installed
 * is soft (the unit does not fail), as `certguard renew`'s exit 75 is.
 */
export function recordOutcome(
  name: string,
  state: CompanionState,
  run: RunResult,
  after: { verdict: Verdict; decision: ConditionDecision },
  errorText: string | undefined,
  now: Date,
): RecordResult {
  if (run.exitCode === '' || run.serviceResult === 'exec-condition') {
    return { state: undefined, unitOk: true, line: undefined };
  }
  const { verdict, decision } = after;
  const ran =
    run.exitCode === 'exited' ? `exited ${run.exitStatus}` : `was ${run.exitCode} (${run.exitStatus})`;
  if (run.serviceResult === 'success' && !decision.run && decision.backoffUntil === null) {
    const next = { ...recordSuccess(state, now), failingSince: null };
    const until = verdict.notAfter ? `; valid until ${verdict.notAfter}` : '';
    return { state: next, unitOk: true, line: { level: 'info', text: `${name}: renewal succeeded${until}` } };
  }
  const stillDue = decision.reasons.map((r) => r.message).join('; ');
  const exitedZero = run.exitCode === 'exited' && run.exitStatus === '0';
  const message =
    errorText ??
    (exitedZero
      ? `the renewal command exited 0 but the certificate is still due (${stillDue})`
      : `the renewal command ${ran}`);
  const failure = { class: classifyText(message), message };
  const recorded = recordFailure(state, failure, verdict.usable ? verdict.remainingSeconds : null, now);
  const failingSince =
    state.consecutiveFailures > 0 && state.failingSince ? state.failingSince : now.toISOString();
  const next: CompanionState = { ...recorded, failingSince };
  const usable = verdict.usable && !verdict.placeholder;
  if (usable) {
    return {
      state: next,
      unitOk: true,
      line: {
        level: 'warning',
        text: `${name}: WARNING: renewal failing since ${failingSince}, last error: ${message}; the installed certificate is usable until ${verdict.notAfter}, so the unit does not fail (the renewal command ${ran})`,
      },
    };
  }
  const why = verdict.placeholder
    ? 'only a placeholder is installed'
    : `the installed certificate is unusable: ${verdict.reasons.map((r) => r.message).join('; ')}`;
  return {
    state: next,
    unitOk: false,
    line: { level: 'err', text: `${name}: renewal failed and ${why}; last error: ${message}` },
  };
}
