import { createPrivateKey, X509Certificate } from 'node:crypto';
import { parsePem } from '../cert/pem.ts';
import { AcmeFailure } from './types.ts';

/**
 * Splits the CA's PEM chain into the leaf and its issuers, and refuses a leaf that does not belong
 * to our key: installing such a pair would break every TLS handshake.
 */
export function splitChain(chainText: string, keyPem: string): { certPem: string; chainPem: string } {
  const certs = parsePem(chainText).filter((b) => b.type === 'CERTIFICATE');
  const leaf = certs[0];
  if (!leaf) throw new AcmeFailure('ca-error', 'the CA returned no certificate in the chain download');
  let x: X509Certificate;
  try {
    x = new X509Certificate(leaf.der);
  } catch {
    throw new AcmeFailure('ca-error', 'the CA returned a certificate that cannot be parsed');
  }
  if (!x.checkPrivateKey(createPrivateKey(keyPem))) {
    throw new AcmeFailure('ca-error', 'the CA returned a certificate for a different key than the CSR');
  }
  return {
    certPem: leaf.pem,
    chainPem: certs
      .slice(1)
      .map((b) => b.pem)
      .join(''),
  };
}
