import type { RenewBefore } from './duration.ts';

/**
 * Settings of one certificate after defaults, the per-certificate entry and command-line flags
 * have been merged. Every command works on this one shape.
 */
export interface CertSettings {
  /** The certificate's NAME in the config file, or a name derived from flags. */
  name: string;
  /** Directory with cert.pem, chain.pem, fullchain.pem, key.pem, full.pem (NixOS security.acme layout). */
  directory: string;
  certFile: string;
  keyFile: string | undefined;
  chainFile: string | undefined;
  /**
   * Trust anchors a usable certificate must chain to: a PEM bundle path, or "system" for the
   * host's bundle. Undefined: no anchor is required (the chain's links are still checked).
   */
  trust: string | undefined;
  /** Names the certificate must cover; the first is the primary (CN of new orders). */
  domains: string[];
  minValiditySeconds: number;
  renewBefore: RenewBefore;
  keyType: KeyType;
  server: string | undefined;
  email: string | undefined;
  caBundle: string | undefined;
  challenge: Challenge | undefined;
  eab: { kid: string; hmacFile: string } | undefined;
  /** Group that may read key.pem (mode 0640). */
  group: string | undefined;
  reloadServices: string[];
  /** Command run through `/bin/sh -c` after a successful install. */
  postRun: string | undefined;
  onUnusable: OnUnusable;
  reuseKey: boolean;
  ari: boolean;
  /** ACME profile for new orders; undefined: none sent (the CA's default). */
  profile: string | undefined;
  /** Another client orders and renews it (NixOS security.acme, lego, certbot); certguard only watches. */
  issuedBy: Issuer | undefined;
  /** lego's domain hash file and the hash security.acme expects in it (companion mode). */
  legoDomainHash: { file: string; hash: string } | undefined;
}

/** Another ACME client orders and renews it; certguard only checks it (companion mode). */
export type Issuer = 'security.acme' | 'lego' | 'certbot';
export const ISSUERS: readonly Issuer[] = ['security.acme', 'lego', 'certbot'];

export type KeyType = 'ec256' | 'ec384' | 'rsa2048' | 'rsa3072' | 'rsa4096';
export const KEY_TYPES: readonly KeyType[] = ['ec256', 'ec384', 'rsa2048', 'rsa3072', 'rsa4096'];

export type OnUnusable = 'fail' | 'placeholder' | 'warn';
export const ON_UNUSABLE: readonly OnUnusable[] = ['fail', 'placeholder', 'warn'];

export type Challenge =
  | { type: 'webroot'; webroot: string }
  | { type: 'http'; listen: string }
  | { type: 'dns'; hook: string; propagationSeconds: number }
  | ({ type: 'rfc2136' } & Rfc2136Settings)
  | { type: 'tls-alpn'; listen: string };

/** dns-01 through an RFC 2136 dynamic update signed with TSIG (BIND, Knot, PowerDNS). */
export interface Rfc2136Settings {
  /** Primary server taking updates: an address or host name. */
  server: string;
  port: number;
  zone: string;
  keyName: string;
  algorithm: TsigAlgorithm;
  /** The base64 TSIG secret: a path, or a name in $CREDENTIALS_DIRECTORY. Never argv. */
  secretFile: string;
  /** How long to wait for every authoritative server to answer the record. */
  propagationTimeoutSeconds: number;
}

export type TsigAlgorithm = 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512' | 'hmac-sha224' | 'hmac-sha1';
export const TSIG_ALGORITHM_NAMES: readonly TsigAlgorithm[] = [
  'hmac-sha256',
  'hmac-sha384',
  'hmac-sha512',
  'hmac-sha224',
  'hmac-sha1',
];

/** The ACME challenge a configured solver answers (pure: the renew path decides on it unloaded). */
export function challengeKind(c: Challenge): 'http-01' | 'dns-01' | 'tls-alpn-01' {
  if (c.type === 'dns' || c.type === 'rfc2136') return 'dns-01';
  return c.type === 'tls-alpn' ? 'tls-alpn-01' : 'http-01';
}

/** Settings shared by all certificates (top level of the config file). */
export interface GlobalSettings {
  stateDirectory: string;
  prometheusFile: string | undefined;
}

export const DEFAULT_CONFIG_FILE = '/etc/certguard/certguard.json';
export const DEFAULT_STATE_DIRECTORY = '/var/lib/certguard';
export const DEFAULT_CERT_ROOT = '/var/lib/acme';
