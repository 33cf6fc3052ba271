import { spawnSync } from 'node:child_process';
import { inspectSecurityAcme } from '../check/security-acme.ts';
import { type ConditionDecision, decideCondition } from '../companion/condition.ts';
import { lastLegoError } from '../companion/lego-log.ts';
import { type CompanionState, recordOutcome } from '../companion/record.ts';
import { configPath, loadConfigFile, type RawConfig } from '../config/config-file.ts';
import { formatRenewBefore } from '../config/duration.ts';
import { certEntry, globalSettings, resolveCert } from '../config/resolve.ts';
import type { CertSettings, GlobalSettings } from '../config/settings.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { writeLine } from '../output/journal.ts';
import { loadState, refreshMetrics, saveState } from '../renew/renew.ts';
import { type FlagSpec, parseFlags } from './parse-flags.ts';
import { reportError } from './report-error.ts';

/** systemd's ExecCondition= convention: 0 runs the unit, 1..254 skips it, 255 fails it. */
export const CONDITION = { run: 0, skip: 1, fail: 255 } as const;

const SPEC: Record<string, FlagSpec> = {
  config: { value: true },
  'state-dir': { value: true },
  help: {},
  h: {},
};

const HELP = `certguard companion condition NAME... [--config FILE] [--state-dir DIR]
certguard companion record NAME... [--config FILE] [--state-dir DIR]

Companion mode: another ACME client (NixOS security.acme's lego, lego, certbot) renews the
certificate; certguard decides locally whether its renewal unit needs to run at all.

  condition   as ExecCondition=: exit 0 when a NAME is due (the unit runs), 1 when none is
              (the unit is skipped, no CA is contacted), 255 on a configuration error (the
              unit fails: renewal is never skipped silently)
  record      as ExecStopPost=: records the run's outcome for status ("renewal failing since
              ..., last error ...") and exits 1 only when the renewal failed and the installed
              certificate is unusable; use with SuccessExitStatus= listing the client's failure codes

Options:
  --config FILE     config file (default /etc/certguard/certguard.json, or $CERTGUARD_CONFIG)
  --state-dir DIR   state directory (default: the config's stateDirectory)

Exit codes (systemd's ExecCondition= convention for condition):
  condition  0  due: the renewal unit runs
             1  not due, or backing off after a failure: the unit is skipped
           255  configuration or usage error: the unit fails
  record     0  recorded (success, or a failure while the certificate is still usable)
             1  the renewal failed and no usable certificate is installed
             2  usage or configuration error
`;

/** `certguard companion SUBCOMMAND ...`: on the lean path (no yargs, no ACME code), as check and renew. */
export async function runCompanion(argv: readonly string[]): Promise<number> {
  const sub = argv[0];
  if (sub === 'condition') return runCondition(argv.slice(1));
  if (sub === 'record') return runRecord(argv.slice(1));
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(HELP);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  return reportError(
    new UsageError(`companion: unknown subcommand ${JSON.stringify(sub)} (condition, record)`),
  );
}

interface Target {
  config: RawConfig;
  global: GlobalSettings;
  settings: CertSettings[];
}

function resolveTargets(argv: readonly string[]): Target | 'help' {
  const { flags, positionals } = parseFlags(argv, SPEC);
  if (flags.help === true || flags.h === true) return 'help';
  if (positionals.length === 0)
    throw new UsageError('companion: give the certificate NAME(s) from the config file');
  const path = configPath(flags.config as string | undefined);
  const config = loadConfigFile(path);
  const settings = [...new Set(positionals)].map((name) =>
    resolveCert(
      name,
      [config.defaults, certEntry(config, name, `config ${path}`)],
      `config ${path}: certs.${name}`,
    ),
  );
  const global = globalSettings(config);
  if (typeof flags['state-dir'] === 'string') global.stateDirectory = flags['state-dir'];
  return { config, global, settings };
}

/**
 * Any failure of the condition itself is 255, never 1: an exception (Node's default exit 1) must
 * not read as "not due" and skip renewal forever.
 */
