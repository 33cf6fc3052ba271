# certguard as a Nix package: `npm run build` (esbuild) bundles both executables and every
# dependency into dist/, so the result needs nothing but Node.js at run time.
{
  lib,
  buildNpmPackage,
  importNpmLock,
  nodejs,
  makeWrapper,
  # Base URL of the npm registry serving the locked packages: the one setting the build needs
  # (nix/npm-lock.nix; evaluation stops with a message saying what to set when it is missing).
  npmRegistry ? null,
}:
let
  packageJson = lib.importJSON ../package.json;
  packageLock = import ./npm-lock.nix {
    inherit lib npmRegistry;
    lock = lib.importJSON ../package-lock.json;
  };
in
buildNpmPackage {
  pname = "certguard";
  inherit (packageJson) version;

  # Only what the build reads: editing docs, tests or Nix files does not rebuild the package.
  # (sourceByRegex rather than lib.fileset: it also evaluates on older Nix, where the test runs.)
  src = lib.sourceByRegex ../. [
    "package\\.json"
    "package-lock\\.json"
    "tsconfig\\.json"
    "scripts"
    "scripts/build\\.mjs"
    "scripts/code-cache\\.mjs"
    "scripts/code-cache-run\\.cjs"
    "src(/.*)?"
  ];

  # Every dependency is fixed by the lock's own integrity hash: one fetch per locked package.
  npmDeps = importNpmLock {
    package = packageJson;
    inherit packageLock;
  };
  npmConfigHook = importNpmLock.npmConfigHook;

  # The same nodejs builds and runs: `npm run build` also writes each executable's V8 code cache
  # (scripts/code-cache.mjs), which only the Node that made it accepts (else it is just not used).
  inherit nodejs;
  nativeBuildInputs = [ makeWrapper ];
  npmBuildScript = "build";

  # buildNpmPackage's default install keeps node_modules; the bundles in dist/ do not need them.
  installPhase = ''
    runHook preInstall
    mkdir -p $out/lib/certguard $out/bin
    cp -r dist $out/lib/certguard/dist
    for exe in certguard certguard-preflight; do
      makeWrapper ${nodejs}/bin/node $out/bin/$exe \
        --add-flags $out/lib/certguard/dist/$exe.cjs
    done
    runHook postInstall
  '';

  doInstallCheck = true;
  installCheckPhase = ''
    runHook preInstallCheck
    $out/bin/certguard --version
    $out/bin/certguard-preflight --help > /dev/null
    runHook postInstallCheck
  '';

  meta = {
    description = "Keeps TLS certificates working on NixOS and systemd hosts: offline preflight, local-first ACME renewal, status";
    license = lib.licenses.mit;
    mainProgram = "certguard";
    platforms = lib.platforms.linux;
  };
}
