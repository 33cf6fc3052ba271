/** Hand-made status rows for the pure rendering tests (cells, table, metrics, JSON). */
import type { StatusRow } from '../../src/status/row.ts';

export const NOW = new Date('2026-11-27T12:00:00Z');
export const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
export const MIN = 60_000;
export const H = 3600_000;
export const D = 86400_000;

export function row(o: Partial<StatusRow> = {}): StatusRow {
  return {
    name: 'web',
    state: 'ok',
    usable: true,
    reasons: [],
    warnings: [],
    notBefore: at(-30 * D),
    notAfter: at(23 * D + H),
    remainingSeconds: 23 * 86400 + 3600,
    renewAt: at(10 * D),
    renewalDue: false,
    dueReasons: [],
    placeholder: false,
    domains: ['example.com'],
    issuer: 'CN=test CA',
    serial: '0A1B2C',
    fingerprint256: 'AA:BB',
    renewalFailing: false,
    lastAttempt: null,
    lastSuccess: null,
    lastError: null,
    consecutiveFailures: 0,
    nextAttemptNotBefore: null,
    nextAttempt: at(10 * D),
    stateProblem: null,
    stateFileExists: false,
    stateFile: null,
    issuedBy: null,
    ...o,
  };
}

export const failingRow = row({
  name: 'api.example.org',
  state: 'renewal-failing',
  renewalDue: true,
  dueReasons: [{ code: 'renewal-window', message: 'in the renewal window' }],
  renewAt: at(-D),
  renewalFailing: true,
  lastAttempt: at(-2 * H),
  lastError: { class: 'ca-unreachable', message: 'connection refused', at: at(-2 * H) },
  consecutiveFailures: 1,
  nextAttemptNotBefore: at(41 * MIN + 30_000),
  nextAttempt: at(41 * MIN + 30_000),
  stateFileExists: true,
});