async function runCondition(argv: readonly string[]): Promise<number> {
  try {
    const target = resolveTargets(argv);
    if (target === 'help') {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    const now = new Date();
    let anyDue = false;
    for (const settings of target.settings) {
      if (conditionFor(settings, target.global, now)) anyDue = true;
    }
    return anyDue ? CONDITION.run : CONDITION.skip;
  } catch (err) {
    reportError(err, CONDITION.fail);
    return CONDITION.fail;
  }
}

function conditionFor(settings: CertSettings, global: GlobalSettings, now: Date): boolean {
  const inspection = inspectSecurityAcme(settings, now);
  const { verdict } = inspection;
  const state: CompanionState = loadState(global, settings.name, writeLine);
  if (inspection.windowFallback && verdict.serial !== null && state.windowFallbackWarned !== verdict.serial) {
    writeLine(
      'warning',
      `${settings.name}: WARNING: the renewal window (${formatRenewBefore(settings.renewBefore)}, validMinDays) is not shorter than the certificate's lifetime (${verdict.notBefore} to ${verdict.notAfter}): renewing whenever the timer fires would exceed the CA's duplicate-certificate limit, so certguard renews at its lifetime-relative point (${formatRenewBefore({ kind: 'auto' })} left); lower validMinDays (warned once per certificate)`,
    );
    const warned: CompanionState = { ...state, windowFallbackWarned: verdict.serial };
    saveState(global, settings.name, warned, writeLine);
  }
  const d = decideCondition(settings, inspection, state, now);
  writeLine('info', conditionLine(settings.name, d));
  return d.run;
}

function conditionLine(name: string, d: ConditionDecision): string {
  if (d.run)
    return `${name}: renewal due (${d.reasons.map((r) => r.message).join('; ')}): running the renewal command`;
  if (d.backoffUntil) {
    return `${name}: renewal due but failing: the CA is left alone until ${d.backoffUntil.toISOString()}; skipped`;
  }
  const at = d.dueAt ? ` (due from ${d.dueAt.toISOString()})` : '';
  return `${name}: not due${at}: renewal skipped, no CA contacted`;
}

async function runRecord(argv: readonly string[]): Promise<number> {
  try {
    const target = resolveTargets(argv);
    if (target === 'help') {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    const env = process.env;
    if (env.SERVICE_RESULT === undefined) {
      throw new UsageError(
        'companion record runs as ExecStopPost= of the renewal unit ($SERVICE_RESULT is not set)',
      );
    }
    const run = {
      serviceResult: env.SERVICE_RESULT,
      exitCode: env.EXIT_CODE ?? '',
      exitStatus: env.EXIT_STATUS ?? '',
    };
    if (run.exitCode === '' || run.serviceResult === 'exec-condition') return EXIT.ok;
    const now = new Date();
    // One run may renew several certificates (certbot renew): the client's output is read once.
    let errorText: string | undefined | null = null;
    let allOk = true;
    for (const settings of target.settings) {
      const state: CompanionState = loadState(target.global, settings.name, writeLine);
      const inspection = inspectSecurityAcme(settings, now);
      const decision = decideCondition(settings, inspection, state, now);
      if (errorText === null && (decision.run || run.serviceResult !== 'success')) {
        errorText = runError(env.INVOCATION_ID);
      }
      const after = { verdict: inspection.verdict, decision };
      const result = recordOutcome(settings.name, state, run, after, errorText ?? undefined, now);
      if (result.state) saveState(target.global, settings.name, result.state, writeLine);
      if (result.line) writeLine(result.line.level, result.line.text);
      await refreshMetrics(target.config, settings.name, writeLine);
      if (!result.unitOk) allOk = false;
    }
    return allOk ? EXIT.ok : EXIT.unusable;
  } catch (err) {
    return reportError(err, EXIT.unusable);
  }
}

/**
 * The renewal client's last error, from this run's journal entries. journalctl --sync first: the
 * main process's last lines may still be on their way to journald when ExecStopPost starts.
 */
function runError(invocationId: string | undefined): string | undefined {
  if (!invocationId || !/^[0-9a-f]{32}$/.test(invocationId)) return undefined;
  spawnSync('journalctl', ['--sync'], { stdio: 'ignore', timeout: 5000 });
  const r = spawnSync('journalctl', ['--no-pager', '-o', 'cat', `_SYSTEMD_INVOCATION_ID=${invocationId}`], {
    encoding: 'utf8',
    timeout: 5000,
    maxBuffer: 4 * 1024 * 1024,
  });
  return r.status === 0 ? lastLegoError(r.stdout.split('\n')) : undefined;
}
