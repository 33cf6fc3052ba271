import type { X509Certificate } from 'node:crypto';
import { type CertFields, fieldsOf, OID } from './cert-fields.ts';
import type { Finding } from './reasons.ts';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EKU = '2.5.29.37.0';

const CURVES: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

/**
 * Extensions whose meaning certguard applies (or that cannot make a TLS client refuse a path),
 * so a critical one is no reason to refuse: the set Go's crypto/x509 handles. The policy ones
 * (mappings, constraints, inhibitAnyPolicy) only matter to a verifier asked for a specific
 * policy, which TLS clients are not. Anything else that is critical makes the certificate
 * unusable, as RFC 5280 §4.2 requires of every verifier.
 */
const PROCESSED = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.nameConstraints,
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.36', // policyConstraints
  '2.5.29.54', // inhibitAnyPolicy
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);

export interface Placed {
  cert: X509Certificate;
  /** How messages name it: "the certificate", "chain certificate #1 (R11)". */
  label: string;
}

/**
 * The checks every mainstream TLS client makes on each certificate it is given, apart from links
 * and names: key usage for servers, key strength, and critical extensions it does not know.
 * One finding per code (the first certificate that fails it), so a message stays one line.
 */
export function clientProblems(certs: Placed[]): Finding[] {
  const found = new Map<string, Finding>();
  const add = (f: Finding) => found.has(f.code) || found.set(f.code, f);
  for (const [i, { cert, label }] of certs.entries()) {
    const f = fieldsOf(cert);
    const eku = f.extKeyUsage;
    if (eku && !eku.includes(SERVER_AUTH) && !eku.includes(ANY_EKU)) {
      const what = i === 0 ? 'is' : 'is a CA limited by its extended key usage';
      add({
        code: 'not-server-auth',
        message: `${label} ${what} not for TLS servers (extended key usage: ${eku.map(ekuName).join(', ') || 'none'})`,
      });
    }
    const weak = weakness(f);
    if (weak) add({ code: 'weak-key', message: `${label} has ${weak}` });
    const unknown = f.extensions.find((e) => e.critical && !PROCESSED.has(e.oid as never));
    if (unknown) {
      add({
        code: 'unknown-critical-extension',
        message: `${label} carries critical extension ${unknown.oid}, which certguard and TLS clients do not process`,
      });
    }
  }
  return [...found.values()];
}

/** What is weak about the key, or undefined: RSA < 2048, DSA, EC off the three NIST curves. */
function weakness(f: CertFields): string | undefined {
  if (f.rsaBits !== undefined)
    return f.rsaBits < 2048 ? `an RSA key of ${f.rsaBits} bits (under 2048)` : undefined;
  if (f.keyAlgorithm === '1.2.840.10040.4.1') return 'a DSA key';
  if (f.keyAlgorithm === OID.ec && !(f.curve && CURVES[f.curve])) {
    return `an EC key on curve ${f.curve ?? '(explicit parameters)'}, not P-256, P-384 or P-521`;
  }
  return undefined;
}

const EKU_NAMES: Record<string, string> = {
  [SERVER_AUTH]: 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
};

function ekuName(oid: string): string {
  return EKU_NAMES[oid] ?? oid;
}
