/**
 * Runs the real Nix evaluator (nix-instantiate from Debian's nix-bin) for the Nix tests. Nothing
 * is built and no /nix store is created (`--store dummy://`). Evaluations that need nixpkgs' lib
 * read its path from $NIXPKGS_LIB; without it those tests skip loudly (CI does not have it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';

export const REPO = resolve(import.meta.dirname, '../..');
const EVAL_MODULE = join(REPO, 'test/nix/eval-module.nix');

const NIX_ENV = {
  ...process.env,
  // No nixbld users on a machine without a Nix daemon: silence the warning, build nothing.
  NIX_CONFIG: 'build-users-group =',
};

let nixFound: boolean | undefined;
export function hasNixInstantiate(): boolean {
  nixFound ??= spawnSync('nix-instantiate', ['--version'], { encoding: 'utf8' }).status === 0;
  return nixFound;
}

/** The nixpkgs lib directory from $NIXPKGS_LIB, or undefined when unset or not a lib directory. */
export function nixpkgsLib(): string | undefined {
  const dir = process.env.NIXPKGS_LIB;
  if (!dir) return undefined;
  if (!existsSync(join(dir, 'default.nix'))) {
    throw new Error(`NIXPKGS_LIB=${dir} has no default.nix: point it at nixpkgs' lib/ directory`);
  }
  return dir;
}

/** Marks the test skipped with a message nobody can miss, in the report and on stderr. */
export function skipLoudly(t: TestContext, why: string): void {
  const message = `SKIPPED: ${why}`;
  console.warn(`\n*** ${t.name}: ${message}\n`);
  t.skip(message);
}

/** Returns the nixpkgs lib path, or skips the test loudly when the tools for evaluating are missing. */
export function requireEvaluator(t: TestContext): string | undefined {
  if (!hasNixInstantiate()) {
    skipLoudly(t, 'nix-instantiate not installed (apt-get install nix-bin)');
    return undefined;
  }
  const lib = nixpkgsLib();
  if (!lib) {
    skipLoudly(t, 'NIXPKGS_LIB unset: set it to an extracted nixpkgs lib/ directory to evaluate the module');
    return undefined;
  }
  return lib;
}

export interface NixResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function nixInstantiate(args: string[]): NixResult {
  const r = spawnSync('nix-instantiate', ['--store', 'dummy://', ...args], {
    encoding: 'utf8',
    env: NIX_ENV,
    cwd: REPO,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `nix-instantiate --eval --strict --json` of an expression; throws with Nix's error on failure. */
export function evalJson<T = unknown>(args: string[]): T {
  const r = nixInstantiate(['--eval', '--strict', '--json', ...args]);
  if (r.status !== 0) throw new Error(`nix-instantiate failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * The scripts the stand-in trivial builders (test/nix/nixos/stub-pkgs.nix) were asked to write,
 * by store path, from the evaluation's stderr: what a test writes into a guest so the units run.
 */
export function stubScripts(stderr: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stderr.split('\n')) {
    const m = /^trace: (\{"certguardStubScript".*\})$/.exec(line);
    if (!m) continue;
    const { certguardStubScript, text } = JSON.parse(m[1]!) as { certguardStubScript: string; text: string };
    out[certguardStubScript] = text;
  }
  return out;
}

/** A unit as test/nix/eval-module.nix reports it. */
export interface EvalUnit {
  wants: string[];
  after: string[];
  wantedBy: string[];
  description: string;
  serviceConfig: Record<string, unknown>;
  unitConfig: Record<string, unknown>;
  timerConfig: Record<string, unknown>;
  path: string[];
}

export interface ModuleEval {
  failedAssertions: string[];
  warnings: string[];
  services: Record<string, EvalUnit>;
  timers: Record<string, EvalUnit>;
  tmpfiles: string[];
  groups: string[];
  etc: Record<string, string | null>;
  systemPackages: string[];
  users: Record<string, Record<string, unknown>>;
  /** Scripts the module asked the trivial builders for, by store path (see stubScripts). */
  scripts: Record<string, string>;
}

/** Evaluates nix/module.nix for a NixOS configuration given as a plain object. */
export function evalModule(lib: string, configuration: object): ModuleEval {
  const r = nixInstantiate([
    '--eval',
    '--strict',
    '--json',
    EVAL_MODULE,
    '--arg',
    'nixpkgsLib',
    lib,
    '--argstr',
    'configuration',
    JSON.stringify(configuration),
  ]);
  if (r.status !== 0) throw new Error(`nix-instantiate failed (${r.status}):\n${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as Omit<ModuleEval, 'scripts'>), scripts: stubScripts(r.stderr) };
}

/** Only the failed assertion messages (for configurations meant to be rejected). */
export function failedAssertions(lib: string, configuration: object): string[] {
  return evalJson<{ failedAssertions: string[] }>([
    EVAL_MODULE,
    '--arg',
    'nixpkgsLib',
    lib,
    '--argstr',
    'configuration',
    JSON.stringify(configuration),
    '--argstr',
    'only',
    'assertions',
  ]).failedAssertions;
}

/** Every .nix file of the project (node_modules and .git excluded). */
export function projectNixFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.nix')) out.push(p);
    }
  };
  walk(REPO);
  return out.sort();
}
