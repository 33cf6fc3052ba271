import type { X509Certificate } from 'node:crypto';
import { children, oidText, readTlv, type Tlv, tlvValue } from './der.ts';

/** One extension as encoded: its OID, the critical flag and the DER inside the OCTET STRING. */
export interface Extension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

/** A name of a SAN or a name constraint: DNS and IP are the kinds TLS checks; others are kept by tag. */
export type GeneralName =
  | { kind: 'dns'; value: string }
  | { kind: 'ip'; bytes: Uint8Array }
  | { kind: 'other'; tag: number };

export interface NameConstraints {
  permitted: GeneralName[];
  excluded: GeneralName[];
}

/**
 * The fields of a certificate that client validation needs and Node's X509Certificate does not
 * expose (or exposes only for some certificates): criticality, EKU and key usage of any
 * certificate, pathLenConstraint, name constraints, the raw issuer/subject names and the public
 * key algorithm. Absent extensions are undefined.
 */
export interface CertFields {
  /** DER of the issuer and subject Names: clients (Go's CertPool, OpenSSL) match them bytewise. */
  issuer: Uint8Array;
  subject: Uint8Array;
  /** Dotted OID of the SubjectPublicKeyInfo algorithm, and of the EC curve when there is one. */
  keyAlgorithm: string;
  curve: string | undefined;
  /** RSA modulus length in bits (RSA keys only). */
  rsaBits: number | undefined;
  extensions: Extension[];
  basicConstraints: { ca: boolean; pathLen: number | undefined } | undefined;
  /** KeyUsage bits, bit 0 = digitalSignature ... bit 5 = keyCertSign. */
  keyUsage: Set<number> | undefined;
  extKeyUsage: string[] | undefined;
  nameConstraints: NameConstraints | undefined;
}

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  nameConstraints: '2.5.29.30',
  rsa: '1.2.840.113549.1.1.1',
  rsaPss: '1.2.840.113549.1.1.10',
  ec: '1.2.840.10045.2.1',
} as const;

const cache = new WeakMap<X509Certificate, CertFields | Error>();

/**
 * Parses the certificate's DER once per object (issuers are shared between certificates, see
 * load.ts). Throws when the encoding cannot be walked: the caller reports that as malformed.
 */
export function fieldsOf(cert: X509Certificate): CertFields {
  let hit = cache.get(cert);
  if (!hit) {
    try {
      hit = parseCertFields(cert.raw);
    } catch (e) {
      hit = e instanceof Error ? e : new Error(String(e));
    }
    cache.set(cert, hit);
  }
  if (hit instanceof Error) throw hit;
  return hit;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature } (RFC 5280 §4.1). */
export function parseCertFields(der: Uint8Array): CertFields {
  const tbs = children(der, readTlv(der, 0))[0];
  if (!tbs) throw new Error('DER: no tbsCertificate');
  const parts = children(der, tbs);
  // version [0] is optional (v1 certificates).
  const base = parts[0]?.tag === 0xa0 ? 1 : 0;
  const [, , issuer, , subject, spki] = parts.slice(base);
  if (!issuer || !subject || !spki) throw new Error('DER: short tbsCertificate');
  const fields: CertFields = {
    issuer: der.subarray(issuer.head, issuer.end),
    subject: der.subarray(subject.head, subject.end),
    ...publicKey(der, spki),
    extensions: [],
    basicConstraints: undefined,
    keyUsage: undefined,
    extKeyUsage: undefined,
    nameConstraints: undefined,
  };
  const extWrapper = parts.slice(base + 6).find((t) => t.tag === 0xa3);
  if (!extWrapper) return fields;
  const list = children(der, extWrapper)[0];
  if (!list) return fields;
  for (const ext of children(der, list)) {
    const [id, second, third] = children(der, ext);
    if (!id || !second) throw new Error('DER: bad extension');
    const critical = second.tag === 0x01 && der[second.start] !== 0;
    const octets = second.tag === 0x04 ? second : third;
    if (octets?.tag !== 0x04) throw new Error('DER: bad extension value');
    fields.extensions.push({ oid: oidText(der, id), critical, value: tlvValue(der, octets) });
  }
  for (const ext of fields.extensions) readExtension(fields, ext);
  return fields;
}

