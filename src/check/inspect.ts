import { loadCertificates, loadPrivateKey } from '../cert/load.ts';
import { trustEvidence } from '../cert/trust-evidence.ts';
import { decide, type Evidence, type Verdict } from '../cert/verdict.ts';
import type { CertSettings } from '../config/settings.ts';

/** Reads a certificate's files and decides. The only effects are bounded reads of local files. */
export function inspectCertificate(settings: CertSettings, now: Date, named = true): Verdict {
  const evidence: Evidence = { cert: loadCertificates(settings.certFile) };
  if (settings.chainFile) evidence.chain = loadCertificates(settings.chainFile);
  if (settings.keyFile) evidence.key = loadPrivateKey(settings.keyFile);
  Object.assign(evidence, trustEvidence(settings.trust, evidence));
  const policy = {
    domains: settings.domains,
    minValiditySeconds: settings.minValiditySeconds,
    renewBefore: settings.renewBefore,
  };
  const verdict = decide(settings.name, evidence, policy, now);
  if (!named) verdict.name = settings.domains[0] ?? verdict.domains[0] ?? settings.certFile;
  return verdict;
}
