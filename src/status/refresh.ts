import { readBounded } from '../cert/read-file.ts';
import type { RawConfig } from '../config/config-file.ts';
import { globalSettings } from '../config/resolve.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { collectStatus } from './collect.ts';
import { assembleMetrics, type CertSamples, rowSamples } from './metrics.ts';
import { writeMetricsFile } from './metrics-file.ts';
import { parseOwnMetrics } from './metrics-parse.ts';

/**
 * How stale the other certificates' samples may get before an incremental refresh inspects every
 * certificate again. Their `notAfter` never goes stale; `usable` and `state` can (a certificate
 * expires, or enters its renewal window), so this bounds how late monitoring sees that.
 */
export const FULL_REFRESH_INTERVAL_MS = 3600_000;

/** A 5000-certificate file is about 6 MB: far below this, while a wrong path costs little. */
const MAX_METRICS_BYTES = 64 * 1024 * 1024;

/**
 * Rewrites the Prometheus textfile (`prometheusFile` in the config) so monitoring sees "failing but
 * still valid" right after a renew run without anyone running `certguard status`. A no-op when the
 * file is not configured.
 *
 * Without `only`, every configured certificate is inspected. With `only` (the certificates a renew
 * run just handled), only those, plus certificates new to the file, are inspected and the others'
 * samples are kept from the existing file, unless that file is older than
 * FULL_REFRESH_INTERVAL_MS or not one certguard wrote. Why: each certificate's renew unit refreshes
 * the file, so a full refresh per run would cost N inspections per run, N² a day for N timers.
 *
 * Throws only for a config error (UsageError) or when the file cannot be written; the caller
 * decides whether that matters.
 */
export function refreshMetricsFile(
  config: RawConfig,
  now: Date = new Date(),
  only?: readonly string[],
): void {
  const path = globalSettings(config).prometheusFile;
  if (path === undefined) return;
  if (only !== undefined) {
    const text = incrementalMetrics(config, path, now, only);
    if (text !== null) {
      writeFileAtomic(path, text, 0o644);
      return;
    }
  }
  writeMetricsFile(path, collectStatus(config, [], now), now);
}

function incrementalMetrics(
  config: RawConfig,
  path: string,
  now: Date,
  only: readonly string[],
): string | null {
  const read = readBounded(path, MAX_METRICS_BYTES);
  if (!read.ok) return null;
  const old = parseOwnMetrics(read.data.toString('utf8'));
  if (old === null) return null;
  const age = now.getTime() - old.fullRefreshAt.getTime();
  if (age < 0 || age > FULL_REFRESH_INTERVAL_MS) return null;

  const names = Object.keys(config.certs);
  const wanted = new Set(only);
  const inspect = names.filter((n) => wanted.has(n) || !old.certs.has(n));
  const fresh = new Map(collectStatus(config, inspect, now).map((row) => [row.name, rowSamples(row)]));
  // Certificates removed from the config drop out: only configured names are written.
  const samples: CertSamples[] = names.map((n) => fresh.get(n) ?? old.certs.get(n) ?? new Map());
  return assembleMetrics(samples, old.fullRefreshAt);
}
