import type { RawConfig } from '../config/config-file.ts';
import { globalSettings } from '../config/resolve.ts';
import { collectStatus } from './collect.ts';
import { writeMetricsFile } from './metrics-file.ts';

/**
 * Rewrites the Prometheus textfile (`prometheusFile` in the config) from every configured
 * certificate, so monitoring sees "failing but still valid" right after a renew run without anyone
 * running `certguard status`. A no-op when the file is not configured. Throws only for a config
 * error (UsageError) or when the file cannot be written; the caller decides whether that matters.
 */
export function refreshMetricsFile(config: RawConfig, now: Date = new Date()): void {
  const path = globalSettings(config).prometheusFile;
  if (path === undefined) return;
  writeMetricsFile(path, collectStatus(config, [], now));
}