function publicKey(der: Uint8Array, spki: Tlv): Pick<CertFields, 'keyAlgorithm' | 'curve' | 'rsaBits'> {
  const [alg, bits] = children(der, spki);
  if (!alg || !bits) throw new Error('DER: bad SubjectPublicKeyInfo');
  const [algOid, params] = children(der, alg);
  if (!algOid) throw new Error('DER: bad key algorithm');
  const keyAlgorithm = oidText(der, algOid);
  const curve = keyAlgorithm === OID.ec && params?.tag === 0x06 ? oidText(der, params) : undefined;
  let rsaBits: number | undefined;
  if (keyAlgorithm === OID.rsa || keyAlgorithm === OID.rsaPss) {
    // BIT STRING: one byte of unused bits, then RSAPublicKey ::= SEQUENCE { modulus, exponent }.
    const key = readTlv(der, bits.start + 1, bits.end);
    const modulus = children(der, key)[0];
    if (!modulus) throw new Error('DER: bad RSA key');
    let i = modulus.start;
    while (i < modulus.end && der[i] === 0) i++;
    rsaBits = i < modulus.end ? (modulus.end - i - 1) * 8 + Math.floor(Math.log2(der[i]!)) + 1 : 0;
  }
  return { keyAlgorithm, curve, rsaBits };
}

function readExtension(f: CertFields, ext: Extension): void {
  const v = ext.value;
  switch (ext.oid) {
    case OID.basicConstraints: {
      // BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }
      let ca = false;
      let pathLen: number | undefined;
      for (const t of children(v, readTlv(v, 0))) {
        if (t.tag === 0x01) ca = v[t.start] !== 0;
        else if (t.tag === 0x02) pathLen = smallInt(v, t);
      }
      f.basicConstraints = { ca, pathLen };
      return;
    }
    case OID.keyUsage: {
      const t = readTlv(v, 0);
      const bits = new Set<number>();
      for (let i = t.start + 1; i < t.end; i++) {
        for (let b = 0; b < 8; b++) if (v[i]! & (0x80 >> b)) bits.add((i - t.start - 1) * 8 + b);
      }
      f.keyUsage = bits;
      return;
    }
    case OID.extKeyUsage:
      f.extKeyUsage = children(v, readTlv(v, 0)).map((t) => oidText(v, t));
      return;
    case OID.nameConstraints: {
      const nc: NameConstraints = { permitted: [], excluded: [] };
      for (const part of children(v, readTlv(v, 0))) {
        // GeneralSubtree ::= SEQUENCE { base GeneralName, minimum [0] DEFAULT 0, maximum [1] OPTIONAL }
        const subtrees = children(v, part).map((s) => generalName(v, children(v, s)[0] ?? s));
        if (part.tag === 0xa0) nc.permitted.push(...subtrees);
        else if (part.tag === 0xa1) nc.excluded.push(...subtrees);
      }
      f.nameConstraints = nc;
      return;
    }
  }
}

/**
 * The SAN's names, decoded only when asked (a CA with name constraints): a preflight of a 100-SAN
 * certificate should not build 100 strings it never reads.
 */
export function subjectAltNamesOf(f: CertFields): GeneralName[] {
  const v = f.extensions.find((e) => e.oid === OID.subjectAltName)?.value;
  return v ? children(v, readTlv(v, 0)).map((t) => generalName(v, t)) : [];
}

function generalName(buf: Uint8Array, t: Tlv): GeneralName {
  if (t.tag === 0x82) return { kind: 'dns', value: Buffer.from(tlvValue(buf, t)).toString('latin1') };
  if (t.tag === 0x87) return { kind: 'ip', bytes: tlvValue(buf, t) };
  return { kind: 'other', tag: t.tag };
}

/** A non-negative INTEGER that fits a JS number (pathLenConstraint); huge values mean "no limit". */
function smallInt(buf: Uint8Array, t: Tlv): number {
  let n = 0;
  for (let i = t.start; i < t.end; i++) n = n * 256 + buf[i]!;
  return Math.min(n, Number.MAX_SAFE_INTEGER);
}
