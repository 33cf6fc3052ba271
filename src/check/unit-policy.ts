import type { Verdict } from '../cert/verdict.ts';
import type { CheckOptions } from '../cli/check-options.ts';
import { parseDuration } from '../config/duration.ts';
import type { CertSettings, GlobalSettings } from '../config/settings.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { type Level, writeLine } from '../output/journal.ts';
import type { PlaceholderOutcome } from '../unit/install-placeholder.ts';
import type { InlineRenewal } from '../unit/renew-inline.ts';
import { renewUnitName } from '../unit/renew-unit-name.ts';
import type { TriggerResult } from '../unit/trigger-renew.ts';
import { inspectCertificate } from './inspect.ts';
import type { CheckTarget } from './target.ts';

export interface Printer {
  print(v: Verdict): void;
}

/**
 * The effects unit mode may have, injectable for tests. The defaults load their modules on first
 * use: a preflight whose certificate is usable never loads the placeholder generator (x509) or the
 * renewal code (ACME client, HTTP), which keeps every ExecStartPre= start fast and offline.
 */
export interface UnitEffects {
  inspect(settings: CertSettings, now: Date): Verdict;
  trigger(unit: string): Promise<TriggerResult>;
  renewInline(settings: CertSettings, global: GlobalSettings, budgetMs: number): Promise<InlineRenewal>;
  installPlaceholder(settings: CertSettings, now: Date): Promise<PlaceholderOutcome>;
  /** One line for the journal (see output/journal.ts). */
  log(level: Level, text: string): void;
  now(): Date;
  /** The process environment, read for systemd's INVOCATION_ID (see inUnitMode). */
  env: NodeJS.ProcessEnv;
}

export const defaultEffects: UnitEffects = {
  inspect: (settings, now) => inspectCertificate(settings, now),
  async trigger(unit) {
    const { triggerRenew } = await import('../unit/trigger-renew.ts');
    return triggerRenew(unit);
  },
  async renewInline(settings, global, budgetMs) {
    const { renewInline } = await import('../unit/renew-inline.ts');
    return renewInline(settings, global, budgetMs);
  },
  async installPlaceholder(settings, now) {
    const { installPlaceholder } = await import('../unit/install-placeholder.ts');
    return installPlaceholder(settings, now, (text) => writeLine('warning', `${settings.name}: ${text}`));
  },
  log: writeLine,
  now: () => new Date(),
  env: process.env,
};

/** What unit mode was asked to do, validated before anything happens (a bad flag is exit 2). */
interface UnitPlan {
  triggerUnit: string | undefined;
  inlineBudgetMs: number | undefined;
  /** The on-unusable policy in force: the config's only in unit mode (see inUnitMode). */
  onUnusable: CertSettings['onUnusable'];
  unitMode: boolean;
}

/**
 * Unit mode: a unit-mode flag was given, or systemd runs us (it sets INVOCATION_ID for every unit
 * process). Outside it, `certguard check NAME` in a terminal only reports: it never installs a
 * placeholder or passes an unusable certificate because the config file's onUnusable says so.
 */
export function inUnitMode(opts: CheckOptions, env: NodeJS.ProcessEnv): boolean {
  return (
    opts.triggerRenew ||
    opts.renewInline !== undefined ||
    opts.onUnusable !== undefined ||
    Boolean(env.INVOCATION_ID)
  );
}

function plan(opts: CheckOptions, target: CheckTarget, env: NodeJS.ProcessEnv): UnitPlan {
  const needName = (flag: string) =>
    new UsageError(`${flag} needs a certificate NAME from the config file (not --cert alone)`);
  let triggerUnit: string | undefined;
  if (opts.triggerRenew) {
    if (opts.renewUnit !== undefined) triggerUnit = opts.renewUnit;
    else if (target.named) triggerUnit = renewUnitName(target.settings.name);
    else throw needName('--trigger-renew');
  } else if (opts.renewUnit !== undefined) {
    throw new UsageError('--renew-unit only makes sense with --trigger-renew');
  }
  let inlineBudgetMs: number | undefined;
  if (opts.renewInline !== undefined) {
    if (!target.named) throw needName('--renew-inline');
    const seconds = parseDuration(opts.renewInline, '--renew-inline');
    if (seconds <= 0) throw new UsageError('--renew-inline: the budget must be longer than 0s');
    inlineBudgetMs = seconds * 1000;
  }
  const unitMode = inUnitMode(opts, env);
  const onUnusable = unitMode ? target.settings.onUnusable : 'fail';
  if (onUnusable === 'placeholder' && !target.named) throw needName('--on-unusable=placeholder');
  return { triggerUnit, inlineBudgetMs, onUnusable, unitMode };
}

