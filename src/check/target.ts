import type { CheckOptions } from '../cli/check-options.ts';
import { checkName, configPath, loadConfigFile, type RawCertEntry } from '../config/config-file.ts';
import { globalSettings, resolveCert, resolveNamed } from '../config/resolve.ts';
import type { CertSettings, GlobalSettings } from '../config/settings.ts';

export interface CheckTarget {
  settings: CertSettings;
  global: GlobalSettings;
  /** False when the name was derived from flags (no NAME given): the verdict then names the cert. */
  named: boolean;
}

/**
 * Settings for a check: NAME's entry in the config file (flags override it), or flags alone. With
 * `--cert` and no NAME the config file is not read at all, so a broken config cannot fail a
 * preflight that names its files explicitly.
 */
export function resolveCheckTarget(opts: CheckOptions, env: NodeJS.ProcessEnv = process.env): CheckTarget {
  const flags: RawCertEntry = {};
  if (opts.domains.length > 0) flags.domains = opts.domains;
  if (opts.minValidity !== undefined) flags.minValidity = opts.minValidity;
  if (opts.renewBefore !== undefined) flags.renewBefore = opts.renewBefore;
  if (opts.onUnusable !== undefined) flags.onUnusable = opts.onUnusable;
  if (opts.trust !== undefined) flags.trust = opts.trust;

  if (opts.name === undefined) {
    const settings = resolveCert('certificate', [flags], 'options');
    settings.certFile = opts.cert!;
    settings.keyFile = opts.key;
    settings.chainFile = opts.chain;
    return { settings, global: globalSettings(undefined), named: false };
  }
  // A NAME like "../x" is wrong whatever the config says: say so before reading it.
  checkName(opts.name, 'certificate NAME');
  const path = configPath(opts.config, env);
  const config = loadConfigFile(path);
  const settings = resolveNamed(config, opts.name, flags, `config ${path}`);
  if (opts.cert !== undefined) settings.certFile = opts.cert;
  if (opts.key !== undefined) settings.keyFile = opts.key;
  if (opts.chain !== undefined) settings.chainFile = opts.chain;
  return { settings, global: globalSettings(config), named: true };
}
