import { domainProblem } from '../cert/names.ts';
import { readBounded } from '../cert/read-file.ts';
import { trustValueProblem } from '../cert/trust-store.ts';
import { UsageError } from '../exit-codes.ts';
import { checkListen, checkRfc2136, type RawRfc2136, TLS_ALPN_PORT } from './challenge-config.ts';
import { parseDuration, parseRenewBefore, VALIDITY_RULE, WAIT_RULE } from './duration.ts';
import { FIELD_CHECKS } from './field-checks.ts';
import { locateJsonError } from './json-error.ts';
import { DEFAULT_CONFIG_FILE, ISSUERS, KEY_TYPES, ON_UNUSABLE } from './settings.ts';

/**
 * One certificate's entry (or `defaults`) as written in the JSON config file. Durations may be
 * strings (`30d`) or seconds. Every flag of every command has an equivalent here.
 */
export interface RawCertEntry {
  directory?: string;
  domains?: string[];
  minValidity?: string | number;
  renewBefore?: string | number;
  keyType?: string;
  server?: string;
  email?: string;
  caBundle?: string;
  /** "system" or a PEM bundle: the anchors a usable certificate must chain to. */
  trust?: string;
  webroot?: string;
  httpListen?: string;
  dnsHook?: string;
  dnsPropagation?: string | number;
  rfc2136?: RawRfc2136;
  tlsAlpnListen?: string;
  eab?: { kid: string; hmacFile: string };
  group?: string;
  reloadServices?: string[];
  postRun?: string;
  onUnusable?: string;
  reuseKey?: boolean;
  ari?: boolean;
  /** ACME profile to ask for (draft-ietf-acme-profiles), e.g. `shortlived`; unset: the CA's default. */
  profile?: string;
  /** Who orders and renews it when not certguard: "security.acme" (NixOS companion mode), "lego", "certbot". */
  issuedBy?: string;
  /** lego's domain hash as security.acme keeps it: a different or missing file means names changed. */
  legoDomainHash?: { file: string; hash: string };
}

export interface RawConfig {
  stateDirectory?: string;
  prometheusFile?: string;
  defaults: RawCertEntry;
  certs: Record<string, RawCertEntry>;
}

type FieldType = 'string' | 'duration' | 'strings' | 'boolean' | 'eab' | 'object' | 'fileHash';
const ENTRY_FIELDS: Record<keyof RawCertEntry, FieldType> = {
  directory: 'string',
  domains: 'strings',
  minValidity: 'duration',
  renewBefore: 'duration',
  keyType: 'string',
  server: 'string',
  email: 'string',
  caBundle: 'string',
  trust: 'string',
  webroot: 'string',
  httpListen: 'string',
  dnsHook: 'string',
  dnsPropagation: 'duration',
  rfc2136: 'object',
  tlsAlpnListen: 'string',
  eab: 'eab',
  group: 'string',
  reloadServices: 'strings',
  postRun: 'string',
  onUnusable: 'string',
  reuseKey: 'boolean',
  ari: 'boolean',
  profile: 'string',
  issuedBy: 'string',
  legoDomainHash: 'fileHash',
};
const TOP_FIELDS = new Set(['stateDirectory', 'prometheusFile', 'defaults', 'certs', '$schema', 'comment']);

/** The config file to use: `--config`, then `$CERTGUARD_CONFIG`, then the default path. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? (env.CERTGUARD_CONFIG || DEFAULT_CONFIG_FILE);
}

/**
 * A config file for thousands of certificates is well under this; the bound keeps a mistaken path
 * (a log, a disk image) from costing memory during a service start.
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Reads and validates the config file; every problem is a UsageError naming the file and field.
 * The read is bounded and never blocks (a FIFO or device is refused), like the certificate reads.
 */
export function loadConfigFile(path: string): RawConfig {
  const read = readBounded(path, MAX_CONFIG_BYTES);
  if (!read.ok) throw new UsageError(`config ${read.message}`);
  return parseConfig(read.data.toString('utf8'), path);
}

export function parseConfig(text: string, path: string): RawConfig {
  // Editors on some systems save a UTF-8 byte order mark, which JSON.parse rejects.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const at = locateJsonError(text);
    throw new UsageError(`config ${path}: invalid JSON at line ${at.line}, column ${at.column}: ${at.what}`);
  }
  if (!isObject(data)) throw new UsageError(`config ${path}: the top level must be a JSON object`);
  for (const key of Object.keys(data)) {
    if (!TOP_FIELDS.has(key)) throw new UsageError(`config ${path}: unknown field "${key}"`);
  }
  const config: RawConfig = { defaults: {}, certs: {} };
  for (const key of ['stateDirectory', 'prometheusFile'] as const) {
    const v = data[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || v === '')
      throw new UsageError(`config ${path}: ${key} must be a non-empty string`);
    config[key] = v;
  }
  if (data.defaults !== undefined) config.defaults = checkEntry(data.defaults, `config ${path}: defaults`);
  if (data.certs !== undefined) {
    if (!isObject(data.certs))
      throw new UsageError(`config ${path}: certs must be an object of NAME -> settings`);
    for (const [name, entry] of Object.entries(data.certs)) {
      checkName(name, `config ${path}: certs`);
      config.certs[name] = checkEntry(entry, `config ${path}: certs.${name}`);
    }
  }
  return config;
}

