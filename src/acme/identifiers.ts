/**
 * ACME identifiers for the configured names: an IPv4/IPv6 literal is an `ip` identifier (RFC 8738),
 * anything else a `dns` one. The names are first put in the one normal form the preflight compares
 * in (src/cert/names.ts: lower case, A-labels, no trailing dot, IPv6 compressed and unbracketed),
 * which is also the form RFC 8738 asks for; net.isIP then only tells the two kinds apart.
 */
import { isIP } from 'node:net';
import { normalizeName } from '../cert/names.ts';
import { UsageError } from '../exit-codes.ts';

export interface Identifier {
  type: 'dns' | 'ip';
  value: string;
}

export function identifiersFor(names: readonly string[]): Identifier[] {
  return names.map((name) => {
    const value = normalizeName(name) ?? name.trim();
    return { type: isIP(value) ? 'ip' : 'dns', value };
  });
}

/**
 * RFC 8738: an IP address is validated by http-01 or tls-alpn-01, never through DNS. A settings
 * error, said before any network traffic (a renewal with new names is due at once, so it shows at
 * the first run after the change). This check lives on the order path, not in the not-due path,
 * which loads no ACME code (and no node:net).
 */
export function checkIdentifierChallenge(ids: readonly Identifier[], challengeType: string): void {
  const ips = ids.filter((i) => i.type === 'ip').map((i) => i.value);
  if (ips.length > 0 && challengeType === 'dns-01') {
    throw new UsageError(
      `IP addresses (${ips.join(', ')}) cannot be validated with dns-01: use an http-01 challenge (webroot / --webroot, httpListen / --http-listen) or tls-alpn-01`,
    );
  }
}

/**
 * Subject of the CSR: every identifier as a SAN (acme-client makes IP values IP SANs), and as CN the
 * first DNS name if it fits CN's 64 characters. An IP-only certificate gets no CN, as Let's
 * Encrypt's IP certificates have none.
 */
export function csrSubject(ids: readonly Identifier[]): { commonName?: string; altNames: string[] } {
  const cn = ids.find((i) => i.type === 'dns' && i.value.length <= 64)?.value;
  return { ...(cn ? { commonName: cn } : {}), altNames: ids.map((i) => i.value) };
}
