import type { X509Certificate } from 'node:crypto';
import { domainToASCII } from 'node:url';

/** The DNS and IP subject alternative names, in certificate order (`DNS:` / `IP Address:` stripped). */
export function subjectAltNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (!san) return [];
  const names: string[] = [];
  for (const part of sanEntries(san)) {
    const type = part.startsWith('DNS:') ? 'DNS' : part.startsWith('IP Address:') ? 'IP Address' : undefined;
    const raw = type && part.slice(type.length + 1);
    if (raw === undefined || /* as `.` would not match */ hasLineBreak(raw)) continue;
    const value = unquote(raw);
    // Node spells IPv6 SANs out in full (0:0:0:0:0:0:0:1); report them as people write them (::1).
    names.push(type === 'IP Address' ? (ipAddress(value) ?? value) : value);
  }
  return names;
}

// The name checks below avoid regular expressions: they run on every preflight start, and V8
// compiles each expression on its first use (up to ~0.3 M instructions each, see bench/preflight.mjs).

/**
 * Node's subjectAltName text ("DNS:a, DNS:b, IP Address:1.2.3.4") cut into entries: at each ", "
 * that a type and a colon follow, so that a quoted value holding ", " stays whole.
 */
function sanEntries(san: string): string[] {
  const entries: string[] = [];
  let start = 0;
  for (let i = san.indexOf(', '); i !== -1; i = san.indexOf(', ', i + 1)) {
    let j = i + 2;
    while (j < san.length && (isLetter(san.charCodeAt(j)) || san[j] === ' ')) j++;
    if (j > i + 2 && san[j] === ':') {
      entries.push(san.slice(start, i));
      start = i + 2;
    }
  }
  entries.push(san.slice(start));
  return entries;
}

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const hasLineBreak = (s: string): boolean =>
  s.includes('\n') || s.includes('\r') || s.includes('\u2028') || s.includes('\u2029');

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
  return ipAddress(unbracket(name.trim())) !== undefined;
}

/** Why `name` cannot be a certificate name, or undefined when it can (for config and flag checks). */
export function domainProblem(name: string): string | undefined {
  return checkName(name).problem;
}

/** A DNS label as certificates carry them: 1-63 of [a-z0-9_-], not starting or ending with '-'. */
function isLabel(label: string): boolean {
  if (label.length < 1 || label.length > 63 || label.startsWith('-') || label.endsWith('-')) return false;
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || isDigit(c) || c === 95 || c === 45)) return false;
  }
  return true;
}

/** Only printable ASCII, no space (0x21-0x7e). */
function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

function checkName(name: string): { normal?: string; problem?: string } {
  const trimmed = name.trim();
  if (trimmed === '') return { problem: 'empty name' };
  const ip = ipAddress(unbracket(trimmed));
  if (ip !== undefined) return { normal: ip };
  const show = JSON.stringify(name);
  const lower = (trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed).toLowerCase();
  // IDNA conversion initialises ICU (~2 ms of a preflight start): only Unicode names need it.
  const ascii = isPrintableAscii(lower) ? lower : domainToASCII(lower);
  if (!ascii) return { problem: `${show} is not a valid DNS name or IP address` };
  if (ascii.length > 253) return { problem: `${show} is longer than 253 characters` };
  const labels = ascii.split('.');
  // An all-numeric last label is no host name (RFC 1123 §2.1): most likely a mistyped IPv4 address.
  if (allDigits(labels.at(-1)!)) return { problem: `${show} is not a valid DNS name or IP address` };
  for (const [i, label] of labels.entries()) {
    if (label === '*' && i === 0 && labels.length >= 3) continue;
    if (label.includes('*')) {
      return {
        problem: `${show}: a wildcard must be the whole leftmost label of a name with at least 3 labels (*.example.com)`,
      };
    }
    if (!isLabel(label))
      return { problem: `${show} is not a valid DNS name (label ${JSON.stringify(label)})` };
  }
  return { normal: ascii };
}

/** A dotted quad: four decimal parts of 0-255 without leading zeros. */
function isDottedQuad(s: string): boolean {
  const parts = s.split('.');
  return (
    parts.length === 4 &&
    parts.every(
      (p) =>
        p.length >= 1 &&
        p.length <= 3 &&
        allDigits(p) &&
        (p.length === 1 || p[0] !== '0') &&
        Number(p) <= 255,
    )
  );
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return s.length > 0;
}

/** `[addr]` without its brackets; anything else unchanged. */
const unbracket = (s: string): string =>
  s.length >= 2 && s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;

/**
 * The address in canonical form if `s` is a dotted-quad IPv4 or an IPv6 address. Not node:net's
 * isIP: its IPv6 regular expression alone cost ~6 ms of compile time per preflight start, and the
 * module drags in streams. IPv6 goes through the WHATWG URL host parser (native, already loaded).
 * No regular expression for IPv4 either: each one V8 compiles on the preflight's path costs start-up.
 */
function ipAddress(s: string): string | undefined {
  if (isDottedQuad(s)) return s;
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
