import type { X509Certificate } from 'node:crypto';

/**
 * Placeholders (self-signed stand-ins installed so a service can start before the first real
 * certificate arrives) carry this organisation in their subject, so check, renew and status can
 * tell them apart from a real certificate without any state file.
 */
export const PLACEHOLDER_ORGANIZATION = 'certguard placeholder';

export function isPlaceholder(cert: X509Certificate): boolean {
  // Node gives undefined, not '', for an empty subject (allowed when a critical SAN names the host).
  return (cert.subject ?? '').split('\n').includes(`O=${PLACEHOLDER_ORGANIZATION}`);
}
