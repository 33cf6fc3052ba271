import { STATUS_STATES, type StatusRow } from './row.ts';

interface Family {
  name: string;
  help: string;
  /** One sample per row; null leaves the series out (e.g. no certificate, never succeeded). */
  value: (row: StatusRow) => number | null;
}

/**
 * The metric families, modelled on cert-manager's (`certmanager_certificate_expiration_timestamp_seconds`,
 * `..._ready_status`): timestamps are Unix seconds in `_timestamp_seconds`/`_seconds` gauges, so an
 * alert is `certguard_certificate_not_after_seconds - time() < 7 * 86400`. Unknown times are left
 * out rather than written as 0, which would read as "1970" and fire every age-based alert.
 */
const FAMILIES: Family[] = [
  {
    name: 'certguard_certificate_not_after_seconds',
    help: 'Expiry (notAfter) of the installed certificate, Unix time in seconds.',
    value: (r) => seconds(r.notAfter),
  },
  {
    name: 'certguard_certificate_usable',
    help: '1 if the installed certificate passes the offline preflight (certguard check), else 0.',
    value: (r) => (r.usable ? 1 : 0),
  },
  {
    name: 'certguard_certificate_renew_at_seconds',
    help: 'When renewal becomes due for the installed certificate, Unix time in seconds.',
    value: (r) => seconds(r.renewAt),
  },
  {
    name: 'certguard_renewal_failing',
    help: '1 if the most recent renewal attempt failed and none succeeded since, else 0.',
    value: (r) => (r.renewalFailing ? 1 : 0),
  },
  {
    name: 'certguard_renewal_consecutive_failures',
    help: 'Renewal attempts that failed in a row since the last success.',
    value: (r) => r.consecutiveFailures,
  },
  {
    name: 'certguard_renewal_last_success_timestamp_seconds',
    help: 'Time of the last successful renewal, Unix time in seconds.',
    value: (r) => seconds(r.lastSuccess),
  },
  {
    name: 'certguard_renewal_last_attempt_timestamp_seconds',
    help: 'Time of the last renewal attempt (successful or not), Unix time in seconds.',
    value: (r) => seconds(r.lastAttempt),
  },
  {
    name: 'certguard_renewal_state_unreadable',
    help: '1 if the renewal state file exists but cannot be read or parsed, else 0.',
    value: (r) => (r.stateProblem === null ? 0 : 1),
  },
];

const STATE_FAMILY = 'certguard_certificate_state';
const STATE_HELP = 'Current status of the certificate: 1 for the state it is in, 0 for the others.';

/** Every family, in file order, with its HELP text. */
export const METRIC_FAMILIES: readonly { name: string; help: string }[] = [
  ...FAMILIES.map((f) => ({ name: f.name, help: f.help })),
  { name: STATE_FAMILY, help: STATE_HELP },
];

/** One certificate's sample lines, by family name. */
export type CertSamples = Map<string, string[]>;

/** The first line of every file certguard writes: when every certificate was last looked at. */
export const FULL_REFRESH_PREFIX = '# certguard: full refresh at ';

/**
 * `certguard_certificate_state` is an enum gauge: one series per state, 1 for the current one, so
 * `certguard_certificate_state{state="renewal-failing"} == 1` selects failing-but-valid
 * certificates and a state change never leaves a stale series behind.
 */
export function rowSamples(row: StatusRow): CertSamples {
  const label = `name="${escapeLabel(row.name)}"`;
  const samples: CertSamples = new Map();
  for (const f of FAMILIES) {
    const v = f.value(row);
    samples.set(f.name, v === null ? [] : [`${f.name}{${label}} ${v}`]);
  }
  samples.set(
    STATE_FAMILY,
    STATUS_STATES.map((state) => `${STATE_FAMILY}{${label},state="${state}"} ${row.state === state ? 1 : 0}`),
  );
  return samples;
}

/**
 * Writes the exposition text (Prometheus text format 0.0.4, as node_exporter's textfile collector
 * reads it): each family whole (HELP, TYPE, then every certificate's samples), as the format
 * requires, certificates in `certs` order. The leading comment records `fullRefreshAt`, the time
 * every certificate was last inspected, so an incremental refresh knows how stale the rest is.
 */
export function assembleMetrics(certs: readonly CertSamples[], fullRefreshAt: Date): string {
  const out: string[] = [`${FULL_REFRESH_PREFIX}${fullRefreshAt.toISOString()}`];
  for (const f of METRIC_FAMILIES) {
    out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`);
    for (const samples of certs) out.push(...(samples.get(f.name) ?? []));
  }
  return `${out.join('\n')}\n`;
}

/** The metrics of `rows`, all inspected at `now`. */
export function renderMetrics(rows: readonly StatusRow[], now: Date = new Date()): string {
  return assembleMetrics(rows.map(rowSamples), now);
}

/** Label values escape backslash, double quote and line feed (exposition format 0.0.4). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function seconds(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = new Date(iso).getTime();
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}
