import { statSync } from 'node:fs';
import { join } from 'node:path';
import { readBounded, readOwnFile } from '../cert/read-file.ts';
import type { ReasonCode } from '../cert/reasons.ts';
import type { Verdict } from '../cert/verdict.ts';
import { inspectCandidate, inspectCertificate } from '../check/inspect.ts';
import type { RawConfig } from '../config/config-file.ts';
import { renewFileProblems } from '../config/field-checks.ts';
import { type CertSettings, challengeKind, type GlobalSettings } from '../config/settings.ts';
import { UsageError } from '../exit-codes.ts';
import { cleanText } from '../output/sanitize.ts';
import { generationContents, installCertificate } from '../store/install.ts';
import { acquireLock, type LockHandle } from '../store/lock.ts';
import {
  droppedWarning,
  emptyState,
  type FailureClass,
  type RenewalState,
  readState,
  writeState,
} from '../store/state.ts';
import { ARI_AFTER_ISSUANCE_SECONDS, ARI_TIMEOUT_MS, ariQueryDue, refreshAri } from './ari-refresh.ts';
import { backoffUntil, recordFailure, recordSuccess } from './backoff.ts';
import { type DueDecision, type DueReason, decideRenewal } from './decide.ts';
import { readEabHmac } from './eab-secret.ts';
import { classifyFailure, RenewFailure } from './local-failure.ts';

export type LogFn = (level: 'info' | 'warning' | 'err', text: string) => void;

export interface RenewOptions {
  force: boolean;
  ari: boolean;
  /** Total time for all network work of this run (default 60 s). */
  budgetMs?: number;
  now?: Date;
  log: LogFn;
  /** How long to wait for another run holding this certificate's lock (default 5 s). */
  lockWaitMs?: number;
  /** When given and it sets `prometheusFile`, the metrics file is rewritten after the run. */
  config?: RawConfig;
}

export type RenewAction = 'not-due' | 'backoff' | 'busy' | 'renewed' | 'soft-failure' | 'hard-failure';

export interface RenewOutcome {
  exitCode: 0 | 1 | 75;
  action: RenewAction;
  /** Of the certificate installed after the run. */
  verdict: Verdict;
  failure?: { class: FailureClass; message: string; reasons?: ReasonCode[] };
  /** ISO: when renewal becomes due (not-due, renewed) or the next attempt is allowed (failures). */
  nextCheck?: string;
  /** Why renewal was due (empty when not due). */
  dueReasons: DueReason[];
  /** Reload / post-run hooks that failed after a successful install (the certificate stays). */
  hookFailures?: string[];
}

export const DEFAULT_BUDGET_MS = 60_000;
export const DEFAULT_LOCK_WAIT_MS = 5000;

export function lockPath(stateDirectory: string, name: string): string {
  return join(stateDirectory, 'locks', `${name}.lock`);
}

/**
 * One renewal run, local first: (1) read the installed certificate and the state, (2) decide with
 * no network, (3) maybe ask ARI (throttled by the state), (4) respect backoff, (5) take the lock,
 * (6) only then load the ACME client and order, (7) install atomically, (8) run hooks. A CA
 * outage with a usable certificate is a soft failure (75), never a hard one.
 */
export async function renewCertificate(
  settings: CertSettings,
  global: GlobalSettings,
  opts: RenewOptions,
): Promise<RenewOutcome> {
  try {
    return await runRenewal(settings, global, opts);
  } finally {
    if (opts.config?.prometheusFile) await refreshMetrics(opts.config, settings.name, opts.log);
  }
}

