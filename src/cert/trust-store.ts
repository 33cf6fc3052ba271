import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { parseCertFields } from './cert-fields.ts';
import { sameBytes } from './der.ts';
import { readBounded } from './read-file.ts';
import type { Finding } from './reasons.ts';

/**
 * Where hosts keep the bundle of CAs that TLS clients trust. NixOS builds it from `security.pki`
 * into /etc/ssl/certs/ca-certificates.crt (a link into /etc/static); Debian and Ubuntu write the
 * same path; then Fedora/RHEL, openSUSE, Alpine. `$SSL_CERT_FILE` first, as OpenSSL and Go honour it.
 */
export const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/static/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

/** A bundle of ~150 roots is ~220 KiB; this leaves room for large private bundles. */
const MAX_BUNDLE_BYTES = 16 * 1024 * 1024;

/**
 * Trust anchors from a PEM bundle, indexed by the DER of their subject. Only the anchors whose
 * subject is some certificate's issuer are ever parsed by X509Certificate (~0.3 ms each): a
 * system bundle costs one read and one base64 pass, not 150 parses.
 */
export interface TrustAnchors {
  /** Bundle path, for messages. */
  source: string;
  bySubject: Map<string, Uint8Array[]>;
  parsed: Map<Uint8Array, X509Certificate>;
}

export type TrustSetting = 'system' | { file: string };

/** Why `value` cannot be a trust setting (config field or --trust), or undefined. */
export function trustValueProblem(value: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (value === '' || /[\x00-\x1f\x7f]/.test(value)) {
    return `expected "system" or the path of a PEM bundle of CA certificates, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

export function trustSetting(value: string): TrustSetting {
  return value === 'system' ? 'system' : { file: value };
}

/** The first system bundle that exists, or undefined. */
export function systemBundlePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.SSL_CERT_FILE ? [env.SSL_CERT_FILE, ...SYSTEM_BUNDLES] : SYSTEM_BUNDLES;
  return candidates.find((p) => existsSync(p));
}

const loaded = new Map<string, { ok: true; anchors: TrustAnchors } | { ok: false; problem: Finding }>();

/** Reads the anchors of a trust setting once per process (status judges many certificates). */
export function loadTrustAnchors(
  setting: TrustSetting,
  env: NodeJS.ProcessEnv = process.env,
): { ok: true; anchors: TrustAnchors } | { ok: false; problem: Finding } {
  const path = setting === 'system' ? systemBundlePath(env) : setting.file;
  if (path === undefined) {
    return {
      ok: false,
      problem: {
        code: 'untrusted',
        message: `trust "system": no CA bundle found (looked for $SSL_CERT_FILE, ${SYSTEM_BUNDLES.join(', ')})`,
      },
    };
  }
  const hit = loaded.get(path);
  if (hit) return hit;
  const result = readAnchors(path);
  loaded.set(path, result);
  return result;
}

function readAnchors(path: string): { ok: true; anchors: TrustAnchors } | { ok: false; problem: Finding } {
  const fail = (why: string) => ({
    ok: false as const,
    problem: { code: 'untrusted' as const, message: `trust bundle ${why}: no path can be checked` },
  });
  const read = readBounded(path, MAX_BUNDLE_BYTES);
  if (!read.ok) return fail(read.message);
  const bySubject = new Map<string, Uint8Array[]>();
  for (const der of certificateDers(read.data.toString('latin1'))) {
    try {
      const key = Buffer.from(parseCertFields(der).subject).toString('hex');
      bySubject.set(key, [...(bySubject.get(key) ?? []), der]);
    } catch {
      // An entry that is not a certificate cannot anchor anything; the others still can.
    }
  }
  if (bySubject.size === 0) return fail(`${path} holds no certificate`);
  return { ok: true, anchors: { source: path, bySubject, parsed: new Map() } };
}

/** DER of every CERTIFICATE block (Node's base64 decoder skips the line breaks). */
function certificateDers(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(
    /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([A-Za-z0-9+/=\s]*)-----END/g,
  )) {
    out.push(Buffer.from(m[1]!, 'base64'));
  }
  return out;
}

/** Anchors whose subject is exactly `name` (DER), parsed on first use. */
export function anchorsNamed(anchors: TrustAnchors, name: Uint8Array): X509Certificate[] {
  const ders = anchors.bySubject.get(Buffer.from(name).toString('hex')) ?? [];
  const out: X509Certificate[] = [];
  for (const der of ders) {
    let cert = anchors.parsed.get(der);
    if (!cert) {
      try {
        cert = new X509Certificate(der);
      } catch {
        continue;
      }
      anchors.parsed.set(der, cert);
    }
    out.push(cert);
  }
  return out;
}

/** Whether the anchors hold exactly this certificate. */
export function holdsCertificate(anchors: TrustAnchors, subject: Uint8Array, der: Uint8Array): boolean {
  return (anchors.bySubject.get(Buffer.from(subject).toString('hex')) ?? []).some((d) => sameBytes(d, der));
}

/**
 * Whether the system bundle holds this certificate, or undefined when there is no bundle. Used
 * only for a warning, so it searches the bundle's text for the certificate's first 48 base64
 * characters (inside any PEM line width of 48 or more) and decodes only the blocks found there:
 * no base64 pass over the whole bundle on a preflight that set no trust.
 */
export function systemBundleHolds(
  der: Uint8Array,
  env: NodeJS.ProcessEnv = process.env,
): boolean | undefined {
  const path = systemBundlePath(env);
  if (path === undefined) return undefined;
  const read = readBounded(path, MAX_BUNDLE_BYTES);
  if (!read.ok) return undefined;
  const text = read.data.toString('latin1');
  const b64 = Buffer.from(der).toString('base64');
  const probe = b64.slice(0, 48);
  for (let at = text.indexOf(probe); at !== -1; at = text.indexOf(probe, at + 1)) {
    const end = text.indexOf('-----END', at);
    if (end === -1) break;
    if (text.slice(at, end).replace(/\s+/g, '') === b64) return true;
  }
  return false;
}
