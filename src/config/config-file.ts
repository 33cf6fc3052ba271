import { readFileSync } from 'node:fs';
import { UsageError } from '../exit-codes.ts';
import { DEFAULT_CONFIG_FILE } from './settings.ts';

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
  webroot?: string;
  httpListen?: string;
  dnsHook?: string;
  dnsPropagation?: string | number;
  eab?: { kid: string; hmacFile: string };
  group?: string;
  reloadServices?: string[];
  postRun?: string;
  onUnusable?: string;
  reuseKey?: boolean;
  ari?: boolean;
}

export interface RawConfig {
  stateDirectory?: string;
  prometheusFile?: string;
  defaults: RawCertEntry;
  certs: Record<string, RawCertEntry>;
}

type FieldType = 'string' | 'duration' | 'strings' | 'boolean' | 'eab';
const ENTRY_FIELDS: Record<keyof RawCertEntry, FieldType> = {
  directory: 'string',
  domains: 'strings',
  minValidity: 'duration',
  renewBefore: 'duration',
  keyType: 'string',
  server: 'string',
  email: 'string',
  caBundle: 'string',
  webroot: 'string',
  httpListen: 'string',
  dnsHook: 'string',
  dnsPropagation: 'duration',
  eab: 'eab',
  group: 'string',
  reloadServices: 'strings',
  postRun: 'string',
  onUnusable: 'string',
  reuseKey: 'boolean',
  ari: 'boolean',
};
const TOP_FIELDS = new Set(['stateDirectory', 'prometheusFile', 'defaults', 'certs', '$schema', 'comment']);

/** The config file to use: `--config`, then `$CERTGUARD_CONFIG`, then the default path. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? (env.CERTGUARD_CONFIG || DEFAULT_CONFIG_FILE);
}

/** Reads and validates the config file; every problem is a UsageError naming the file and field. */
export function loadConfigFile(path: string): RawConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    throw new UsageError(`config ${path}: ${why}`);
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, path: string): RawConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`config ${path}: invalid JSON ${jsonErrorLocation(text, (err as Error).message)}`);
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
    const type = ENTRY_FIELDS[key as keyof RawCertEntry];
    if (!type) throw new UsageError(`${where}: unknown field "${key}"`);
    if (value === null) continue;
    if (!fieldOk(type, value)) throw new UsageError(`${where}.${key}: expected ${describe(type)}`);
    out[key] = value;
  }
  return out as RawCertEntry;
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
  }
}

function describe(type: FieldType): string {
  return {
    string: 'a string',
    duration: 'a duration string (30d) or seconds',
    strings: 'an array of strings',
    boolean: 'true or false',
    eab: 'an object {"kid": ..., "hmacFile": ...}',
  }[type];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Turns V8's "at position N" into "at line L, column C" so the user can find the mistake. */
function jsonErrorLocation(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return `(${message})`;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `at line ${line}, column ${column} (${message.replace(/ in JSON at position \d+.*$/, '')})`;
}
