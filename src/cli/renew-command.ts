import { EXIT, UsageError } from '../exit-codes.ts';
import { type Level, writeLine } from '../output/journal.ts';
import { outcomeJson, outcomeLine } from '../renew/outcome-text.ts';
import { renewCertificate } from '../renew/renew.ts';
import { resolveRenewTarget } from '../renew/target.ts';
import { type FlagSpec, parseFlags } from './parse-flags.ts';
import { reportError } from './report-error.ts';

/** --rfc2136-FLAG -> the field of the config file's `rfc2136` object. */
const RFC2136_FLAGS = [
  ['server', 'server'],
  ['port', 'port'],
  ['zone', 'zone'],
  ['key-name', 'keyName'],
  ['algorithm', 'algorithm'],
  ['secret-file', 'secretFile'],
] as const;

const VALUE_FLAGS = [
  'config',
  'directory',
  'server',
  'email',
  'webroot',
  'http-listen',
  'dns-hook',
  'dns-propagation',
  ...RFC2136_FLAGS.map(([flag]) => `rfc2136-${flag}`),
  'tls-alpn-listen',
  'key-type',
  'renew-before',
  'min-validity',
  'ca-bundle',
  'eab-kid',
  'eab-hmac-file',
  'group',
  'post-run',
  'state-dir',
  'profile',
] as const;

const SPEC: Record<string, FlagSpec> = {
  ...Object.fromEntries(VALUE_FLAGS.map((f) => [f, { value: true }])),
  domain: { value: true, repeat: true },
  reload: { value: true, repeat: true },
  'reuse-key': {},
  force: {},
  'no-ari': {},
  json: {},
  help: {},
  h: {},
};

/**
 * `certguard renew ARGS`: thin: parse, resolve settings, call renewCertificate, print one line (or
 * JSON), set the exit code. It uses the preflight's dependency-free parser rather than yargs,
 * because a timer's not-due run should cost little more than Node's own start-up and loading
 * yargs alone costs about as much again (see bench/renew-vs-lego.ts). The not-due path is bundled
 * into certguard.cjs itself; ACME code is a lazy file loaded only when renewal is due.
 */
export async function runRenewArgv(argv: readonly string[]): Promise<number> {
  try {
    const { flags, positionals } = parseFlags(argv, SPEC);
    if (flags.help === true || flags.h === true) {
      process.stdout.write(RENEW_HELP);
      return EXIT.ok;
    }
    if (positionals.length > 1) {
      throw new UsageError(`expected at most one certificate NAME, got ${positionals.join(' ')}`);
    }
    return await runRenew({ ...flags, name: positionals[0], ari: flags['no-ari'] !== true });
  } catch (err) {
    return reportError(err, EXIT.unusable);
  }
}

