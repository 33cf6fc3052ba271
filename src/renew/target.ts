import { checkListen, checkRfc2136, type RawRfc2136, TLS_ALPN_PORT } from '../config/challenge-config.ts';
import {
  configPath,
  loadConfigFile,
  profileProblem,
  type RawCertEntry,
  type RawConfig,
} from '../config/config-file.ts';
import { globalSettings, resolveCert, resolveNamed } from '../config/resolve.ts';
import type { CertSettings, GlobalSettings } from '../config/settings.ts';
import { UsageError } from '../exit-codes.ts';

/** `certguard renew` options after parsing; every field except the switches mirrors a config field. */
export interface RenewArgs {
  name?: string;
  config?: string;
  directory?: string;
  domains: string[];
  server?: string;
  email?: string;
  webroot?: string;
  httpListen?: string;
  dnsHook?: string;
  dnsPropagation?: string;
  /** --rfc2136-*: server, port, zone, key name, algorithm, secret file. */
  rfc2136?: Partial<Record<'server' | 'port' | 'zone' | 'keyName' | 'algorithm' | 'secretFile', string>>;
  tlsAlpnListen?: string;
  keyType?: string;
  renewBefore?: string;
  minValidity?: string;
  caBundle?: string;
  eabKid?: string;
  eabHmacFile?: string;
  group?: string;
  reload: string[];
  postRun?: string;
  reuseKey?: boolean;
  stateDir?: string;
  profile?: string;
}

export interface RenewTarget {
  settings: CertSettings;
  global: GlobalSettings;
  /** The config file, when NAME came from one (metrics refresh needs it). */
  config: RawConfig | undefined;
}

/**
 * Settings for a renewal: NAME's entry in the config file with flags on top, or flags alone (then
 * --directory and --domain are required and the name is derived from the first domain).
 */
export function resolveRenewTarget(args: RenewArgs, env: NodeJS.ProcessEnv = process.env): RenewTarget {
  const flags = flagLayer(args);
  if (args.name === undefined) {
    if (!args.directory || args.domains.length === 0) {
      throw new UsageError(
        'give a certificate NAME from the config file, or --directory DIR and --domain NAME',
      );
    }
    const name = nameFromDomain(args.domains[0]!);
    const settings = resolveCert(name, [flags], 'options');
    const global = globalSettings(undefined);
    if (args.stateDir) global.stateDirectory = args.stateDir;
    return { settings, global, config: undefined };
  }
  const path = configPath(args.config, env);
  const config = loadConfigFile(path);
  const settings = resolveNamed(config, args.name, flags, `config ${path}`);
  const global = globalSettings(config);
  if (args.stateDir) global.stateDirectory = args.stateDir;
  return { settings, global, config };
}

function flagLayer(a: RenewArgs): RawCertEntry {
  const f: RawCertEntry = {};
  if (a.directory !== undefined) f.directory = a.directory;
  if (a.domains.length > 0) f.domains = a.domains;
  if (a.server !== undefined) f.server = a.server;
  if (a.email !== undefined) f.email = a.email;
  if (a.webroot !== undefined) f.webroot = a.webroot;
  if (a.httpListen !== undefined) f.httpListen = a.httpListen;
  if (a.dnsHook !== undefined) f.dnsHook = a.dnsHook;
  if (a.dnsPropagation !== undefined) {
    // A flag layer naming a challenge field replaces the config's challenge (see resolveCert), so
    // the wait alone would drop the configured hook: ask for both, or for the config field.
    if (a.dnsHook === undefined) {
      throw new UsageError(
        '--dns-propagation needs --dns-hook too (or set dnsPropagation in the config file)',
      );
    }
    f.dnsPropagation = a.dnsPropagation;
  }
  if (a.rfc2136 && Object.keys(a.rfc2136).length > 0) f.rfc2136 = rfc2136Layer(a.rfc2136);
  if (a.tlsAlpnListen !== undefined) {
    checkListen(a.tlsAlpnListen, '--tls-alpn-listen', TLS_ALPN_PORT);
    f.tlsAlpnListen = a.tlsAlpnListen;
  }
  if (a.keyType !== undefined) f.keyType = a.keyType;
  if (a.renewBefore !== undefined) f.renewBefore = a.renewBefore;
  if (a.minValidity !== undefined) f.minValidity = a.minValidity;
  if (a.caBundle !== undefined) f.caBundle = a.caBundle;
  if ((a.eabKid === undefined) !== (a.eabHmacFile === undefined)) {
    throw new UsageError(
      '--eab-kid and --eab-hmac-file go together (the HMAC key is never given on the command line)',
    );
  }
  if (a.eabKid !== undefined) f.eab = { kid: a.eabKid, hmacFile: a.eabHmacFile! };
  if (a.group !== undefined) f.group = a.group;
  if (a.reload.length > 0) f.reloadServices = a.reload;
  if (a.postRun !== undefined) f.postRun = a.postRun;
  if (a.reuseKey) f.reuseKey = true;
  if (a.profile !== undefined) {
    profileProblem(a.profile, '--profile');
    f.profile = a.profile;
  }
  return f;
}

/**
 * The --rfc2136-* flags form one complete challenge (it replaces the config file's challenge,
 * see resolveCert); a missing part is named by its flag, before the config-file checks run.
 */
function rfc2136Layer(r: NonNullable<RenewArgs['rfc2136']>): RawRfc2136 {
  for (const [key, flag] of [
    ['server', 'server'],
    ['zone', 'zone'],
    ['keyName', 'key-name'],
    ['secretFile', 'secret-file'],
  ] as const) {
    if (r[key] === undefined)
      throw new UsageError(`--rfc2136-${flag} is required with the other --rfc2136-* options`);
  }
  const out: RawRfc2136 = {
    server: r.server!,
    zone: r.zone!,
    keyName: r.keyName!,
    secretFile: r.secretFile!,
  };
  if (r.algorithm !== undefined) out.algorithm = r.algorithm;
  if (r.port !== undefined) {
    if (!/^\d{1,5}$/.test(r.port))
      throw new UsageError(`--rfc2136-port: expected a port number, got "${r.port}"`);
    out.port = Number(r.port);
  }
  checkRfc2136(out, 'options: --rfc2136');
  return out;
}

/** `*.example.com` -> `wildcard.example.com`: a name safe for state and lock file names. */
export function nameFromDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^\*\./, 'wildcard.')
    .replace(/[^a-z0-9._-]/g, '_')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/\.{2,}/g, '.');
}
