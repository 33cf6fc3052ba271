import { type CertSamples, FULL_REFRESH_PREFIX, METRIC_FAMILIES } from './metrics.ts';

export interface OwnMetrics {
  fullRefreshAt: Date;
  /** Sample lines by certificate name (unescaped), then by family. */
  certs: Map<string, CertSamples>;
}

const KNOWN = new Set(METRIC_FAMILIES.map((f) => f.name));
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{name="((?:[^"\\]|\\.)*)"/;

/**
 * Reads back a metrics file that certguard wrote, so one certificate's samples can be replaced
 * without inspecting all the others. Anything unexpected (no full-refresh mark, a family this
 * version does not write, a line it cannot attribute) returns null: the caller then rebuilds the
 * whole file, which is always correct, merely slower.
 */
export function parseOwnMetrics(text: string): OwnMetrics | null {
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  if (!first.startsWith(FULL_REFRESH_PREFIX)) return null;
  const fullRefreshAt = new Date(first.slice(FULL_REFRESH_PREFIX.length));
  if (Number.isNaN(fullRefreshAt.getTime())) return null;
  const certs = new Map<string, CertSamples>();
  for (const line of lines.slice(1)) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = SAMPLE.exec(line);
    if (!m || !KNOWN.has(m[1]!)) return null;
    const name = unescapeLabel(m[2]!);
    const samples = certs.get(name) ?? new Map<string, string[]>();
    certs.set(name, samples);
    const family = samples.get(m[1]!);
    if (family) family.push(line);
    else samples.set(m[1]!, [line]);
  }
  return { fullRefreshAt, certs };
}

function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}
