import { createPrivateKey, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { PLACEHOLDER_ORGANIZATION } from '../cert/placeholder-mark.ts';
import type { KeyType } from '../config/settings.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** Long enough to ride out a CA outage over a weekend; short enough that nobody mistakes it for real. */
export const PLACEHOLDER_DAYS = 7;
const DAY_MS = 86_400_000;

export interface PlaceholderPems {
  certPem: string;
  keyPem: string;
}

export interface PlaceholderRequest {
  /** Certificate NAME: the subject CN when no domain is configured. */
  name: string;
  domains: string[];
  keyType: KeyType;
  /** The configured minimum validity: a placeholder must outlive it, or it would be unusable at once. */
  minValiditySeconds: number;
}

/**
 * A self-signed stand-in for the configured names, marked with O=PLACEHOLDER_ORGANIZATION so that
 * check, renew and status recognise it from the file alone. Backdated by an hour so that a host
 * whose clock is slightly behind the one that made it still accepts it.
 */
export async function generatePlaceholder(req: PlaceholderRequest, now: Date): Promise<PlaceholderPems> {
  const { keyAlg, signAlg } = algorithms(req.keyType);
  const keys = (await webcrypto.subtle.generateKey(keyAlg as EcKeyGenParams, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const validityMs = Math.max(PLACEHOLDER_DAYS * DAY_MS, req.minValiditySeconds * 1000 + DAY_MS);
  const cn = (req.domains[0] ?? req.name).replace(/[,+="<>#;\\]/g, '_');
  const subject = `CN=${cn}, O=${PLACEHOLDER_ORGANIZATION}`;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (req.domains.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        req.domains.map((d): x509.JsonGeneralName => {
          const bare = d.replace(/^\[(.*)\]$/, '$1');
          return isIP(bare) ? { type: 'ip', value: bare } : { type: 'dns', value: d };
        }),
      ),
    );
  }
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subject,
    notBefore: new Date(now.getTime() - 3_600_000),
    notAfter: new Date(now.getTime() + validityMs),
    signingAlgorithm: signAlg,
    keys,
    extensions,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  return { certPem: `${cert.toString('pem').replace(/\r\n/g, '\n').trimEnd()}\n`, keyPem };
}

function algorithms(keyType: KeyType): { keyAlg: Algorithm; signAlg: Algorithm } {
  if (keyType.startsWith('rsa')) {
    const alg = {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: Number(keyType.slice(3)),
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    };
    return { keyAlg: alg, signAlg: alg };
  }
  const p384 = keyType === 'ec384';
  return {
    keyAlg: { name: 'ECDSA', namedCurve: p384 ? 'P-384' : 'P-256' } as Algorithm,
    signAlg: { name: 'ECDSA', hash: p384 ? 'SHA-384' : 'SHA-256' } as Algorithm,
  };
}

/** Positive, non-zero leading byte: 12 random bytes as RFC 5280 asks (at most 20 octets). */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(12));
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return Buffer.from(bytes).toString('hex');
}
