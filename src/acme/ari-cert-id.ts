import { parsePem } from '../cert/pem.ts';
import { children, oidText, readTlv } from './der.ts';

const AKI_OID = '2.5.29.35';

/**
 * RFC 9773 section 4.1 certID: base64url(AKI keyIdentifier) "." base64url(DER bytes of the serial
 * number, keeping a leading 0x00), without padding. undefined when the certificate has no AKI
 * keyIdentifier (then the CA cannot be asked, and renewal falls back to the local rules).
 */
export function ariCertId(certPem: string): string | undefined {
  const block = parsePem(certPem).find((b) => b.type === 'CERTIFICATE');
  if (!block) return undefined;
  try {
    const fields = certFields(block.der);
    if (!fields) return undefined;
    return `${b64url(fields.keyId)}.${b64url(fields.serial)}`;
  } catch {
    return undefined;
  }
}

function certFields(der: Uint8Array): { keyId: Uint8Array; serial: Uint8Array } | undefined {
  const cert = readTlv(der, 0);
  const tbs = children(der, cert)[0];
  if (!tbs) return undefined;
  const parts = children(der, tbs);
  // tbsCertificate: [0] version (optional), serialNumber INTEGER, signature, issuer, validity, ...
  let i = 0;
  if (parts[0]?.tag === 0xa0) i = 1;
  const serialTlv = parts[i];
  if (serialTlv?.tag !== 0x02) return undefined;
  const serial = der.subarray(serialTlv.start, serialTlv.end);
  const extsWrapper = parts.find((p) => p.tag === 0xa3);
  if (!extsWrapper) return undefined;
  const exts = children(der, extsWrapper)[0];
  if (!exts) return undefined;
  for (const ext of children(der, exts)) {
    const [oid, ...rest] = children(der, ext);
    if (!oid || oidText(der, oid) !== AKI_OID) continue;
    const value = rest[rest.length - 1];
    if (value?.tag !== 0x04) return undefined;
    const aki = readTlv(der, value.start, value.end);
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... }
    const keyId = children(der, aki).find((c) => c.tag === 0x80);
    if (!keyId) return undefined;
    return { keyId: der.subarray(keyId.start, keyId.end), serial };
  }
  return undefined;
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
