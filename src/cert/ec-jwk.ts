import type { JsonWebKey } from 'node:crypto';

/**
 * OpenSSL 3 decodes a PEM/DER private key in ~0.7 ms (it tries every decoder); a JWK imports in
 * ~0.1 ms. For the common case, an unencrypted P-256/P-384 key (PKCS#8 or SEC1) that carries its
 * public point (OpenSSL, Node, lego and acme-client all write it), read the fields with a DER walk and
 * import them as a JWK. Anything else returns undefined and takes the general OpenSSL path, so a
 * key this does not understand is never misread, only imported more slowly.
 */
export function ecPkcs8ToJwk(der: Buffer): JsonWebKey | undefined {
  try {
    const [, algorithm, privateKey] = children(der, tlv(der, 0));
    if (!algorithm || privateKey?.tag !== 0x04) return undefined;
    const [oid, curveOid] = children(der, algorithm);
    if (!oid || !curveOid || hex(der, oid) !== EC_PUBLIC_KEY) return undefined;
    return sec1Jwk(der.subarray(privateKey.start, privateKey.end), hex(der, curveOid));
  } catch {
    return undefined;
  }
}

/** The same for SEC1 `EC PRIVATE KEY` PEM blocks (as lego and `openssl ecparam` write them). */
export function ecSec1ToJwk(der: Buffer): JsonWebKey | undefined {
  try {
    return sec1Jwk(der, undefined);
  } catch {
    return undefined;
  }
}

/** ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] curve OID?, [1] publicKey? } */
function sec1Jwk(sec1: Buffer, curveHex: string | undefined): JsonWebKey | undefined {
  const fields = children(sec1, tlv(sec1, 0));
  const d = fields[1];
  const params = fields.find((f) => f.tag === 0xa0);
  const pubField = fields.find((f) => f.tag === 0xa1);
  const inner = params ? hex(sec1, tlv(sec1, params.start)) : undefined;
  // In PKCS#8 the curve is in the algorithm; a [0] inside must agree with it.
  if (curveHex !== undefined && inner !== undefined && inner !== curveHex) return undefined;
  const curve = CURVES[curveHex ?? inner ?? ''];
  if (!curve || d?.tag !== 0x04 || d.end - d.start !== curve.size || !pubField) return undefined;
  const bits = tlv(sec1, pubField.start);
  const point = sec1.subarray(bits.start + 1, bits.end); // skip the unused-bits byte
  if (bits.tag !== 0x03 || point[0] !== 0x04 || point.length !== 1 + 2 * curve.size) return undefined;
  return {
    kty: 'EC',
    crv: curve.crv,
    d: sec1.subarray(d.start, d.end).toString('base64url'),
    x: point.subarray(1, 1 + curve.size).toString('base64url'),
    y: point.subarray(1 + curve.size).toString('base64url'),
  };
}

const EC_PUBLIC_KEY = '2a8648ce3d0201'; // 1.2.840.10045.2.1
const CURVES: Record<string, { crv: string; size: number }> = {
  '2a8648ce3d030107': { crv: 'P-256', size: 32 }, // 1.2.840.10045.3.1.7
  '2b81040022': { crv: 'P-384', size: 48 }, // 1.3.132.0.34
};

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function tlv(b: Buffer, offset: number): Tlv {
  const tag = b[offset]!;
  let length = b[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + b[offset + 2 + i]!;
    header += n;
  }
  const end = offset + header + length;
  if (end > b.length) throw new Error('truncated DER');
  return { tag, start: offset + header, end };
}

function children(b: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let o = parent.start; o < parent.end; ) {
    const child = tlv(b, o);
    out.push(child);
    o = child.end;
  }
  return out;
}

function hex(b: Buffer, t: Tlv): string {
  return b.subarray(t.start, t.end).toString('hex');
}
