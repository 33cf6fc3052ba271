/**
 * Runs the BUILT executables (`npm run build` first), as systemd would: `certguard-preflight ...`
 * and `certguard check ...`. Other people rebuild dist/ at any moment (the build deletes it first),
 * so each test process runs a private copy taken once at start; CERTGUARD_DIST names another build
 * directory to use as it is.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOURCE = process.env.CERTGUARD_DIST ?? new URL('../../dist', import.meta.url).pathname;
const ENTRIES = ['certguard-preflight.cjs', 'certguard.cjs'];

function privateCopy(): string {
  if (process.env.CERTGUARD_DIST) return SOURCE;
  for (const f of ENTRIES) {
    if (!existsSync(join(SOURCE, f))) return SOURCE; // requireBuild() reports it
  }
  const copy = mkdtempSync(join(tmpdir(), 'certguard-dist-'));
  process.once('exit', () => rmSync(copy, { recursive: true, force: true }));
  cpSync(SOURCE, copy, { recursive: true });
  chmodSync(copy, 0o755); // the permission test runs it as nobody
  return copy;
}

export const DIST = privateCopy();
export const PREFLIGHT = join(DIST, 'certguard-preflight.cjs');
export const CERTGUARD = join(DIST, 'certguard.cjs');

/** Fails the calling test with a clear message when the build is missing (or was caught mid-rebuild). */
export function requireBuild(): void {
  for (const f of [PREFLIGHT, CERTGUARD]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` before these tests`);
  }
}

/** Both ways of running the check; every bad-input case runs through both. */
export const BINARIES = {
  'certguard-preflight': (args: string[]) => [PREFLIGHT, ...args],
  'certguard check': (args: string[]) => [CERTGUARD, 'check', ...args],
} as const;

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; wrap?: string[]; stdio?: ('pipe' | 'ignore' | number)[] } = {},
): Run {
  const env = { ...process.env, ...opts.env };
  // The caller's environment must not decide the outcome.
  if (!opts.env?.JOURNAL_STREAM) delete env.JOURNAL_STREAM;
  if (!opts.env?.CERTGUARD_CONFIG) delete env.CERTGUARD_CONFIG;
  delete env.CERTGUARD_DEBUG;
  // systemd's INVOCATION_ID turns on unit mode (see src/check/unit-policy.ts).
  if (!opts.env?.INVOCATION_ID) delete env.INVOCATION_ID;
  const [cmd, ...args] = [...(opts.wrap ?? []), process.execPath, ...argv];
  const r = spawnSync(cmd!, args, { env, encoding: 'utf8', stdio: opts.stdio ?? 'pipe', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
