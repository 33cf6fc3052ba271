import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { ecPkcs8ToJwk, ecSec1ToJwk } from './ec-jwk.ts';
import { countBeginLines, describeUnwanted, parsePem } from './pem.ts';
import { type ReadResult, readBounded } from './read-file.ts';
import type { Finding } from './reasons.ts';

export type Loaded<T> = ({ ok: true } & T) | { ok: false; problem: Finding };

const KEY_TYPES = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

/**
 * Reads a PEM file of certificates (leaf first, then any issuers). Other blocks (such as the key in
 * a full.pem) are ignored; a file with a key and no certificate is named as such.
 */
export function loadCertificates(path: string): Loaded<{ certs: X509Certificate[] }> {
  return parseCertificates(readBounded(path), path);
}

/** The parsing half of loadCertificates, for bytes already read (or not yet written: a new cert). */
export function parseCertificates(read: ReadResult, path: string): Loaded<{ certs: X509Certificate[] }> {
  if (!read.ok) return { ok: false, problem: { code: read.code, message: read.message } };
  const text = read.data.toString('latin1');
  const blocks = parsePem(text);
  const certBlocks = blocks.filter((b) => b.type === 'CERTIFICATE' || b.type === 'X509 CERTIFICATE');
  if (certBlocks.length === 0) {
    const why = blocks.some((b) => KEY_TYPES.has(b.type))
      ? 'holds a private key, not a certificate'
      : describeUnwanted(read.data, blocks, 'certificate');
    return { ok: false, problem: { code: 'malformed', message: `${path} ${why}` } };
  }
  // A fullchain.pem cut short loses its last issuer silently otherwise: clients then fail.
  if (countBeginLines(text) > blocks.length) {
    return {
      ok: false,
      problem: { code: 'malformed', message: `${path} holds a truncated or damaged PEM block` },
    };
  }
  const certs: X509Certificate[] = [];
  for (const [i, block] of certBlocks.entries()) {
    try {
      certs.push(i === 0 ? new X509Certificate(block.der) : parseIssuer(block.der));
    } catch {
      return {
        ok: false,
        problem: { code: 'malformed', message: `${path}: certificate #${i + 1} cannot be parsed` },
      };
    }
  }
  return { ok: true, certs };
}

/**
 * Reads a private key in PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM. The key never reaches any message:
 * errors only describe the file. `groupOrWorldReadable` feeds the permission warning.
 */
export function loadPrivateKey(path: string): Loaded<{ key: KeyObject; mode: number }> {
  return parsePrivateKey(readBounded(path), path);
}

/** The parsing half of loadPrivateKey (see parseCertificates). */
export function parsePrivateKey(read: ReadResult, path: string): Loaded<{ key: KeyObject; mode: number }> {
  if (!read.ok) return { ok: false, problem: { code: read.code, message: read.message } };
  const blocks = parsePem(read.data.toString('latin1'));
  const keyBlock = blocks.find((b) => KEY_TYPES.has(b.type));
  if (!keyBlock) {
    const why = blocks.some((b) => b.type === 'CERTIFICATE')
      ? 'holds a certificate, not a private key'
      : describeUnwanted(read.data, blocks, 'private key');
    return { ok: false, problem: { code: 'malformed', message: `${path} ${why}` } };
  }
  if (keyBlock.type === 'ENCRYPTED PRIVATE KEY' || keyBlock.headers['Proc-Type']?.includes('ENCRYPTED')) {
    return {
      ok: false,
      problem: {
        code: 'malformed',
        message: `${path} is encrypted; certguard needs an unencrypted key file`,
      },
    };
  }
  try {
    const jwk =
      keyBlock.type === 'PRIVATE KEY'
        ? ecPkcs8ToJwk(keyBlock.der)
        : keyBlock.type === 'EC PRIVATE KEY' && !keyBlock.headers['Proc-Type']
          ? ecSec1ToJwk(keyBlock.der)
          : undefined;
    const key = jwk
      ? createPrivateKey({ key: jwk, format: 'jwk' })
      : createPrivateKey({ key: keyBlock.pem, format: 'pem' });
    return { ok: true, key, mode: read.mode };
  } catch {
    return {
      ok: false,
      problem: { code: 'malformed', message: `${path}: the private key cannot be parsed` },
    };
  }
}

/**
 * Issuer certificates repeat in every fullchain.pem of the same CA; OpenSSL 3 takes ~0.3 ms to
 * parse one. Parsed issuers are immutable, so one process (status over thousands of certificates)
 * parses each distinct issuer once. Bounded so a pathological input cannot grow it without limit.
 */
const issuers = new Map<string, X509Certificate>();
function parseIssuer(der: Buffer): X509Certificate {
  const key = der.toString('base64');
  const hit = issuers.get(key);
  if (hit) return hit;
  const cert = new X509Certificate(der);
  if (issuers.size < 256) issuers.set(key, cert);
  return cert;
}
