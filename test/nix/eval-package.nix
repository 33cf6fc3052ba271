# Evaluates nix/package.nix with the real nixpkgs lib. buildNpmPackage is the identity: what is
# under test is what the package hands it (source selection, build script, install and wrapping).
{ nixpkgsLib }:
let
  lib = import nixpkgsLib;
  fake = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };
  args = import ../../nix/package.nix {
    inherit lib;
    buildNpmPackage = a: a;
    nodejs = fake "nodejs-20.20.0";
    makeWrapper = fake "make-wrapper";
  };
  repo = toString ../..;
  # The source filter is a function of (path, type): ask it about files of this repository.
  included = rel: type: args.src.filter "${repo}/${rel}" type;
in
{
  inherit (args)
    pname
    version
    npmDepsHash
    npmBuildScript
    installPhase
    installCheckPhase
    doInstallCheck
    ;
  nodejs = toString args.nodejs;
  nativeBuildInputs = map toString args.nativeBuildInputs;
  inherit (args.meta) mainProgram license platforms;
  source = {
    packageJson = included "package.json" "regular";
    packageLock = included "package-lock.json" "regular";
    tsconfig = included "tsconfig.json" "regular";
    scriptsDir = included "scripts" "directory";
    buildScript = included "scripts/build.mjs" "regular";
    srcDir = included "src" "directory";
    srcFile = included "src/cli/certguard-main.ts" "regular";
    readme = included "README.md" "regular";
    testDir = included "test" "directory";
    nixDir = included "nix" "directory";
    runTests = included "scripts/run-tests.mjs" "regular";
    nodeModules = included "node_modules" "directory";
  };
}
