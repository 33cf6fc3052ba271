import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/** The DNS and IP subject alternative names, in certificate order (`DNS:` / `IP Address:` stripped). */
export function subjectAltNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (!san) return [];
  const names: string[] = [];
  for (const part of san.split(/, (?=[A-Za-z ]+:)/)) {
    const m = /^(DNS|IP Address):(.*)$/.exec(part);
    if (m) names.push(unquote(m[2]!));
  }
  return names;
}

/**
 * Whether the certificate covers `name` through a SAN, per RFC 6125: the CN is never consulted, a
 * wildcard stands for exactly one whole leftmost label, IP addresses match IP SANs only.
 * OpenSSL (X509_check_host/ip) does the matching; we only choose its strict flags.
 */
export function coversName(cert: X509Certificate, name: string): boolean {
  const trimmed = name.trim().replace(/\.$/, '');
  const bare = trimmed.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return cert.checkIP(bare) !== undefined;
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (!ascii) return false;
  return (
    cert.checkHost(ascii, {
      subject: 'never',
      wildcards: true,
      partialWildcards: false,
      multiLabelWildcards: false,
      singleLabelSubdomains: false,
    }) !== undefined
  );
}

function unquote(s: string): string {
  if (s.startsWith('"') && s.endsWith('"')) {
    try {
      return JSON.parse(s) as string;
    } catch {
      return s;
    }
  }
  return s;
}
