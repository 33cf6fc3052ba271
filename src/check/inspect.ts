import { parseCertificates, parsePrivateKey } from '../cert/load.ts';
import { type PairRead, type ReadResult, readPair } from '../cert/read-file.ts';
import { trustEvidence } from '../cert/trust-evidence.ts';
import { decide, type Evidence, type Policy, type Verdict } from '../cert/verdict.ts';
import type { CertSettings } from '../config/settings.ts';

/** How long a mismatched pair in another tool's layout is given before it is read again. */
const FOREIGN_REREAD_DELAY_MS = 50;

/**
 * Reads a certificate's files and decides. The only effects are bounded reads of local files. The
 * files are read as one set (readPair), so a renewal swapping them meanwhile is never judged as a
 * key mismatch; in a layout certguard did not write, a mismatch is read again once, 50 ms later,
 * since the other tool may be between replacing the certificate and replacing the key.
 */
export function inspectCertificate(settings: CertSettings, now: Date, named = true): Verdict {
  const paths = { cert: settings.certFile, chain: settings.chainFile, key: settings.keyFile };
  let files = readPair(paths);
  let verdict = judge(settings, evidenceOf(settings, files), now);
  if (files.foreign && verdict.reasons.some((r) => r.code === 'key-mismatch')) {
    // The other tool replaces the files one by one: give it a moment to finish the pair. Only on
    // this failure path, so a good pair never waits.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, FOREIGN_REREAD_DELAY_MS);
    files = readPair(paths);
    verdict = judge(settings, evidenceOf(settings, files), now);
  }
  if (!named) verdict.name = settings.domains[0] ?? verdict.domains[0] ?? settings.certFile;
  return verdict;
}

function evidenceOf(settings: CertSettings, files: PairRead): Evidence {
  const evidence: Evidence = { cert: parseCertificates(files.cert, settings.certFile) };
  if (settings.chainFile && files.chain) evidence.chain = parseCertificates(files.chain, settings.chainFile);
  if (settings.keyFile && files.key) evidence.key = parsePrivateKey(files.key, settings.keyFile);
  return evidence;
}

/**
 * Judges a certificate that is not installed yet (the CA's answer) by exactly the rules the
 * preflight will apply once it is: the same decide(), the configured names, minValidity and
 * renewBefore, on the bytes as they will be written (fullchain.pem and key.pem, mode 0640).
 */
export function inspectCandidate(
  settings: CertSettings,
  files: { fullchainPem: string; keyPem: string },
  now: Date,
): Verdict {
  const bytes = (text: string): ReadResult => ({
    ok: true,
    data: Buffer.from(text, 'latin1'),
    mode: 0o100640,
    uid: 0,
    gid: 0,
  });
  const evidence: Evidence = {
    cert: parseCertificates(bytes(files.fullchainPem), 'the new fullchain.pem'),
    key: parsePrivateKey(bytes(files.keyPem), 'the new key.pem'),
  };
  return judge(settings, evidence, now);
}

/**
 * The one place settings become decide()'s policy and trust evidence: check, renew, status and
 * new certificates (which must reach the same trust anchors the preflight will demand of them).
 */
function judge(settings: CertSettings, files: Evidence, now: Date): Verdict {
  const evidence: Evidence = { ...files, ...trustEvidence(settings.trust, files) };
  const policy: Policy = {
    domains: settings.domains,
    minValiditySeconds: settings.minValiditySeconds,
    renewBefore: settings.renewBefore,
  };
  return decide(settings.name, evidence, policy, now);
}
