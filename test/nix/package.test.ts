import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { evalJson, REPO, requireEvaluator } from './nix-eval.ts';

// nix/package.nix cannot be built here (no nixpkgs, no binary cache): evaluate what it hands to
// buildNpmPackage instead, with the real nixpkgs lib.

interface PackageArgs {
  pname: string;
  version: string;
  npmDepsHash: string;
  npmBuildScript: string;
  installPhase: string;
  installCheckPhase: string;
  doInstallCheck: boolean;
  nodejs: string;
  nativeBuildInputs: string[];
  mainProgram: string;
  source: Record<string, boolean>;
}

const NODE = '/nix/store/00000000000000000000000000000000-nodejs-20.20.0/bin/node';

test('package.nix: version from package.json, npm build, both executables wrapped with nodejs', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const p = evalJson<PackageArgs>([join(REPO, 'test/nix/eval-package.nix'), '--arg', 'nixpkgsLib', lib]);
  const pkgJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    version: string;
    scripts: Record<string, string>;
    bin: Record<string, string>;
  };
  assert.equal(p.pname, 'certguard');
  assert.equal(p.version, pkgJson.version);
  assert.ok(pkgJson.scripts[p.npmBuildScript], `npm script "${p.npmBuildScript}" exists in package.json`);
  assert.match(p.npmDepsHash, /^sha256-[A-Za-z0-9+/]{43}=$/);
  assert.equal(p.mainProgram, 'certguard');
  assert.deepEqual(p.nativeBuildInputs, ['/nix/store/00000000000000000000000000000000-make-wrapper']);
  // Every executable package.json declares is wrapped, running its dist bundle with the given nodejs.
  for (const [exe, file] of Object.entries(pkgJson.bin)) {
    assert.match(file, /^dist\/[\w-]+\.mjs$/);
    assert.ok(file === `dist/${exe}.mjs`, `${exe} -> ${file} matches the wrapper's naming`);
    assert.match(p.installPhase, new RegExp(`for exe in [^;]*\\b${exe}\\b`));
  }
  assert.ok(
    p.installPhase.includes(
      `makeWrapper ${NODE} $out/bin/$exe \\\n    --add-flags $out/lib/certguard/dist/$exe.mjs`,
    ),
    p.installPhase,
  );
  assert.match(p.installPhase, /cp -r dist \$out\/lib\/certguard\/dist/);
  assert.equal(p.doInstallCheck, true);
  assert.match(p.installCheckPhase, /\$out\/bin\/certguard --version/);
});

test('package.nix: the source holds what the build reads and nothing else', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const { source } = evalJson<PackageArgs>([
    join(REPO, 'test/nix/eval-package.nix'),
    '--arg',
    'nixpkgsLib',
    lib,
  ]);
  assert.deepEqual(source, {
    packageJson: true,
    packageLock: true,
    tsconfig: true,
    scriptsDir: true,
    buildScript: true,
    srcDir: true,
    srcFile: true,
    readme: false,
    testDir: false,
    nixDir: false,
    runTests: false,
    nodeModules: false,
  });
  // The build script must not read anything outside that selection.
  const build = readFileSync(join(REPO, 'scripts/build.mjs'), 'utf8');
  for (const m of build.matchAll(/['"](\.\.?\/[^'"]+|src\/[^'"]+)['"]/g)) {
    const path = m[1]!.replace(/^\.\.\//, '').replace(/^\.\//, '');
    assert.ok(
      /^(src\/|package\.json$)/.test(path),
      `scripts/build.mjs reads ${path}, outside the package source`,
    );
  }
});