async function runRenewal(
  settings: CertSettings,
  global: GlobalSettings,
  opts: RenewOptions,
): Promise<RenewOutcome> {
  checkRenewSettings(settings);
  const clock = () => opts.now ?? new Date();
  const startedAt = Date.now();
  const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  const log = opts.log;
  // --no-ari (or `ari: false` in the config) turns off every use of ARI: query, window, `replaces`.
  const ariOn = opts.ari && settings.ari;
  // Report a corrupt state file once per run, not at each re-read.
  let corruptReported = false;
  const readStateOnce = () =>
    loadState(global, settings.name, (level, text) => {
      if (!corruptReported) log(level, text);
      corruptReported = true;
    });
  let now = clock();
  let verdict = inspectCertificate(settings, now);
  let state = readStateOnce();
  let decision = decide(settings, verdict, state, opts.force, now, ariOn);

  if (!decision.due && ariOn && ariQueryDue(state, verdict, now)) {
    checkRenewFiles(settings);
    // Write the answer only under the lock; if another run holds it, it is renewing anyway.
    const lock = await tryLock(global, settings.name, 0).catch(() => undefined);
    if (lock) {
      try {
        state = readStateOnce();
        state = await refreshAri(settings, state, now, Math.min(ARI_TIMEOUT_MS, budgetMs / 4), log);
        saveState(global, settings.name, state, log);
      } finally {
        lock.release();
      }
      decision = decide(settings, verdict, state, opts.force, now, ariOn);
    }
  }
  if (!decision.due) return notDue(verdict, decision);
  checkRenewFiles(settings);

  const blocked = opts.force ? undefined : backoffUntil(state, now, usableSeconds(verdict));
  if (blocked) return backoffOutcome(verdict, state, decision, blocked);

  let lock: LockHandle | undefined;
  try {
    lock = await tryLock(global, settings.name, opts.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
  } catch (err) {
    const failure = classifyFailure(err);
    return failed(verdict, decision, {
      ...failure,
      message: `cannot take the renewal lock: ${failure.message}`,
    });
  }
  if (!lock) {
    return { exitCode: 0, action: 'busy', verdict, dueReasons: decision.reasons };
  }
  try {
    {
      // Look again under the lock: another run may have renewed (or failed and set a backoff)
      // since we first looked, whether or not we had to wait. A certificate replaced meanwhile
      // also cancels --force: one trigger never causes two orders in a row.
      now = clock();
      const before = verdict.fingerprint256;
      verdict = inspectCertificate(settings, now);
      state = readStateOnce();
      const force = opts.force && verdict.fingerprint256 === before;
      decision = decide(settings, verdict, state, force, now, ariOn);
      if (!decision.due) return notDue(verdict, decision);
      const until = force ? undefined : backoffUntil(state, now, usableSeconds(verdict));
      if (until) return backoffOutcome(verdict, state, decision, until);
    }
    for (const r of decision.reasons) log('info', `${settings.name}: renewal due: ${r.message}`);
    const deadlineMs = startedAt + budgetMs;
    let serial: string | null;
    try {
      serial = await orderAndInstall(settings, global, verdict, deadlineMs, ariOn, log);
    } catch (err) {
      // The settings ask for what this CA cannot do (an unoffered profile): exit 2, no backoff.
      if (err instanceof UsageError) throw err;
      const failure = classifyFailure(err);
      now = clock();
      verdict = inspectCertificate(settings, now);
      state = recordFailure(state, failure, usableSeconds(verdict), now);
      saveState(global, settings.name, state, log);
      return failed(verdict, decision, failure, state.nextAttemptNotBefore ?? undefined);
    }
    now = clock();
    state = {
      ...recordSuccess(state, now),
      ariCheckNotBefore: new Date(now.getTime() + ARI_AFTER_ISSUANCE_SECONDS * 1000).toISOString(),
      issued: serial ? { serial, profile: settings.profile ?? null } : null,
    };
    saveState(global, settings.name, state, log);
    const hookFailures = await runHooksSafely(settings, log);
    verdict = inspectCertificate(settings, clock());
    return {
      exitCode: verdict.usable ? 0 : 1,
      action: 'renewed',
      verdict,
      dueReasons: decision.reasons,
      ...(verdict.renewAt ? { nextCheck: verdict.renewAt } : {}),
      ...(hookFailures.length ? { hookFailures } : {}),
    };
  } finally {
    lock.release();
  }
}

/** The network part: only reached when renewal is due, so only here is the ACME client loaded. */
async function orderAndInstall(
  settings: CertSettings,
  global: GlobalSettings,
  verdict: Verdict,
  deadlineMs: number,
  ariOn: boolean,
  log: LogFn,
): Promise<string | null> {
  const hmacKey = settings.eab ? readEabHmac(settings.eab.hmacFile) : undefined;
  const reuseKeyPem = settings.reuseKey ? existingKey(settings, verdict) : undefined;
  const { ariCertId } = await import('../acme/ari.ts');
  const current = readBounded(settings.certFile);
  // RFC 9773 `replaces`: only for a real certificate we are replacing (the ACME layer sends it
  // only when the CA advertises renewalInfo, and retries without it on alreadyReplaced).
  const replaces =
    ariOn && verdict.serial !== null && !verdict.placeholder && current.ok
      ? ariCertId(current.data.toString('latin1'))
      : undefined;
  const { obtainCertificate } = await import('../acme/order.ts');
  const remaining = deadlineMs - Date.now();
  const issued = await obtainCertificate({
    server: settings.server!,
    ...(settings.email ? { email: settings.email } : {}),
    ...(settings.caBundle ? { caBundle: settings.caBundle } : {}),
    domains: settings.domains,
    keyType: settings.keyType,
    challenge: settings.challenge!,
    ...(settings.eab && hmacKey ? { eab: { kid: settings.eab.kid, hmacKey } } : {}),
    accountDir: join(global.stateDirectory, 'accounts'),
    ...(replaces ? { replaces } : {}),
    ...(reuseKeyPem ? { reuseKeyPem } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    budget: {
      deadlineMs,
      requestTimeoutMs: Math.max(1000, Math.min(15_000, remaining / 2)),
      connectTimeoutMs: Math.max(500, Math.min(5000, remaining / 4)),
      maxAttempts: 3,
    },
    // The ACME layer's lines quote the CA: control characters escaped before anyone sees them.
    log: (level, text) => log(level, cleanText(text)),
  });
  // The new files are judged exactly as the preflight will judge them once installed: a CA that
  // answers with an expired, not-yet-valid, badly chained or too short certificate must never
  // replace a working one.
  const candidate = inspectCandidate(
    settings,
    { fullchainPem: generationContents(issued)['fullchain.pem'], keyPem: issued.keyPem },
    new Date(),
  );
  if (!candidate.usable) {
    const codes = candidate.reasons.map((r) => r.code);
    throw new RenewFailure(
      'bad-certificate',
      `the CA issued a certificate that would not be usable (${codes.join(', ')}: ${candidate.reasons.map((r) => r.message).join('; ')}); nothing was installed`,
      undefined,
      codes,
    );
  }
  try {
    installCertificate(settings.directory, issued, {
      ...(settings.group ? { group: settings.group } : {}),
      warn: (text) => log('warning', `${settings.name}: ${text}`),
    });
  } catch (err) {
    const e = err as Error;
    throw new RenewFailure('local-io', `install into ${settings.directory} failed: ${e.message}`);
  }
  // A usable candidate always has a serial (decide() read the leaf).
  const serial = candidate.serial ?? '';
  log('info', `${settings.name}: installed the new certificate (serial ${serial.toLowerCase()})`);
  return serial;
}

/**
 * `--reuse-key`: keep the installed key if it is readable and of the configured type. The key is
 * certified and installed group-readable again, so it is read without following planted links and
 * only if it is a regular file owned by us or the directory's owner (readOwnFile): anything else is refused loudly, never
 * quietly replaced by whatever a link points at.
 */
function existingKey(settings: CertSettings, verdict: Verdict): string | undefined {
  if (!settings.keyFile || verdict.keyType !== settings.keyType) return undefined;
  // Owned by us, or by the directory's owner (root installs give files the directory's owner).
  const owners = [process.getuid?.() ?? 0, ...ownerOf(settings.directory)];
  const read = readOwnFile(settings.keyFile, { owners });
  if (read.ok) return read.data.toString('utf8');
  if (read.code === 'missing') return undefined;
  throw new RenewFailure('local-io', `reuseKey: ${read.message}`);
}

function ownerOf(path: string): number[] {
  try {
    return [statSync(path).uid];
  } catch {
    return [];
  }
}

async function runHooksSafely(settings: CertSettings, log: LogFn): Promise<string[]> {
  try {
    const { runHooks } = await import('./hooks.ts');
    return await runHooks(settings, log);
  } catch (err) {
    const message = `hooks could not run: ${(err as Error).message}`;
    log('warning', `${settings.name}: WARNING: ${message}; the new certificate stays installed`);
    return [message];
  }
}

/** Renewing needs a CA, names and a challenge; say which setting is missing before any work. */
export function checkRenewSettings(settings: CertSettings): void {
  if (settings.issuedBy) {
    // Companion mode: two clients ordering the same certificate would fight over its files.
    throw new UsageError(
      `${settings.name}: issued by ${settings.issuedBy} (companion mode): that client orders and renews it, certguard only checks it (certguard companion condition ${settings.name})`,
    );
  }
  const missing: string[] = [];
  if (!settings.server) missing.push('server (--server)');
  if (settings.domains.length === 0) missing.push('domains (--domain)');
  if (!settings.challenge)
    missing.push('a challenge (--webroot, --http-listen, --tls-alpn-listen, --dns-hook or --rfc2136-server)');
  if (missing.length > 0) {
    throw new UsageError(`${settings.name}: renewing needs ${missing.join(', ')}`);
  }
  if (settings.domains.some((d) => d.startsWith('*.')) && challengeKind(settings.challenge!) !== 'dns-01') {
    throw new UsageError(
      `${settings.name}: wildcard names need the dns-01 challenge (--rfc2136-server or --dns-hook)`,
    );
  }
}

/** What the backoff rules need to know about the installed certificate. */
function usableSeconds(verdict: Verdict): number | null {
  return verdict.usable ? verdict.remainingSeconds : null;
}

/**
 * The files renew needs (DNS hook, CA bundle), checked before the first network contact of a run
 * that will talk to the CA: a missing one is a configuration error (exit 2) naming the field, not
 * an order that fails half-way and backs off. Not-due runs skip it (no cost on the timer's path).
 */
function checkRenewFiles(settings: CertSettings): void {
  const hook = settings.challenge?.type === 'dns' ? settings.challenge.hook : undefined;
  const [problem] = renewFileProblems({ dnsHook: hook, caBundle: settings.caBundle });
  if (problem) throw new UsageError(`${settings.name}: ${problem[0]}: ${problem[1]}`);
}

function decide(
  settings: CertSettings,
  verdict: Verdict,
  state: RenewalState,
  force: boolean,
  now: Date,
  ariOn: boolean,
): DueDecision {
  return decideRenewal({
    verdict,
    domains: settings.domains,
    keyType: settings.keyType,
    profile: settings.profile,
    issued: state.issued,
    ari: ariOn ? state.ari : null,
    force,
    now,
  });
}

function notDue(verdict: Verdict, decision: DueDecision): RenewOutcome {
  return {
    exitCode: 0,
    action: 'not-due',
    verdict,
    dueReasons: [],
    ...(decision.dueAt ? { nextCheck: decision.dueAt.toISOString() } : {}),
  };
}

function backoffOutcome(
  verdict: Verdict,
  state: RenewalState,
  decision: DueDecision,
  until: Date,
): RenewOutcome {
  return {
    exitCode: verdict.usable ? 75 : 1,
    action: 'backoff',
    verdict,
    dueReasons: decision.reasons,
    nextCheck: until.toISOString(),
    ...(state.lastError
      ? { failure: { class: state.lastError.class, message: state.lastError.message } }
      : {}),
  };
}

function failed(
  verdict: Verdict,
  decision: DueDecision,
  failure: { class: FailureClass; message: string; reasons?: ReasonCode[] },
  nextCheck?: string,
): RenewOutcome {
  return {
    exitCode: verdict.usable ? 75 : 1,
    action: verdict.usable ? 'soft-failure' : 'hard-failure',
    verdict,
    dueReasons: decision.reasons,
    failure: {
      class: failure.class,
      message: failure.message,
      ...(failure.reasons ? { reasons: failure.reasons } : {}),
    },
    ...(nextCheck ? { nextCheck } : {}),
  };
}

/**
 * A corrupt state file is reported and replaced, never fatal: the certificate matters more. A
 * file with some malformed fields keeps the good ones (one warning names the others).
 */
export function loadState(global: GlobalSettings, name: string, log: LogFn): RenewalState {
  const read = readState(global.stateDirectory, name);
  if (read.ok) {
    if (read.dropped) log('warning', `${name}: ${droppedWarning(global.stateDirectory, name, read.dropped)}`);
    return read.state;
  }
  log('warning', `${name}: ${read.problem}; starting with a fresh state (it will be replaced)`);
  return emptyState();
}

export function saveState(global: GlobalSettings, name: string, state: RenewalState, log: LogFn): void {
  try {
    writeState(global.stateDirectory, name, state);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    log(
      'warning',
      `${name}: WARNING: cannot write the state file in ${global.stateDirectory} (${e.code ?? e.message}); backoff and status will not know about this run`,
    );
  }
}

function tryLock(global: GlobalSettings, name: string, waitMs: number): Promise<LockHandle | undefined> {
  return acquireLock(lockPath(global.stateDirectory, name), { waitMs, pollMs: 100 });
}

/** Updates this certificate's samples (the others are re-read at most hourly: see refresh.ts). */
export async function refreshMetrics(config: RawConfig, name: string, log: LogFn): Promise<void> {
  try {
    const { refreshMetricsFile } = await import('../status/refresh.ts');
    refreshMetricsFile(config, new Date(), [name]);
  } catch (err) {
    log(
      'warning',
      `certguard: cannot update the metrics file ${config.prometheusFile}: ${(err as Error).message}`,
    );
  }
}
