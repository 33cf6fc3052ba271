import { createPrivateKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { keyTypeName } from '../cert/key-type.ts';
import type { KeyType } from '../config/settings.ts';
import { AcmeFailure } from './types.ts';

const generate = promisify(generateKeyPair);

/**
 * A new certificate key (PKCS#8 PEM). Asynchronous: an RSA 4096 key takes seconds to find, and the
 * event loop must keep serving http-01 tokens and enforcing the deadline meanwhile.
 */
export async function newCertificateKey(keyType: KeyType): Promise<string> {
  const enc = { privateKeyEncoding: { type: 'pkcs8' as const, format: 'pem' as const } };
  switch (keyType) {
    case 'ec256':
      return (await generate('ec', { namedCurve: 'P-256', ...enc, publicKeyEncoding: SPKI })).privateKey;
    case 'ec384':
      return (await generate('ec', { namedCurve: 'P-384', ...enc, publicKeyEncoding: SPKI })).privateKey;
    case 'rsa2048':
    case 'rsa3072':
    case 'rsa4096':
      return (
        await generate('rsa', { modulusLength: Number(keyType.slice(3)), ...enc, publicKeyEncoding: SPKI })
      ).privateKey;
  }
}

const SPKI = { type: 'spki' as const, format: 'pem' as const };

/** Checks a key to reuse: ACME CSRs (acme-client) take EC P-256/P-384 and RSA keys only. */
export function checkReusableKey(keyPem: string): string {
  let name: string;
  try {
    name = keyTypeName(createPrivateKey(keyPem));
  } catch {
    throw new AcmeFailure('local-io', 'the key to reuse is not a readable private key');
  }
  if (!/^(ec256|ec384|rsa(2048|3072|4096))$/.test(name)) {
    throw new AcmeFailure(
      'local-io',
      `the key to reuse is ${name}; certguard orders ec256, ec384 or rsa2048/3072/4096`,
    );
  }
  return name;
}
