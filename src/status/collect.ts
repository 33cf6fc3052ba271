import { inspectCertificate } from '../check/inspect.ts';
import { inspectSecurityAcme } from '../check/security-acme.ts';
import type { RawConfig } from '../config/config-file.ts';
import { globalSettings, resolveNamed } from '../config/resolve.ts';
import type { CertSettings } from '../config/settings.ts';
import { readState, statePath } from '../store/state.ts';
import { type StatusRow, statusRow } from './row.ts';

/** What status looks at: the resolved certificates, in output order, and where their state lives. */
export interface StatusTargets {
  stateDirectory: string;
  settings: CertSettings[];
}

/**
 * Resolves every named certificate (all configured ones when `names` is empty, in config order).
 * An unknown NAME or an invalid entry is a UsageError (exit 2), raised before anything is read or
 * printed so a typo never produces half a table.
 */
export function resolveTargets(config: RawConfig, names: readonly string[]): StatusTargets {
  const wanted = names.length > 0 ? [...new Set(names)] : Object.keys(config.certs);
  return {
    stateDirectory: globalSettings(config).stateDirectory,
    settings: wanted.map((name) => resolveNamed(config, name, {}, 'status')),
  };
}

/** One certificate's row. Only bounded reads of local files: no network, whatever the config says. */
export function statusOf(settings: CertSettings, stateDirectory: string, now: Date): StatusRow {
  // Another client's certificate is judged as its renewal unit's ExecCondition judges it.
  const acme = settings.issuedBy ? inspectSecurityAcme(settings, now) : undefined;
  const verdict = acme?.verdict ?? inspectCertificate(settings, now);
  return statusRow(verdict, readState(stateDirectory, settings.name), now, {
    stateFile: statePath(stateDirectory, settings.name),
    domains: settings.domains,
    keyType: settings.keyType,
    profile: settings.profile ?? null,
    ari: settings.ari,
    issuedBy: settings.issuedBy ?? null,
    ...(acme?.domainHashChanged
      ? { extraDueReasons: [{ code: 'names-changed', message: acme.domainHashChanged }] }
      : {}),
  });
}

/** Rows for the named (or all) certificates, on this thread. See parallel.ts for many certificates. */
export function collectStatus(config: RawConfig, names: readonly string[], now: Date): StatusRow[] {
  const { stateDirectory, settings } = resolveTargets(config, names);
  return settings.map((s) => statusOf(s, stateDirectory, now));
}
