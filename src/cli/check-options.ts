import { domainProblem } from '../cert/names.ts';
import { trustValueProblem } from '../cert/trust-store.ts';
import { parseDuration, parseRenewBefore, VALIDITY_RULE, WAIT_RULE } from '../config/duration.ts';
import { ON_UNUSABLE } from '../config/settings.ts';
import { UsageError } from '../exit-codes.ts';
import { type FlagSpec, parseFlags } from './parse-flags.ts';

/** Options of `certguard check` and `certguard-preflight` (the two share this parser exactly). */
export interface CheckOptions {
  name: string | undefined;
  config: string | undefined;
  cert: string | undefined;
  key: string | undefined;
  chain: string | undefined;
  /** "system" or a PEM bundle of trust anchors (overrides the config's `trust`). */
  trust: string | undefined;
  domains: string[];
  minValidity: string | undefined;
  renewBefore: string | undefined;
  json: boolean;
  help: boolean;
  version: boolean;
  /** Unit mode (see docs): ask systemd to start the renew unit when renewal is due. */
  triggerRenew: boolean;
  /** Unit mode: run one renewal within this budget when the certificate is unusable. */
  renewInline: string | undefined;
  onUnusable: string | undefined;
  /** Unit started by --trigger-renew; default certguard-renew@NAME.service. */
  renewUnit: string | undefined;
}

const SPEC: Record<string, FlagSpec> = {
  config: { value: true },
  cert: { value: true },
  key: { value: true },
  chain: { value: true },
  trust: { value: true },
  domain: { value: true, repeat: true },
  'min-validity': { value: true },
  'renew-before': { value: true },
  json: {},
  help: {},
  h: {},
  version: {},
  'trigger-renew': {},
  'renew-inline': { optionalValue: true },
  'on-unusable': { value: true },
  'renew-unit': { value: true },
};

export const DEFAULT_RENEW_INLINE = '30s';

export function parseCheckOptions(argv: readonly string[]): CheckOptions {
  const { flags, positionals } = parseFlags(argv, SPEC);
  if (positionals.length > 1)
    throw new UsageError(`expected at most one certificate NAME, got ${positionals.join(' ')}`);
  const str = (k: string) => flags[k] as string | undefined;
  const inline = flags['renew-inline'];
  const opts: CheckOptions = {
    name: positionals[0],
    config: str('config'),
    cert: str('cert'),
    key: str('key'),
    chain: str('chain'),
    trust: str('trust'),
    domains: (flags.domain as string[] | undefined) ?? [],
    minValidity: str('min-validity'),
    renewBefore: str('renew-before'),
    json: flags.json === true,
    help: flags.help === true || flags.h === true,
    version: flags.version === true,
    triggerRenew: flags['trigger-renew'] === true,
    renewInline: inline === true ? DEFAULT_RENEW_INLINE : (inline as string | undefined),
    onUnusable: str('on-unusable'),
    renewUnit: str('renew-unit'),
  };
  if (opts.help || opts.version) return opts;
  if (!opts.name && !opts.cert) {
    throw new UsageError('give a certificate NAME from the config file, or --cert FILE (see --help)');
  }
  checkValues(opts);
  return opts;
}

/**
 * Flag values are checked here, under the flag's own name, so a typo in `--min-validity` is not
 * reported as a problem of the config file entry the flag overrides.
 */
function checkValues(opts: CheckOptions): void {
  if (opts.minValidity !== undefined) parseDuration(opts.minValidity, '--min-validity', VALIDITY_RULE);
  if (opts.renewBefore !== undefined) parseRenewBefore(opts.renewBefore, '--renew-before');
  if (opts.renewInline !== undefined) parseDuration(opts.renewInline, '--renew-inline', WAIT_RULE);
  if (opts.onUnusable !== undefined && !(ON_UNUSABLE as readonly string[]).includes(opts.onUnusable)) {
    throw new UsageError(
      `--on-unusable: expected one of ${ON_UNUSABLE.join(', ')}, got ${JSON.stringify(opts.onUnusable)}`,
    );
  }
  if (opts.trust !== undefined) {
    const problem = trustValueProblem(opts.trust);
    if (problem) throw new UsageError(`--trust: ${problem}`);
  }
  for (const d of opts.domains) {
    const problem = domainProblem(d);
    if (problem) throw new UsageError(`--domain: ${problem}`);
  }
}

export const CHECK_HELP = `Usage:
  certguard check --cert FILE [--key FILE] [--chain FILE] [--trust FILE|system] [--domain NAME]...
                  [--min-validity DURATION] [--renew-before DURATION|FRACTION|auto] [--json]
  certguard check NAME [--config FILE] [options above override the config]
  (certguard-preflight takes exactly the same arguments)

Decides from local files alone, without any network access, whether a certificate is usable:
present and readable, parsable PEM, within its validity window with at least --min-validity
left, key matching, every --domain covered by a SAN, chain links issued and signed by the next,
keys, key usage and critical extensions as TLS clients require; with --trust, a path to a trust
anchor.

Options:
  NAME                     certificate NAME in the config file; files in its directory
                           (fullchain.pem, key.pem; default /var/lib/acme/NAME)
  --config FILE            config file (default $CERTGUARD_CONFIG or /etc/certguard/certguard.json)
  --cert FILE              certificate PEM: the leaf, or leaf + chain (fullchain.pem)
  --key FILE               private key PEM (PKCS#8, PKCS#1 or SEC1, unencrypted)
  --chain FILE             issuer certificates PEM (chain.pem)
  --trust FILE|system      also require a path to a trust anchor of this PEM bundle, or of
                           the host's bundle (system: /etc/ssl/certs/ca-certificates.crt, ...)
  --domain NAME            a name the certificate must cover (repeatable; DNS or IP)
  --min-validity DURATION  unusable if less than this is left (default 0): 90s, 15m, 12h, 30d
  --renew-before D|F|auto  renewal due this long before expiry, or when this fraction of the
                           lifetime is left; default auto: 1/3, or 2/3 under 10 days
  --json                   print one JSON object (fields documented in the README)

In a systemd unit (ExecStartPre=):
  --trigger-renew          when renewal is due, start certguard-renew@NAME.service (--no-block)
  --renew-unit UNIT        unit that --trigger-renew starts (default certguard-renew@NAME.service)
  --renew-inline[=D]       when unusable, try one renewal within D (default 30s) before deciding
  --on-unusable POLICY     fail (exit 1, default) | placeholder (install a self-signed stand-in,
                           exit 0) | warn (exit 0 with a loud warning)

Exit codes:
  0  usable (warnings such as "renewal due" allowed)
  1  unusable: missing, malformed, expired, too soon, key mismatch, name not covered, chain
     broken, untrusted, not for servers, weak key, unknown critical extension, name constraints
  2  usage or configuration error
`;
