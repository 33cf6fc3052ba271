import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readBounded } from '../cert/read-file.ts';
import { cleanText } from '../output/sanitize.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { processStart } from './lock.ts';

/** How a renewal attempt failed; a stable interface (state file, status, metrics, logs). */
export type FailureClass =
  | 'ca-unreachable'
  | 'ca-error'
  | 'rate-limited'
  | 'challenge-failed'
  | 'local-io'
  /** The CA issued a certificate that would not be usable (judged by decide(), not installed). */
  | 'bad-certificate';
export const FAILURE_CLASSES: readonly FailureClass[] = [
  'ca-unreachable',
  'ca-error',
  'rate-limited',
  'challenge-failed',
  'local-io',
  'bad-certificate',
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
  /** Companion mode (another client renews): first failure of the current run of failures. */
  failingSince?: string | null;
  /** Companion mode: serial of the certificate the lifetime-fallback warning was given for (once). */
  windowFallbackWarned?: string | null;
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

export type StateRead =
  | {
      ok: true;
      state: RenewalState;
      exists: boolean;
      /** Fields that had the wrong shape and were reset to their empty value (see checkFields). */
      dropped?: string[];
    }
  | { ok: false; problem: string };

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
    const data = JSON.parse(read.data.toString('utf8')) as unknown;
    if (!isObject(data) || data.version !== 1) {
      return { ok: false, problem: `${path}: unknown state format` };
    }
    const { state, dropped } = checkFields(data);
    return { ok: true, state, exists: true, ...(dropped.length ? { dropped } : {}) };
  } catch {
    return { ok: false, problem: `${path}: corrupt state file (invalid JSON)` };
  }
}

/** The one-line warning for a state file with dropped fields (renew logs it once per run). */
export function droppedWarning(stateDirectory: string, name: string, dropped: string[]): string {
  return `${statePath(stateDirectory, name)}: ignoring malformed ${dropped.join(', ')} (reset; the next write replaces them)`;
}

/**
 * Every field is checked on read: the file may have been edited by hand, written by another
 * version, or damaged. A field of the wrong shape is dropped (its empty value is used) instead of
 * reaching code that would crash on it (`certId.split is not a function`, `Invalid time value`).
 * Text fields are cleaned of control characters, as everything read from a file is.
 */
function checkFields(data: Record<string, unknown>): { state: RenewalState; dropped: string[] } {
  const state = emptyState();
  const dropped: string[] = [];
  const take = <K extends keyof RenewalState>(key: K, check: (v: unknown) => RenewalState[K] | undefined) => {
    const v = data[key];
    if (v === undefined || v === null) return;
    const ok = check(v);
    if (ok === undefined) dropped.push(key);
    else state[key] = ok;
  };
  take('lastAttempt', time);
  take('lastSuccess', time);
  take('nextAttemptNotBefore', time);
  take('ariCheckNotBefore', time);
  take('consecutiveFailures', (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1_000_000 ? v : undefined,
  );
  take('lastError', (v) => {
    if (!isObject(v) || !FAILURE_CLASSES.includes(v.class as FailureClass)) return undefined;
    const at = time(v.at);
    if (typeof v.message !== 'string' || at === undefined) return undefined;
    return { class: v.class as FailureClass, message: cleanText(v.message, 1000), at };
  });
  take('ari', ariState);
  take('failingSince', time);
  take('windowFallbackWarned', (v) =>
    typeof v === 'string' && /^[0-9A-Fa-f]{1,128}$/.test(v) ? v : undefined,
  );
  take('issued', issuedRecord);
  return { state, dropped };
}

/** Serial as hex (at most 20 bytes by RFC 5280, some slack); profile a short token or null. */
function issuedRecord(v: unknown): IssuedRecord | undefined {
  if (!isObject(v) || typeof v.serial !== 'string' || !/^[0-9A-Fa-f]{1,64}$/.test(v.serial)) return undefined;
  if (v.profile === null || v.profile === undefined) return { serial: v.serial, profile: null };
  if (typeof v.profile !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v.profile)) return undefined;
  return { serial: v.serial, profile: v.profile };
}

function ariState(v: unknown): AriState | undefined {
  if (!isObject(v)) return undefined;
  // RFC 9773 certID: base64url(AKI) "." base64url(serial).
  if (typeof v.certId !== 'string' || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(v.certId)) return undefined;
  const times = ['windowStart', 'windowEnd', 'renewAt', 'fetchedAt', 'nextFetchNotBefore'] as const;
  const out: Partial<AriState> = { certId: v.certId };
  for (const key of times) {
    const t = time(v[key]);
    if (t === undefined) return undefined;
    out[key] = t;
  }
  if (v.explanationURL !== undefined) {
    if (typeof v.explanationURL !== 'string') return undefined;
    out.explanationURL = cleanText(v.explanationURL, 500);
  }
  return out as AriState;
}

/** An ISO time string that parses to a real date (years 0..9999 keep toISOString working). */
function time(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 40) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) && Math.abs(t) < 253402300800000 ? v : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function writeState(stateDirectory: string, name: string, state: RenewalState): void {
  const path = statePath(stateDirectory, name);
  mkdirSync(join(stateDirectory, 'certs'), { recursive: true, mode: 0o755 });
  removeStaleTemps(join(stateDirectory, 'certs'));
  removeStaleTemps(join(stateDirectory, 'locks'));
  writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, 0o644);
}

/**
 * Temporary files of atomic writes and lock files (`.NAME.json.PID.TIME.tmp`,
 * `NAME.lock.PID.RAND.tmp`) whose writer is gone: a run killed between create and rename leaves
 * one behind for good otherwise. A file of a live process (or of this one) is left alone.
 */
export function removeStaleTemps(dir: string): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const m = /\.(\d+)\.[0-9a-z]+\.tmp$/.exec(entry);
    const pid = m ? Number(m[1]) : 0;
    if (!m || pid <= 0 || pid === process.pid || processStart(pid) !== undefined) continue;
    try {
      rmSync(join(dir, entry), { force: true });
      removed++;
    } catch {
      // Not ours to remove (permissions): harmless, try again next time.
    }
  }
  return removed;
}
