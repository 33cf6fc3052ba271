/**
 * Evaluates NixOS modules against NixOS's OWN systemd option declarations and types (and, on
 * request, NixOS's real security.acme module beside them) with the real nixpkgs lib, through
 * test/nix/nixos/eval.nix. NixOS's files are not in the repository: they are read from
 * $NIXOS_FILES (a directory holding nixos/lib/systemd-lib.nix, nixos/lib/systemd-unit-options.nix,
 * nixos/lib/systemd-types.nix, nixos/modules/misc/assertions.nix and
 * nixos/modules/security/acme/default.nix at their nixpkgs paths). Without it, or without
 * $NIXPKGS_LIB, the tests skip loudly.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { hasNixInstantiate, nixInstantiate, nixpkgsLib, REPO, skipLoudly, stubScripts } from './nix-eval.ts';

const EVAL = join(REPO, 'test/nix/nixos/eval.nix');
export const CERTGUARD_MODULE = join(REPO, 'nix/module.nix');

/** Files every evaluation reads from $NIXOS_FILES. */
const REQUIRED = [
  'nixos/lib/systemd-lib.nix',
  'nixos/lib/systemd-unit-options.nix',
  'nixos/lib/systemd-types.nix',
  'nixos/modules/misc/assertions.nix',
];
const ACME = 'nixos/modules/security/acme/default.nix';

export interface NixosEnv {
  lib: string;
  nixos: string;
}

/** $NIXOS_FILES, checked; undefined when unset. */
export function nixosFiles(): string | undefined {
  const dir = process.env.NIXOS_FILES;
  if (!dir) return undefined;
  const missing = [...REQUIRED, ACME].filter((f) => !existsSync(join(dir, f)));
  if (missing.length) throw new Error(`NIXOS_FILES=${dir} lacks ${missing.join(', ')}`);
  return dir;
}

/** The evaluator's inputs, or a loud SKIPPED line and undefined when any is missing. */
export function requireNixos(t: TestContext): NixosEnv | undefined {
  if (!hasNixInstantiate()) {
    skipLoudly(t, 'nix-instantiate not installed (apt-get install nix-bin)');
    return undefined;
  }
  const lib = nixpkgsLib();
  if (!lib) {
    skipLoudly(t, 'NIXPKGS_LIB unset: set it to an extracted nixpkgs lib/ directory');
    return undefined;
  }
  const nixos = nixosFiles();
  if (!nixos) {
    skipLoudly(
      t,
      "NIXOS_FILES unset: set it to a directory with NixOS's nixos/lib/systemd-*.nix, nixos/modules/misc/assertions.nix and nixos/modules/security/acme/default.nix (never committed)",
    );
    return undefined;
  }
  return { lib, nixos };
}

export interface NixosEvalRequest {
  /** Absolute paths of the modules under test (default: nix/module.nix). */
  modules?: string[];
  /** A NixOS configuration as JSON. */
  configuration?: object;
  /** Import NixOS's real security.acme module too. */
  withAcme?: boolean;
  /** Nix source of `{ config, options, lib, pkgs }: value`; its value comes back as `extra`. */
  extra?: string;
  /** More stand-in package names for pkgs (test/nix/nixos/stub-pkgs.nix lists the defaults). */
  extraPkgs?: string[];
}

export interface NixosUnit {
  name: string;
  enable: boolean;
  description: string;
  wants: string[];
  after: string[];
  before: string[];
  requires: string[];
  wantedBy: string[];
  requiredBy: string[];
  bindsTo: string[];
  partOf: string[];
  conflicts: string[];
  onFailure: string[];
  unitConfig: Record<string, unknown>;
}

export interface NixosService extends NixosUnit {
  serviceConfig: Record<string, unknown>;
  environment: Record<string, string | null>;
  path: string[];
  restartIfChanged: boolean;
  stopIfChanged: boolean;
  restartTriggers: string[];
  reloadTriggers: unknown[];
}

export interface NixosTimer extends NixosUnit {
  timerConfig: Record<string, unknown>;
}

export interface NixosEval<X = unknown> {
  failedAssertions: string[];
  warnings: string[];
  services: Record<string, NixosService>;
  timers: Record<string, NixosTimer>;
  targets: Record<string, NixosUnit>;
  /** Unit file text by unit name (`acme-x.service`), rendered by NixOS's serviceToUnit/timerToUnit. */
  units: Record<string, string>;
  disabledUnits: string[];
  tmpfiles: string[];
  etc: Record<string, string | null>;
  systemPackages: string[];
  users: Record<string, { group: string; isSystemUser: boolean; extraGroups: string[]; home: string | null }>;
  groups: string[];
  extra: X;
  /** Scripts the stand-in trivial builders were asked for, by store path (nix-eval.ts stubScripts). */
  scripts: Record<string, string>;
}

function args(env: NixosEnv, req: NixosEvalRequest, extraFile: string | undefined): string[] {
  return [
    '--eval',
    '--strict',
    '--json',
    EVAL,
    '--arg',
    'nixpkgsLib',
    env.lib,
    '--arg',
    'nixosFiles',
    env.nixos,
    '--argstr',
    'modules',
    JSON.stringify(req.modules ?? [CERTGUARD_MODULE]),
    '--argstr',
    'configuration',
    JSON.stringify(req.configuration ?? {}),
    '--arg',
    'withAcme',
    req.withAcme ? 'true' : 'false',
    '--argstr',
    'extraPkgs',
    JSON.stringify(req.extraPkgs ?? []),
    ...(extraFile ? ['--argstr', 'extra', extraFile] : []),
  ];
}

function run(env: NixosEnv, req: NixosEvalRequest) {
  const dir = req.extra === undefined ? undefined : mkdtempSync(join(tmpdir(), 'certguard-nixos-eval-'));
  try {
    const extraFile = dir && join(dir, 'extra.nix');
    if (extraFile) writeFileSync(extraFile, req.extra!);
    return nixInstantiate(args(env, req, extraFile));
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Evaluates; throws with Nix's error text when the evaluation fails. */
export function evalNixos<X = unknown>(env: NixosEnv, req: NixosEvalRequest): NixosEval<X> {
  const r = run(env, req);
  if (r.status !== 0) throw new Error(`NixOS evaluation failed (${r.status}):\n${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as Omit<NixosEval<X>, 'scripts'>), scripts: stubScripts(r.stderr) };
}

/** Evaluates a configuration that must be rejected by the types; returns Nix's error text. */
export function evalNixosError(env: NixosEnv, req: NixosEvalRequest): string {
  const r = run(env, req);
  if (r.status === 0)
    throw new Error(`expected the NixOS evaluation to fail, it succeeded:\n${r.stdout.slice(0, 2000)}`);
  return r.stderr;
}
