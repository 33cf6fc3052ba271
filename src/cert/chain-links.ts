import type { X509Certificate } from 'node:crypto';
import { fieldsOf } from './cert-fields.ts';
import { sameBytes } from './der.ts';

const KEY_CERT_SIGN = 5;

/**
 * Each link must be issued by the next (names and signature) and every issuer must be allowed to
 * issue it (see issuerProblem). The chain is not required to reach a trust anchor here: that is the
 * `trust` setting's job (trust-path.ts), as the CA's chain is what clients receive.
 */
export function checkChain(leaf: X509Certificate, issuers: X509Certificate[], now: Date): string | undefined {
  let child = leaf;
  let casBelow = 0;
  for (const [i, parent] of issuers.entries()) {
    const where = chainLabel(parent, i);
    if (!issuedBy(child, parent)) {
      // OpenSSL's check_issued also refuses an issuer without keyCertSign: say that, not "did not issue".
      const specific = signedBy(child, parent) && issuerProblem(parent, where, casBelow, now, false);
      if (specific) return specific;
      const what = i === 0 ? 'the certificate' : `chain certificate #${i}`;
      const actual = issuers.findIndex((c, j) => j > i && issuedBy(child, c));
      if (actual !== -1)
        return `${where} did not issue ${what}, #${actual + 1} did: the chain is out of order`;
      return `${where} did not issue ${what}`;
    }
    const problem = issuerProblem(parent, where, casBelow, now, false);
    if (problem) return problem;
    if (!selfIssued(parent)) casBelow++;
    child = parent;
  }
  return undefined;
}

/**
 * Why `parent` may not issue a certificate `casBelow` CA certificates above the leaf, or undefined:
 * a CA (basicConstraints cA; not demanded of a trust anchor, whose trust is its presence in the
 * bundle), keyCertSign when it has a key usage, within its pathLenConstraint, inside its validity
 * window (RFC 5280 §6.1.3/§6.1.4; notAfter is inclusive, as in §4.1.2.5).
 */
export function issuerProblem(
  parent: X509Certificate,
  where: string,
  casBelow: number,
  now: Date,
  anchor: boolean,
): string | undefined {
  const f = fieldsOf(parent);
  // basicConstraints itself when present (Node's `ca` is also false for a CA without
  // keyCertSign, which deserves its own message); without it, OpenSSL's rule (v1 self-signed roots).
  const ca = f.basicConstraints ? f.basicConstraints.ca : parent.ca;
  if (!anchor && !ca) return `${where} is not a CA certificate`;
  if (f.keyUsage && !f.keyUsage.has(KEY_CERT_SIGN))
    return `${where} may not sign certificates (its key usage lacks keyCertSign)`;
  const pathLen = f.basicConstraints?.pathLen;
  if (pathLen !== undefined && casBelow > pathLen) {
    return `${where} allows ${pathLen} CA certificate${pathLen === 1 ? '' : 's'} below it (pathLenConstraint), the chain has ${casBelow}`;
  }
  return windowProblem(parent, where, now);
}

/** Outside the validity window: before notBefore, or after notAfter (which itself is still valid). */
export function windowProblem(cert: X509Certificate, where: string, now: Date): string | undefined {
  if (now.getTime() > new Date(cert.validTo).getTime()) return `${where} expired ${cert.validTo}`;
  if (now.getTime() < new Date(cert.validFrom).getTime()) return `${where} is not valid yet`;
  return undefined;
}

/** Names and key identifiers link them (checkIssued) and the signature verifies with the issuer's key. */
export function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    // An issuer key Node cannot load cannot have verified anything.
    return false;
  }
}

/** The signature verifies with `parent`'s key (names not compared). */
export function signedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

/** Subject and issuer are the same name: such CAs do not count against pathLenConstraint. */
export function selfIssued(cert: X509Certificate): boolean {
  const f = fieldsOf(cert);
  return sameBytes(f.subject, f.issuer);
}

export function chainLabel(cert: X509Certificate, index: number): string {
  const lines = (cert.subject ?? '').split('\n');
  const shown = lines.find((l) => l.startsWith('CN=')) ?? (lines[0] || '(empty subject)');
  return `chain certificate #${index + 1} (${shown})`;
}

/**
 * The CN of a distinguished name as Node prints it, else its first attribute. Node gives
 * `undefined` for an empty name (RFC 5280 allows an empty subject when a critical SAN carries
 * the names), so this must never assume a string.
 */
export function commonName(dn: string | undefined): string {
  const lines = (dn ?? '').split('\n').filter((l) => l !== '');
  const cn = lines.find((l) => l.startsWith('CN='));
  return cn ? cn.slice(3) : (lines[0] ?? '(empty name)');
}
