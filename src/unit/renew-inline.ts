import type { CertSettings, GlobalSettings } from '../config/settings.ts';
import { writeLine } from '../output/journal.ts';

/** The outcome of `--renew-inline`, reduced to what the preflight logs. */
export interface InlineRenewal {
  exitCode: number;
  summary: string;
}

/**
 * One renewal inside the preflight, bounded by `budgetMs`. This module is loaded only when a
 * certificate is unusable and --renew-inline was given: the one path on which the preflight loads
 * renewal code and may use the network. The renewal honours the state file's backoff, so a
 * service in a restart loop does not hammer the CA through its preflight either.
 */
export async function renewInline(
  settings: CertSettings,
  global: GlobalSettings,
  budgetMs: number,
): Promise<InlineRenewal> {
  const { renewCertificate } = await import('../renew/renew.ts');
  try {
    const outcome = await renewCertificate(settings, global, {
      force: false,
      // The certificate is unusable, so renewal is due whatever the CA's ARI window says.
      ari: false,
      budgetMs,
      log: (level, text) => writeLine(level, text),
    });
    const why = outcome.failure ? `: ${outcome.failure.class}: ${outcome.failure.message}` : '';
    return { exitCode: outcome.exitCode, summary: `renew ${outcome.action}${why}` };
  } catch (err) {
    // A configuration that cannot renew (no server, no challenge) must not stop the policy.
    return { exitCode: 1, summary: `renewal could not run: ${(err as Error).message}` };
  }
}