/** Certificate names become directory and systemd instance names: keep them to a safe alphabet. */
export function checkName(name: string, where: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(name) || name.includes('..')) {
    throw new UsageError(
      `${where}: invalid certificate name ${JSON.stringify(name)} (letters, digits, . _ -)`,
    );
  }
}

function checkEntry(entry: unknown, where: string): RawCertEntry {
  if (!isObject(entry)) throw new UsageError(`${where} must be an object`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    // hasOwn: "constructor" or "toString" must not find Object.prototype's members.
    const type = Object.hasOwn(ENTRY_FIELDS, key) ? ENTRY_FIELDS[key as keyof RawCertEntry] : undefined;
    if (!type) throw new UsageError(`${where}: unknown field "${key}"`);
    if (value === null) continue;
    if (!fieldOk(type, value)) throw new UsageError(`${where}.${key}: expected ${describe(type)}`);
    checkValue(key as keyof RawCertEntry, value, `${where}.${key}`);
    out[key] = value;
  }
  return out as RawCertEntry;
}

/**
 * Values are checked where they are written, so a bad `defaults.renewBefore` is reported as
 * `defaults.renewBefore` (and for every certificate), not later as the field of whichever
 * certificate happened to be resolved first.
 */
export function checkValue(key: keyof RawCertEntry, value: unknown, where: string): void {
  const problem = Object.hasOwn(FIELD_CHECKS, key) ? FIELD_CHECKS[key]!(value) : undefined;
  if (problem) throw new UsageError(`${where}: ${problem}`);
  switch (key) {
    case 'minValidity':
      parseDuration(value, where, VALIDITY_RULE);
      return;
    case 'dnsPropagation':
      parseDuration(value, where, WAIT_RULE);
      return;
    case 'renewBefore':
      parseRenewBefore(value, where);
      return;
    case 'keyType':
      oneOf(value as string, KEY_TYPES, where);
      return;
    case 'onUnusable':
      oneOf(value as string, ON_UNUSABLE, where);
      return;
    case 'domains':
      for (const [i, d] of (value as string[]).entries()) {
        const problem = domainProblem(d);
        if (problem) throw new UsageError(`${where}[${i}]: ${problem}`);
      }
      return;
    case 'trust': {
      const problem = trustValueProblem(value as string);
      if (problem) throw new UsageError(`${where}: ${problem}`);
      return;
    }
    case 'rfc2136':
      checkRfc2136(value, where);
      return;
    case 'tlsAlpnListen':
      checkListen(value, where, TLS_ALPN_PORT);
      return;
    case 'directory':
      if (value === '') throw new UsageError(`${where}: expected a non-empty path`);
      return;
    case 'profile':
      profileProblem(value as string, where);
      return;
    case 'issuedBy':
      oneOf(value as string, ISSUERS, where);
      return;
    case 'legoDomainHash':
      checkDomainHash(value as { file: string; hash: string }, where);
      return;
    default:
      return;
  }
}

/**
 * A profile name is sent to the CA and printed in messages: a short token (Let's Encrypt's are
 * `classic`, `tlsserver`, `shortlived`), never control characters or an unbounded string.
 */
export function profileProblem(value: string, where: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) {
    throw new UsageError(
      `${where}: expected an ACME profile name such as shortlived (letters, digits, . _ -, at most 64), got ${JSON.stringify(value.slice(0, 70))}`,
    );
  }
}

/** security.acme's hash is 20 hex digits; the file is an absolute path (it is read as root). */
function checkDomainHash(v: { file: string; hash: string }, where: string): void {
  if (!v.file.startsWith('/')) throw new UsageError(`${where}.file: expected an absolute path`);
  if (!/^[0-9a-f]{1,64}$/.test(v.hash)) throw new UsageError(`${where}.hash: expected hex digits`);
}

function oneOf(value: string, allowed: readonly string[], where: string): void {
  if (!allowed.includes(value)) {
    throw new UsageError(`${where}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
}

function fieldOk(type: FieldType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'duration':
      return typeof v === 'string' || (typeof v === 'number' && v >= 0);
    case 'strings':
      return Array.isArray(v) && v.every((s) => typeof s === 'string');
    case 'boolean':
      return typeof v === 'boolean';
    case 'eab':
      return isObject(v) && typeof v.kid === 'string' && typeof v.hmacFile === 'string';
    case 'object':
      return isObject(v);
    case 'fileHash':
      return isObject(v) && typeof v.file === 'string' && typeof v.hash === 'string';
  }
}

function describe(type: FieldType): string {
  return {
    string: 'a string',
    duration: 'a duration string (30d) or seconds',
    strings: 'an array of strings',
    boolean: 'true or false',
    eab: 'an object {"kid": ..., "hmacFile": ...}',
    object: 'an object',
    fileHash: 'an object {"file": ..., "hash": ...}',
  }[type];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
