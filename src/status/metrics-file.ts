import { writeFileAtomic } from '../store/atomic-write.ts';
import { renderMetrics } from './metrics.ts';
import type { StatusRow } from './row.ts';

/**
 * node_exporter's textfile collector reads `*.prom` files at every scrape: a half-written file
 * would be a scrape error or, worse, silently missing series. Temp file + rename avoids both.
 * Mode 0644: node_exporter usually runs as its own user and the file holds no secrets.
 */
export function writeMetricsFile(path: string, rows: readonly StatusRow[], now: Date = new Date()): void {
  writeFileAtomic(path, renderMetrics(rows, now), 0o644);
}
