import type { X509Certificate } from 'node:crypto';
import { domainToASCII } from 'node:url';

/** The DNS and IP subject alternative names, in certificate order (`DNS:` / `IP Address:` stripped). */
export function subjectAltNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (!san) return [];
  const names: string[] = [];
  for (const part of san.split(/, (?=[A-Za-z ]+:)/)) {
    const m = /^(DNS|IP Address):(.*)$/.exec(part);
    if (!m) continue;
    const value = unquote(m[2]!);
    // Node spells IPv6 SANs out in full (0:0:0:0:0:0:0:1); report them as people write them (::1).
    names.push(m[1] === 'IP Address' ? (ipAddress(value) ?? value) : value);
  }
  return names;
}

/**
 * Whether the certificate covers `name` through a SAN, per RFC 6125: the CN is never consulted, a
 * wildcard stands for exactly one whole leftmost label, IP addresses match IP SANs only.
 * OpenSSL (X509_check_host/ip) does the matching; we only choose its strict flags.
 */
export function coversName(cert: X509Certificate, name: string): boolean {
  const normal = normalizeName(name);
  if (normal === undefined) return false;
  if (ipAddress(normal) !== undefined) return cert.checkIP(normal) !== undefined;
  // A wildcard name ("*.example.com") is only covered by the same wildcard SAN: OpenSSL compares
  // it literally, as a SAN "a.example.com" must not cover every name under example.com.
  return (
    cert.checkHost(normal, {
      subject: 'never',
      wildcards: true,
      partialWildcards: false,
      multiLabelWildcards: false,
      singleLabelSubdomains: false,
    }) !== undefined
  );
}

/**
 * The form names are compared in: IP addresses unbracketed, DNS names lower case, in ASCII
 * (IDNA/punycode, as SANs carry them) and without the trailing root dot. Undefined if the name is
 * not a syntactically valid IP address or DNS name (see domainProblem for why).
 */
export function normalizeName(name: string): string | undefined {
  return checkName(name).normal;
}

/**
 * Whether `name` is an IPv4 or IPv6 literal (brackets allowed). Such a name is an ACME `ip`
 * identifier (RFC 8738), never a DNS one; normalizeName gives its canonical form.
 */
export function isIpLiteral(name: string): boolean {
  return ipAddress(name.trim().replace(/^\[(.*)\]$/, '$1')) !== undefined;
}

/** Why `name` cannot be a certificate name, or undefined when it can (for config and flag checks). */
export function domainProblem(name: string): string | undefined {
  return checkName(name).problem;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

function checkName(name: string): { normal?: string; problem?: string } {
  const trimmed = name.trim();
  if (trimmed === '') return { problem: 'empty name' };
  const ip = ipAddress(trimmed.replace(/^\[(.*)\]$/, '$1'));
  if (ip !== undefined) return { normal: ip };
  const show = JSON.stringify(name);
  const lower = trimmed.replace(/\.$/, '').toLowerCase();
  // IDNA conversion initialises ICU (~2 ms of a preflight start): only Unicode names need it.
  const ascii = /^[\x21-\x7e]*$/.test(lower) ? lower : domainToASCII(lower);
  if (!ascii) return { problem: `${show} is not a valid DNS name or IP address` };
  if (ascii.length > 253) return { problem: `${show} is longer than 253 characters` };
  const labels = ascii.split('.');
  // An all-numeric last label is no host name (RFC 1123 §2.1): most likely a mistyped IPv4 address.
  if (/^\d+$/.test(labels.at(-1)!)) return { problem: `${show} is not a valid DNS name or IP address` };
  for (const [i, label] of labels.entries()) {
    if (label === '*' && i === 0 && labels.length >= 3) continue;
    if (label.includes('*')) {
      return {
        problem: `${show}: a wildcard must be the whole leftmost label of a name with at least 3 labels (*.example.com)`,
      };
    }
    if (!LABEL.test(label))
      return { problem: `${show} is not a valid DNS name (label ${JSON.stringify(label)})` };
  }
  return { normal: ascii };
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * The address in canonical form if `s` is a dotted-quad IPv4 or an IPv6 address. Not node:net's
 * isIP: its IPv6 regular expression alone cost ~6 ms of compile time per preflight start, and the
 * module drags in streams. IPv6 goes through the WHATWG URL host parser (native, already loaded).
 */
function ipAddress(s: string): string | undefined {
  if (IPV4.test(s)) return s;
  if (!s.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  try {
    return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
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
