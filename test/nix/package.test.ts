import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { evalJson, nixInstantiate, REPO, requireEvaluator } from './nix-eval.ts';

// nix/package.nix cannot be built here (no nixpkgs, no binary cache): evaluate what it hands to
// buildNpmPackage instead, with the real nixpkgs lib.

interface PackageArgs {
  pname: string;
  version: string;
  npmDepsHash: string | null;
  npmConfigHook: string;
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
  assert.equal(p.npmDepsHash, null, 'no second hash to keep in sync: the lock fixes the dependencies');
  assert.equal(p.npmConfigHook, '/nix/store/00000000000000000000000000000000-npm-config-hook');
  assert.equal(p.mainProgram, 'certguard');
  assert.deepEqual(p.nativeBuildInputs, ['/nix/store/00000000000000000000000000000000-make-wrapper']);
  // Every executable package.json declares is wrapped, running its dist bundle with the given
  // nodejs; the bundle's extension is package.json's (one for both).
  const exts = new Set<string>();
  for (const [exe, file] of Object.entries(pkgJson.bin)) {
    const m = /^dist\/([\w-]+)\.(mjs|cjs|js)$/.exec(file);
    assert.ok(m, `${exe} -> ${file}: a bundle in dist/`);
    assert.equal(m[1], exe, `${exe} -> ${file} matches the wrapper's naming`);
    exts.add(m[2]!);
    assert.match(p.installPhase, new RegExp(`for exe in [^;]*\\b${exe}\\b`));
  }
  assert.equal(exts.size, 1, 'one extension for every bundle');
  assert.ok(
    p.installPhase.includes(
      `makeWrapper ${NODE} $out/bin/$exe \\\n    --add-flags $out/lib/certguard/dist/$exe.${[...exts][0]}`,
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
    codeCacheScript: true,
    codeCacheRun: true,
    srcDir: true,
    srcFile: true,
    readme: false,
    testDir: false,
    nixDir: false,
    runTests: false,
    nodeModules: false,
  });
  // The build scripts must not read anything outside that selection: build.mjs and the scripts it
  // loads (the code cache step and its runner), followed from file to file.
  const allowed = /^(src\/|package\.json$|scripts\/(build|code-cache)\.mjs$|scripts\/code-cache-run\.cjs$)/;
  const seen = new Set<string>();
  const queue = ['scripts/build.mjs'];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(REPO, file), 'utf8');
    // Relative paths and src/ paths in quotes, and files named to `new URL(..., import.meta.url)`.
    const named = /['"](\.\.?\/[^'"]+|src\/[^'"]+)['"]|new URL\(['"]([^'"]+)['"], import\.meta\.url\)/g;
    for (const m of text.matchAll(named)) {
      const spec = (m[1] ?? m[2])!;
      if (spec === '..') continue; // the package root itself
      const path = spec.startsWith('src/') ? spec : join('scripts', spec).replace(/^scripts\/\.\.\//, '');
      assert.ok(allowed.test(path), `${file} reads ${path}, outside the package source`);
      if (path.startsWith('scripts/')) queue.push(path);
    }
  }
  assert.ok(seen.has('scripts/code-cache-run.cjs'), `followed ${[...seen].join(', ')}`);
});

interface Lock {
  name: string;
  version: string;
  packages: Record<
    string,
    {
      version?: string;
      integrity?: string;
      name?: string;
      link?: boolean;
      inBundle?: boolean;
      resolved?: string;
    }
  >;
}

// A made-up registry under the reserved .test domain: the repository names no real one.
const REGISTRY = 'https://npm-registry.test/mirror';

test('package.nix: every locked package becomes one fetch from npmRegistry carrying its lock integrity', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const deps = evalJson<{ fetches: { key: string; url: string; hash: string }[]; lock: Lock }>([
    join(REPO, 'test/nix/eval-package.nix'),
    '--arg',
    'nixpkgsLib',
    lib,
    '--argstr',
    'npmRegistry',
    `${REGISTRY}/`,
    '-A',
    'deps',
  ]);
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as Lock;
  const locked = Object.entries(lock.packages).filter(([key, e]) => key !== '' && !e.link && !e.inBundle);
  assert.ok(locked.length > 10, 'the lock has dependencies');
  assert.equal(deps.fetches.length, locked.length, 'one fetch per locked package, none skipped, none extra');
  const byKey = new Map(deps.fetches.map((f) => [f.key, f]));
  for (const [key, entry] of locked) {
    const fetch = byKey.get(key);
    assert.ok(fetch, `${key} is fetched`);
    assert.equal(fetch.hash, entry.integrity, `${key}: the fetch is checked against the lock's integrity`);
    assert.ok(entry.integrity?.startsWith('sha512-'), `${key}: integrity in the lock`);
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const base = name.slice(name.lastIndexOf('/') + 1);
    assert.equal(fetch.url, `${REGISTRY}/${name}/-/${base}-${entry.version}.tgz`, key);
  }
  // The lock handed on is the repository's, with only the download addresses added.
  for (const [key, entry] of Object.entries(lock.packages)) {
    const { resolved, ...rest } = deps.lock.packages[key]!;
    assert.deepEqual(rest, entry, `${key} unchanged apart from resolved`);
    assert.equal(resolved === undefined, key === '', key);
  }
});

test('package.nix without npmRegistry: the build stops with a message saying what to set', (t) => {
  const lib = requireEvaluator(t);
  if (!lib) return;
  const r = nixInstantiate([
    '--eval',
    '--strict',
    '--json',
    join(REPO, 'test/nix/eval-package.nix'),
    '--arg',
    'nixpkgsLib',
    lib,
    '--argstr',
    'only',
    'urls',
  ]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /needs `npmRegistry`/);
  assert.match(r.stderr, /\.override \{ npmRegistry = "<URL>"; \}/);
  assert.match(r.stderr, /services\.certguard\.package/);
});

test('package-lock.json and package.json agree: name, version, every dependency locked', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as Lock & {
    packages: Record<
      string,
      { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }
    >;
  };
  assert.equal(lock.name, pkg.name);
  assert.equal(lock.version, pkg.version);
  const root = lock.packages['']!;
  assert.deepEqual(root.dependencies ?? {}, pkg.dependencies ?? {});
  assert.deepEqual(root.devDependencies ?? {}, pkg.devDependencies ?? {});
  for (const name of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]) {
    assert.ok(lock.packages[`node_modules/${name}`]?.version, `${name} is locked`);
  }
  const resolved = Object.entries(lock.packages).filter(([, e]) => e.resolved !== undefined);
  assert.deepEqual(resolved, [], 'the lock records no download addresses');
});