/**
 * What the preflight does with a verdict. Plain `check`: print it, exit 0 or 1. In a unit:
 * - usable: exit 0 at once, offline; with --trigger-renew and renewal due, queue the renew unit
 *   (never wait for it; failing to queue it is only a warning: the certificate still works).
 * - unusable: with --renew-inline, one renewal within the budget (companion mode: else, with
 *   --trigger-renew, the other client's renewal unit is queued); if still unusable, the
 *   on-unusable policy decides: fail (exit 1), placeholder (self-signed stand-in, exit 0), warn
 *   (exit 0). Every choice that lets a service start without a good certificate is logged loudly.
 */
export async function applyUnitPolicy(
  opts: CheckOptions,
  target: CheckTarget,
  verdict: Verdict,
  _now: Date,
  out: Printer,
  fx: UnitEffects = defaultEffects,
): Promise<number> {
  const unit = plan(opts, target, fx.env);
  const { settings } = target;
  const name = verdict.name;
  // JSON mode prints exactly one object, the final verdict; text mode logs each step as it happens
  // so the journal shows the problem even if a later step hangs until the unit's timeout.
  const step = (v: Verdict) => {
    if (!opts.json) out.print(v);
  };
  const finish = (v: Verdict, code: number) => {
    if (opts.json) out.print(v);
    return code;
  };

  step(verdict);
  if (verdict.usable) {
    if (verdict.renewalDue && unit.triggerUnit) await trigger(fx, name, unit.triggerUnit, opts.json);
    return finish(verdict, EXIT.ok);
  }

  if (unit.inlineBudgetMs !== undefined) {
    const result = await fx.renewInline(settings, target.global, unit.inlineBudgetMs);
    const after = fx.inspect(settings, fx.now());
    if (after.usable) {
      step(after);
      return finish(after, EXIT.ok);
    }
    fx.log('warning', `${name}: inline renewal did not produce a usable certificate: ${result.summary}`);
    verdict = after;
  }

  // Another client's certificate (companion mode): its renewal unit is not pulled in again when the
  // service restarts (security.acme's acme-<name>.service stays active), so queue it (never waited
  // for), whatever the policy: a service on a bad certificate, or kept down, recovers once the CA
  // answers. certguard's own renew units come with the service's Wants= instead.
  if (settings.issuedBy && unit.inlineBudgetMs === undefined && unit.triggerUnit) {
    await trigger(fx, name, unit.triggerUnit, opts.json, 'no usable certificate');
  }
  switch (unit.onUnusable) {
    case 'warn':
      fx.log(
        'warning',
        `${name}: WARNING: certificate unusable, starting anyway (on-unusable=warn); clients will see TLS errors`,
      );
      return finish(verdict, EXIT.ok);
    case 'placeholder':
      return finish(...(await placeholder(fx, settings, verdict, step, opts.json)));
    default:
      if (unit.unitMode) {
        fx.log('err', `${name}: no usable certificate, the service must not start (on-unusable=fail)`);
      }
      return finish(verdict, EXIT.unusable);
  }
}

/** Informational notes go to stdout, which in --json mode belongs to the one JSON object. */
function info(fx: UnitEffects, json: boolean, text: string): void {
  if (!json) fx.log('info', text);
}

async function trigger(
  fx: UnitEffects,
  name: string,
  unit: string,
  json: boolean,
  why = 'renewal due',
): Promise<void> {
  const r = await fx.trigger(unit);
  if (r.ok) info(fx, json, `${name}: ${why}, started ${unit}`);
  else fx.log('warning', `${name}: ${why} but could not start ${unit}: ${r.message}`);
}

async function placeholder(
  fx: UnitEffects,
  settings: CertSettings,
  verdict: Verdict,
  step: (v: Verdict) => void,
  json: boolean,
): Promise<[Verdict, number]> {
  const name = verdict.name;
  const { placeholderTargetProblem } = await import('../unit/install-placeholder.ts');
  const problem = placeholderTargetProblem(settings);
  if (problem) {
    fx.log('err', `${name}: cannot install a placeholder: ${problem}`);
    return [verdict, EXIT.unusable];
  }
  let outcome: PlaceholderOutcome;
  try {
    outcome = await fx.installPlaceholder(settings, fx.now());
  } catch (err) {
    fx.log('err', `${name}: cannot install a placeholder: ${(err as Error).message}`);
    return [verdict, EXIT.unusable];
  }
  step(outcome.verdict);
  if (!outcome.installed) {
    info(fx, json, `${name}: a usable certificate appeared meanwhile; no placeholder installed`);
    return [outcome.verdict, EXIT.ok];
  }
  if (!outcome.verdict.usable) {
    fx.log('err', `${name}: the placeholder just installed is not usable either; refusing to start`);
    return [outcome.verdict, EXIT.unusable];
  }
  fx.log(
    'warning',
    `${name}: WARNING: no usable certificate; installed a self-signed PLACEHOLDER valid until ` +
      `${outcome.verdict.notAfter} (on-unusable=placeholder). Clients will see certificate errors ` +
      `until ${renewUnitName(settings.name)} installs a real certificate.`,
  );
  return [outcome.verdict, EXIT.ok];
}
