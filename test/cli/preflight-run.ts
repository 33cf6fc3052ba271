/**
 * Runs the BUILT executables (`npm run build` first), as systemd would: `certguard-preflight ...`
 * and `certguard check ...`. CERTGUARD_DIST points at another build directory if wanted (e.g. a
 * private copy while other people rebuild dist/).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const DIST = process.env.CERTGUARD_DIST ?? new URL('../../dist', import.meta.url).pathname;
export const PREFLIGHT = join(DIST, 'certguard-preflight.mjs');
export const CERTGUARD = join(DIST, 'certguard.mjs');

/** Fails the calling test with a clear message when the build is missing. */
export function requireBuild(): void {
  for (const f of [PREFLIGHT, CERTGUARD]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` before these tests`);
  }
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Both ways of running the check; every bad-input case runs through both. */
export const BINARIES = {
  'certguard-preflight': (args: string[]) => [PREFLIGHT, ...args],
  'certguard check': (args: string[]) => [CERTGUARD, 'check', ...args],
} as const;

export function run(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; wrap?: string[]; stdio?: ('pipe' | 'ignore' | number)[] } = {},
): Run {
  const env = { ...process.env, ...opts.env };
  // The caller's environment must not decide the outcome.
  if (!opts.env?.JOURNAL_STREAM) delete env.JOURNAL_STREAM;
  if (!opts.env?.CERTGUARD_CONFIG) delete env.CERTGUARD_CONFIG;
  delete env.CERTGUARD_DEBUG;
  const [cmd, ...args] = [...(opts.wrap ?? []), process.execPath, ...argv];
  const r = spawnSync(cmd!, args, { env, encoding: 'utf8', stdio: opts.stdio ?? 'pipe', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
