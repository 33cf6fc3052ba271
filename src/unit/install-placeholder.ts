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
 * is generated first (the slow part); the files are inspected again under the installer's lock,
 * which renew's install also takes, so a placeholder can never cover a certificate that renew
 * installed a moment earlier.
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
  let before: Verdict | undefined;
  const installed = installCertificate(
    settings.directory,
    { certPem: pems.certPem, chainPem: '', keyPem: pems.keyPem },
    {
      group: settings.group,
      warn,
      onlyIf: () => {
        before = inspect(settings, new Date());
        return !before.usable;
      },
    },
  );
  if (!installed) return { installed: false, verdict: before! };
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
