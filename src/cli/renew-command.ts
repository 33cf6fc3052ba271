import { EXIT, UsageError } from '../exit-codes.ts';
import { type Level, writeLine } from '../output/journal.ts';
import { outcomeJson, outcomeLine } from '../renew/outcome-text.ts';
import { renewCertificate } from '../renew/renew.ts';
import { resolveRenewTarget } from '../renew/target.ts';
import { type FlagSpec, parseFlags } from './parse-flags.ts';
import { reportError } from './report-error.ts';

const VALUE_FLAGS = [
  'config',
  'directory',
  'server',
  'email',
  'webroot',
  'http-listen',
  'dns-hook',
  'dns-propagation',
  'key-type',
  'renew-before',
  'min-validity',
  'ca-bundle',
  'eab-kid',
  'eab-hmac-file',
  'group',
  'post-run',
  'state-dir',
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
      keyType: 'key-type',
      renewBefore: 'renew-before',
      minValidity: 'min-validity',
      caBundle: 'ca-bundle',
      eabKid: 'eab-kid',
      eabHmacFile: 'eab-hmac-file',
      group: 'group',
      postRun: 'post-run',
      stateDir: 'state-dir',
    }),
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
                  (--webroot DIR | --http-listen ADDR:PORT | --dns-hook CMD) [options]

Reads the installed certificate first and opens no network connection unless renewal is due:
missing or unusable, in the renewal window, names or key type changed, the CA's ARI window
(asked at most once per Retry-After), or --force. Then orders over ACME within a time budget,
installs atomically (cert.pem chain.pem fullchain.pem key.pem full.pem), reloads units.

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
  --key-type TYPE            ec256 (default), ec384, rsa2048, rsa3072, rsa4096
  --renew-before D|F         renew D before expiry, or when fraction F of the lifetime is left
                             (default 1/3)
  --min-validity D           a certificate with less than D left is unusable (default 0)
  --ca-bundle FILE           PEM file of CAs to trust for the ACME server's HTTPS
  --eab-kid ID               External Account Binding key id
  --eab-hmac-file FILE       file holding the EAB HMAC key, or a name in $CREDENTIALS_DIRECTORY
                             (never on the command line)
  --group GROUP              group that may read key.pem (mode 0640)
  --reload UNIT              systemctl try-reload-or-restart UNIT after renewal (repeatable)
  --post-run CMD             run CMD with /bin/sh -c in the certificate directory after renewal
  --reuse-key                keep the private key instead of generating a new one
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
