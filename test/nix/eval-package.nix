# Evaluates nix/package.nix with the real nixpkgs lib. buildNpmPackage is the identity: what is
# under test is what the package hands it (source selection, build script, install and wrapping,
# dependencies). The stand-in importNpmLock keeps nixpkgs' contract: one fetchurl per locked
# package that has a `resolved` http(s) URL, with the lock's `integrity` as its hash; packages
# without one are not fetched at all.
{
  nixpkgsLib,
  npmRegistry ? null,
  # "urls": only the download addresses, what `nix build` forces (throws without npmRegistry).
  only ? "all",
}:
let
  lib = import nixpkgsLib;
  fake = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };
  fetchurl = { url, hash }: { inherit url hash; };
  importNpmLock = {
    __functor =
      _:
      { package, packageLock, ... }:
      {
        inherit package;
        lock = packageLock;
        fetches = lib.concatLists (
          lib.mapAttrsToList (
            key: m:
            lib.optional (m ? resolved && builtins.match "https?://.*" m.resolved != null) (
              { inherit key; } // fetchurl { url = m.resolved; hash = m.integrity; }
            )
          ) packageLock.packages
        );
      };
    npmConfigHook = fake "npm-config-hook";
  };
  args = import ../../nix/package.nix {
    inherit lib importNpmLock npmRegistry;
    buildNpmPackage = a: a;
    nodejs = fake "nodejs-20.20.0";
    makeWrapper = fake "make-wrapper";
  };
  repo = toString ../..;
  # The source filter is a function of (path, type): ask it about files of this repository.
  included = rel: type: args.src.filter "${repo}/${rel}" type;
in
if only == "urls" then
  map (f: f.url) args.npmDeps.fetches
else
{
  inherit (args)
    pname
    version
    npmBuildScript
    installPhase
    installCheckPhase
    doInstallCheck
    ;
  nodejs = toString args.nodejs;
  npmConfigHook = toString args.npmConfigHook;
  npmDepsHash = args.npmDepsHash or null;
  deps = if npmRegistry == null then null else args.npmDeps;
  nativeBuildInputs = map toString args.nativeBuildInputs;
  inherit (args.meta) mainProgram license platforms;
  source = {
    packageJson = included "package.json" "regular";
    packageLock = included "package-lock.json" "regular";
    tsconfig = included "tsconfig.json" "regular";
    scriptsDir = included "scripts" "directory";
    buildScript = included "scripts/build.mjs" "regular";
    codeCacheScript = included "scripts/code-cache.mjs" "regular";
    codeCacheRun = included "scripts/code-cache-run.cjs" "regular";
    srcDir = included "src" "directory";
    srcFile = included "src/cli/certguard-main.ts" "regular";
    readme = included "README.md" "regular";
    testDir = included "test" "directory";
    nixDir = included "nix" "directory";
    runTests = included "scripts/run-tests.mjs" "regular";
    nodeModules = included "node_modules" "directory";
  };
}
