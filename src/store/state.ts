import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readBounded } from '../cert/read-file.ts';
import { writeFileAtomic } from './atomic-write.ts';

/** How a renewal attempt failed; a stable interface (state file, status, metrics, logs). */
export type FailureClass = 'ca-unreachable' | 'ca-error' | 'rate-limited' | 'challenge-failed' | 'local-io';
export const FAILURE_CLASSES: readonly FailureClass[] = [
  'ca-unreachable',
  'ca-error',
  'rate-limited',
  'challenge-failed',
  'local-io',
];

/** The CA's ARI answer (RFC 9773), kept so the next run needs no network to honour it. */
export interface AriState {
  certId: string;
  windowStart: string;
  windowEnd: string;
  /** The uniformly random instant picked in the window: renew from then on. */
  renewAt: string;
  explanationURL?: string;
  fetchedAt: string;
  /** Do not ask again before this (Retry-After, clamped to 1 min .. 1 day). */
  nextFetchNotBefore: string;
}

/** The certificate certguard itself last installed, and how it was ordered. */
export interface IssuedRecord {
  /** Serial number, hex as X509Certificate.serialNumber spells it. */
  serial: string;
  /** The ACME profile of the order; null when none was asked for (the CA's default). */
  profile: string | null;
}

/**
 * Per-certificate renewal state, `<stateDirectory>/certs/<NAME>.json`, written atomically by renew
 * and read by status. All times are ISO 8601 strings (UTC).
 */
export interface RenewalState {
  version: 1;
  lastAttempt: string | null;
  lastSuccess: string | null;
  lastError: { class: FailureClass; message: string; at: string } | null;
  consecutiveFailures: number;
  /** Backoff: a run before this instant does not contact the CA (unless --force). */
  nextAttemptNotBefore: string | null;
  ari: AriState | null;
  /** When the CA had no ARI answer (none offered, error, unreachable): do not ask before this. */
  ariCheckNotBefore: string | null;
  /** Absent in files written before profiles: read as null (nothing known). */
  issued: IssuedRecord | null;
}

export function emptyState(): RenewalState {
  return {
    version: 1,
    lastAttempt: null,
    lastSuccess: null,
    lastError: null,
    consecutiveFailures: 0,
    nextAttemptNotBefore: null,
    ari: null,
    ariCheckNotBefore: null,
    issued: null,
  };
}

export function statePath(stateDirectory: string, name: string): string {
  return join(stateDirectory, 'certs', `${name}.json`);
}

export type StateRead = { ok: true; state: RenewalState; exists: boolean } | { ok: false; problem: string };

/**
 * Reads the state; a missing file is the empty state (never renewed by certguard). A corrupt file
 * is reported as a problem, never thrown: status shows it and renew starts afresh.
 */
export function readState(stateDirectory: string, name: string): StateRead {
  const path = statePath(stateDirectory, name);
  const read = readBounded(path, 256 * 1024);
  if (!read.ok) {
    return read.code === 'missing'
      ? { ok: true, state: emptyState(), exists: false }
      : { ok: false, problem: read.message };
  }
  try {
    const data = JSON.parse(read.data.toString('utf8')) as Partial<RenewalState>;
    if (typeof data !== 'object' || data === null || data.version !== 1) {
      return { ok: false, problem: `${path}: unknown state format` };
    }
    return { ok: true, state: { ...emptyState(), ...data }, exists: true };
  } catch {
    return { ok: false, problem: `${path}: corrupt state file (invalid JSON)` };
  }
}

export function writeState(stateDirectory: string, name: string, state: RenewalState): void {
  const path = statePath(stateDirectory, name);
  mkdirSync(join(stateDirectory, 'certs'), { recursive: true, mode: 0o755 });
  writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, 0o644);
}
