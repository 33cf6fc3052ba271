# Evaluates flake.nix's outputs with the real nixpkgs lib and a stand-in for the nixpkgs input
# (no nixpkgs here): checks the outputs' wiring, not NixOS itself.
{ nixpkgsLib }:
let
  lib = import nixpkgsLib;
  stubPkgs = system: {
    inherit system;
    callPackage = file: args: {
      type = "derivation";
      name = "callPackage";
      outPath = "/nix/store/00000000000000000000000000000000-called";
      calledFile = toString file;
      inherit args;
    };
    # runNixOSTest gets the test module; keep what can be checked without NixOS.
    testers.runNixOSTest =
      test:
      let
        t = test {
          pkgs = stubPkgs system;
          inherit lib;
        };
      in
      {
        isVmTest = true;
        inherit (t) name testScript;
        nodeNames = builtins.attrNames t.nodes;
      };
  };
  nixpkgs = {
    inherit lib;
    legacyPackages = lib.genAttrs [ "x86_64-linux" "aarch64-linux" ] stubPkgs;
  };
  flake = import ../../flake.nix;
  outputs = flake.outputs {
    self = outputs;
    inherit nixpkgs;
  };
  repo = toString ../..;
  rel = p: lib.removePrefix "${repo}/" (toString p);
in
{
  inputs = builtins.attrNames flake.inputs;
  nixpkgsUrl = flake.inputs.nixpkgs.url;
  systems = builtins.attrNames outputs.packages;
  packageFile = rel outputs.packages.x86_64-linux.default.calledFile;
  certguardPackageFile = rel outputs.packages.aarch64-linux.certguard.calledFile;
  module = rel outputs.nixosModules.default;
  overlay = rel (outputs.overlays.default (stubPkgs "x86_64-linux") { }).certguard.calledFile;
  checks = builtins.attrNames outputs.checks.x86_64-linux;
  vm = outputs.checks.x86_64-linux.vm;
  # The one package setting reaches the package check and the VM test's package.
  checksRegistry = (outputs.lib.checksWith "https://npm-registry.test").x86_64-linux.package.args;
  vmPackageRegistry =
    let
      t = import ../../nix/tests/vm-test.nix {
        certguardModule = outputs.nixosModules.default;
        npmRegistry = "https://npm-registry.test";
      } { pkgs = stubPkgs "x86_64-linux"; inherit lib; };
    in
    (t.nodes.server { inherit lib; }).services.certguard.package.args;
  defaultChecksRegistry = outputs.checks.x86_64-linux.package.args;
}