async function runRenew(a: Record<string, unknown>): Promise<number> {
  const json = a.json === true;
  const target = resolveRenewTarget({
    ...(str(a.name) !== undefined ? { name: str(a.name) } : {}),
    ...pick(a, {
      config: 'config',
      directory: 'directory',
      server: 'server',
      email: 'email',
      webroot: 'webroot',
      httpListen: 'http-listen',
      dnsHook: 'dns-hook',
      dnsPropagation: 'dns-propagation',
      tlsAlpnListen: 'tls-alpn-listen',
      keyType: 'key-type',
      renewBefore: 'renew-before',
      minValidity: 'min-validity',
      caBundle: 'ca-bundle',
      eabKid: 'eab-kid',
      eabHmacFile: 'eab-hmac-file',
      group: 'group',
      postRun: 'post-run',
      stateDir: 'state-dir',
      profile: 'profile',
    }),
    rfc2136: pick(a, Object.fromEntries(RFC2136_FLAGS.map(([flag, key]) => [key, `rfc2136-${flag}`]))),
    domains: list(a.domain),
    reload: list(a.reload),
    reuseKey: a['reuse-key'] === true,
  });
  const name = target.settings.name;
  // With --json, stdout carries only the JSON object: progress goes to stderr.
  const log = (level: Level, text: string) => {
    if (json && level === 'info') process.stderr.write(`${text}\n`);
    else writeLine(level, text);
  };
  const outcome = await renewCertificate(target.settings, target.global, {
    force: a.force === true,
    ari: a.ari !== false,
    log,
    ...(target.config ? { config: target.config } : {}),
  });
  if (json) process.stdout.write(`${JSON.stringify(outcomeJson(name, outcome), null, 2)}\n`);
  else {
    const line = outcomeLine(name, outcome, new Date());
    writeLine(line.level, line.text);
  }
  return outcome.exitCode ?? EXIT.unusable;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Repeatable options arrive as an array (see parse-flags.ts). */
function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

function pick(a: Record<string, unknown>, names: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, flag] of Object.entries(names)) {
    const v = a[flag];
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

export const RENEW_HELP = `Usage:
  certguard renew NAME [--config FILE] [--force] [--no-ari] [--json]
  certguard renew --directory DIR --domain NAME... --server URL --email ADDR
                  (--webroot DIR | --http-listen ADDR:PORT | --tls-alpn-listen ADDR:PORT |
                   --dns-hook CMD | --rfc2136-server ADDR --rfc2136-zone ZONE ...) [options]

Reads the installed certificate first and opens no network connection unless renewal is due:
missing or unusable, in the renewal window, names, key type or profile changed, the CA's ARI
window, or --force. The one exception: for a certificate certguard issued, the CA's ARI
renewalInfo is asked at most once per Retry-After (--no-ari: never). Then orders over ACME within
a time budget, installs atomically (cert.pem chain.pem fullchain.pem key.pem full.pem), reloads
units.

Options (each has a config-file equivalent, see docs):
  NAME                       certificate NAME in the config file
  --config FILE              config file (default $CERTGUARD_CONFIG or /etc/certguard/certguard.json)
  --directory DIR            certificate directory (default /var/lib/acme/NAME)
  --domain NAME              a name for the certificate (repeatable; the first is the primary)
  --server URL               ACME directory URL
  --email ADDR               ACME account contact
  --webroot DIR              http-01: write tokens to DIR/.well-known/acme-challenge/
  --http-listen ADDR:PORT    http-01: serve tokens on ADDR:PORT during the order
  --dns-hook CMD             dns-01: run CMD present|cleanup FQDN VALUE
  --dns-propagation D        dns-01: wait D after "present" (e.g. 30s)
  --rfc2136-server ADDR      dns-01 by RFC 2136 dynamic update (TSIG-signed) to the primary ADDR
  --rfc2136-port N           its port (default 53)
  --rfc2136-zone ZONE        the zone holding the names (e.g. example.com)
  --rfc2136-key-name NAME    TSIG key name, as the server knows it
  --rfc2136-algorithm ALG    hmac-sha256 (default), hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1
  --rfc2136-secret-file FILE file with the base64 TSIG secret (or a BIND/Knot key file), or a name
                             in $CREDENTIALS_DIRECTORY (never on the command line)
  --tls-alpn-listen ADDR[:PORT]  tls-alpn-01: answer on ADDR:PORT (default port 443, where the
                             CA connects)
  --key-type TYPE            ec256 (default), ec384, rsa2048, rsa3072, rsa4096
  --renew-before D|F|auto    renew D before expiry, or when fraction F of the lifetime is left;
                             default auto: 1/3 left, or 2/3 for lifetimes under 10 days
  --min-validity D           a certificate with less than D left is unusable (default 0)
  --ca-bundle FILE           PEM file of CAs to trust for the ACME server's HTTPS
  --eab-kid ID               External Account Binding key id
  --eab-hmac-file FILE       file holding the EAB HMAC key, or a name in $CREDENTIALS_DIRECTORY
                             (never on the command line)
  --group GROUP              group that may read key.pem (mode 0640)
  --reload UNIT              systemctl try-reload-or-restart UNIT after renewal (repeatable)
  --post-run CMD             run CMD with /bin/sh -c in the certificate directory after renewal
  --reuse-key                keep the private key instead of generating a new one
  --profile NAME             ACME profile to order (e.g. shortlived), only if the CA offers it;
                             default: none sent, the CA's default profile
  --state-dir DIR            state directory (default /var/lib/certguard)
  --force                    renew now, ignoring the due date and the backoff
  --no-ari                   never ask the CA for ARI renewal information
  --json                     print one JSON object on stdout (progress goes to stderr)

Exit codes:
  0   not due, renewed, or busy (another run is renewing this certificate right now)
  75  renewal was due and failed, but the installed certificate is still usable (soft failure)
  1   renewal failed and no usable certificate is installed
  2   usage or configuration error
`;
