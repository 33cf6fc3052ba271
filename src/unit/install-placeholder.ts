import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from '../cert/verdict.ts';
import { inspectCertificate } from '../check/inspect.ts';
import type { CertSettings } from '../config/settings.ts';
import { installCertificate } from '../store/install.ts';
import { generatePlaceholder } from './placeholder.ts';

export type PlaceholderOutcome =
  /** Installed; `verdict` is the re-inspected placeholder. */
  | { installed: true; verdict: Verdict }
  /** Not installed: a usable certificate appeared meanwhile (renew won the race). */
  | { installed: false; verdict: Verdict };

/**
 * Installs a placeholder for `settings` unless the certificate became usable meanwhile. The key
 * is generated first (the slow part), then the files are inspected again right before the atomic
 * install, so the window in which a renewal finishing at the same moment could be covered by the
 * placeholder is a few milliseconds; even then the real certificate is not lost: the installer
 * keeps the previous generation, renew treats a placeholder as due, and the next run reinstalls.
 */
export async function installPlaceholder(
  settings: CertSettings,
  now: Date,
  warn: (text: string) => void,
  inspect: (s: CertSettings, at: Date) => Verdict = inspectCertificate,
): Promise<PlaceholderOutcome> {
  const pems = await generatePlaceholder(
    {
      name: settings.name,
      domains: settings.domains,
      keyType: settings.keyType,
      minValiditySeconds: settings.minValiditySeconds,
    },
    now,
  );
  const before = inspect(settings, new Date());
  if (before.usable) return { installed: false, verdict: before };
  // On first boot the preflight may create the directory before the renew unit ever ran (whose
  // StateDirectory= would make it 0755). The service's user must be able to traverse it to reach
  // the group-readable files; the key itself is protected by its own mode (0640) and generation
  // directory (0750, the configured group).
  mkdirSync(settings.directory, { recursive: true, mode: 0o755 });
  installCertificate(
    settings.directory,
    { certPem: pems.certPem, chainPem: '', keyPem: pems.keyPem },
    {
      group: settings.group,
      warn,
    },
  );
  return { installed: true, verdict: inspect(settings, new Date()) };
}

/**
 * A placeholder goes into the certificate's directory, so the files the check reads must be the
 * ones the installer writes (`--cert` pointing elsewhere would hide the placeholder from the check).
 */
export function placeholderTargetProblem(settings: CertSettings): string | undefined {
  const expected = join(settings.directory, 'fullchain.pem');
  if (settings.certFile !== expected) {
    return `--on-unusable=placeholder installs into ${settings.directory}, but the certificate checked is ${settings.certFile}`;
  }
  return undefined;
}
