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
  | { type: 'dns'; hook: string; propagationSeconds: number };

/** Settings shared by all certificates (top level of the config file). */
export interface GlobalSettings {
  stateDirectory: string;
  prometheusFile: string | undefined;
}

export const DEFAULT_CONFIG_FILE = '/etc/certguard/certguard.json';
export const DEFAULT_STATE_DIRECTORY = '/var/lib/certguard';
export const DEFAULT_CERT_ROOT = '/var/lib/acme';
