import { join } from 'node:path';
import { domainProblem, normalizeName } from '../cert/names.ts';
import { UsageError } from '../exit-codes.ts';
import { checkListen, rfc2136Settings, TLS_ALPN_PORT } from './challenge-config.ts';
import { checkName, checkValue, type RawCertEntry, type RawConfig } from './config-file.ts';
import { parseDuration, parseRenewBefore, VALIDITY_RULE, WAIT_RULE } from './duration.ts';
import {
  type CertSettings,
  type Challenge,
  DEFAULT_CERT_ROOT,
  DEFAULT_STATE_DIRECTORY,
  type GlobalSettings,
  type Issuer,
  KEY_TYPES,
  type KeyType,
  ON_UNUSABLE,
  type OnUnusable,
} from './settings.ts';

const CHALLENGE_FIELDS = [
  'webroot',
  'httpListen',
  'dnsHook',
  'dnsPropagation',
  'rfc2136',
  'tlsAlpnListen',
] as const;

/**
 * Default renewal point: the lifetime rule of src/cert/renewal-point.ts (the last third of the
 * lifetime, as Let's Encrypt and certbot advise; two thirds for certificates under 10 days).
 */
export const DEFAULT_RENEW_BEFORE = 'auto';

export function globalSettings(config: RawConfig | undefined): GlobalSettings {
  return {
    stateDirectory: config?.stateDirectory ?? DEFAULT_STATE_DIRECTORY,
    prometheusFile: config?.prometheusFile,
  };
}

/** Looks NAME up in the config file; an unknown NAME is a usage error listing what exists. */
export function certEntry(config: RawConfig, name: string, where: string): RawCertEntry {
  // hasOwn: a NAME such as "constructor" must not find Object.prototype's members.
  const entry = Object.hasOwn(config.certs, name) ? config.certs[name] : undefined;
  if (!entry) {
    const known = Object.keys(config.certs);
    const list = known.length
      ? `known: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''}`
      : 'none';
    throw new UsageError(`${where}: no certificate named "${name}" (${list})`);
  }
  return entry;
}

/**
 * Merges defaults < entry < flags into CertSettings. A layer that names any challenge field
 * replaces the challenge of the layers below it, so `defaults.webroot` plus a per-certificate
 * `dnsHook` means dns-01, not a conflict.
 */
export function resolveCert(name: string, layers: RawCertEntry[], where: string): CertSettings {
  checkName(name, where);
  const merged: RawCertEntry = {};
  for (const layer of layers) {
    // The config file's layers were checked when parsed; flags are checked by the same rules here.
    // (domains: canonicalDomains below, which also drops blank entries.)
    for (const [k, v] of Object.entries(layer)) {
      if (v !== undefined && v !== null && k !== 'domains')
        checkValue(k as keyof RawCertEntry, v, `${where}.${k}`);
    }
    if (CHALLENGE_FIELDS.some((f) => layer[f] !== undefined)) {
      for (const f of CHALLENGE_FIELDS) delete merged[f];
    }
    for (const [k, v] of Object.entries(layer)) {
      if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
    }
  }
  const directory = merged.directory ?? join(DEFAULT_CERT_ROOT, name);
  return {
    name,
    directory,
    certFile: join(directory, 'fullchain.pem'),
    keyFile: join(directory, 'key.pem'),
    chainFile: undefined,
    trust: merged.trust,
    domains: canonicalDomains(merged.domains ?? [], `${where}.domains`),
    minValiditySeconds:
      merged.minValidity === undefined
        ? 0
        : parseDuration(merged.minValidity, `${where}.minValidity`, VALIDITY_RULE),
    renewBefore: parseRenewBefore(merged.renewBefore ?? DEFAULT_RENEW_BEFORE, `${where}.renewBefore`),
    keyType: oneOf(merged.keyType ?? 'ec256', KEY_TYPES, `${where}.keyType`) as KeyType,
    server: merged.server,
    email: merged.email,
    caBundle: merged.caBundle,
    challenge: challenge(merged, where),
    eab: merged.eab,
    group: merged.group,
    reloadServices: merged.reloadServices ?? [],
    postRun: merged.postRun,
    onUnusable: oneOf(merged.onUnusable ?? 'fail', ON_UNUSABLE, `${where}.onUnusable`) as OnUnusable,
    reuseKey: merged.reuseKey ?? false,
    ari: merged.ari ?? true,
    profile: merged.profile,
    issuedBy: merged.issuedBy as Issuer | undefined,
    legoDomainHash: merged.legoDomainHash,
  };
}

/**
 * Names as the CA and the SAN check want them: A-labels (bücher.test -> xn--bcher-kva.test),
 * lower case, no trailing root dot, IP literals in canonical form (an ACME `ip` identifier: see
 * isIpLiteral). Blank entries are dropped and duplicates after normalising are kept once.
 */
export function canonicalDomains(domains: readonly string[], where: string): string[] {
  const out: string[] = [];
  for (const [i, d] of domains.entries()) {
    if (d.trim() === '') continue;
    const normal = normalizeName(d);
    if (normal === undefined) throw new UsageError(`${where}[${i}]: ${domainProblem(d)}`);
    if (!out.includes(normal)) out.push(normal);
  }
  return out;
}

/**
 * A certificate of the config file: defaults < certs.NAME < flags. An entry without `domains`
 * certifies its NAME, as the NixOS module's `domain` defaults to the name: one rule in both.
 */
export function resolveNamed(
  config: RawConfig,
  name: string,
  flags: RawCertEntry,
  where: string,
): CertSettings {
  const entry = certEntry(config, name, where);
  const layers = [config.defaults, entry, flags];
  const named = layers.some((l) => l.domains !== undefined && l.domains.length > 0)
    ? layers
    : [{ domains: [name] }, ...layers];
  return resolveCert(name, named, `${where}: certs.${name}`);
}

function challenge(e: RawCertEntry, where: string): Challenge | undefined {
  const set = (['webroot', 'httpListen', 'dnsHook', 'rfc2136', 'tlsAlpnListen'] as const).filter(
    (f) => e[f] !== undefined,
  );
  if (set.length > 1) throw new UsageError(`${where}: choose one challenge, not ${set.join(' and ')}`);
  if (e.webroot !== undefined) return { type: 'webroot', webroot: e.webroot };
  if (e.httpListen !== undefined) return { type: 'http', listen: e.httpListen };
  if (e.dnsHook !== undefined) {
    const propagationSeconds =
      e.dnsPropagation === undefined
        ? 0
        : parseDuration(e.dnsPropagation, `${where}.dnsPropagation`, WAIT_RULE);
    return { type: 'dns', hook: e.dnsHook, propagationSeconds };
  }
  if (e.rfc2136 !== undefined) {
    return { type: 'rfc2136', ...rfc2136Settings(e.rfc2136, e.domains ?? [], `${where}.rfc2136`) };
  }
  if (e.tlsAlpnListen !== undefined) {
    return {
      type: 'tls-alpn',
      listen: checkListen(e.tlsAlpnListen, `${where}.tlsAlpnListen`, TLS_ALPN_PORT),
    };
  }
  return undefined;
}

function oneOf(value: string, allowed: readonly string[], what: string): string {
  if (!allowed.includes(value))
    throw new UsageError(`${what}: expected one of ${allowed.join(', ')}, got "${value}"`);
  return value;
}
