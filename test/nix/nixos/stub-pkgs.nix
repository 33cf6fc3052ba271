# Stand-in for nixpkgs' `pkgs` in evaluations against NixOS's own module files
# (test/nix/nixos/eval.nix). Nothing can be built here: every package is a derivation-shaped
# attribute set with a made-up store path, and the trivial builders (writeShellScript, writeText,
# runCommand, ...) return the same shape with the text they were given in `passthru.text`, so a
# test can still read what a module asked to write. callPackage really calls the function, with
# these stand-ins as its arguments (nix/package.nix is evaluated, not built).
{
  lib,
  # More package names a module under test reads from pkgs.
  extraNames ? [ ],
}:
let
  # 32 characters, like a store hash; from the name and content, so different texts differ.
  hashOf = s: builtins.substring 0 32 (builtins.hashString "sha256" s);

  mkFake =
    attrs:
    let
      self = {
        type = "derivation";
        outputs = [ "out" ];
        out = self;
        outPath = "/nix/store/${hashOf (attrs.name + "\n" + (attrs.passthru.text or ""))}-${attrs.name}";
        drvPath = "/nix/store/${hashOf ("drv\n" + attrs.name + "\n" + (attrs.passthru.text or ""))}-${attrs.name}.drv";
        meta = { };
        passthru = { };
        overrideAttrs = f: mkFake (attrs // (if builtins.isFunction f then f attrs else f));
      }
      // attrs;
    in
    self;

  package = name: mkFake {
    inherit name;
    pname = lib.getName name;
    meta.mainProgram = lib.getName name;
  };

  # Every script is also reported on stderr as `trace: {"certguardStubScript":PATH,"text":TEXT}`,
  # so a test can write it where the unit expects it (test/nix/nix-eval.ts, stubScripts).
  # `bin`: the script is $out/bin/NAME with meta.mainProgram (writeShellScriptBin,
  # writeShellApplication); otherwise $out itself, without mainProgram (writeShellScript).
  scriptAt =
    bin: name: text:
    let
      drv = mkFake {
        inherit name;
        passthru.text = text;
        meta = lib.optionalAttrs bin { mainProgram = name; };
      };
      path = if bin then "${drv.outPath}/bin/${name}" else drv.outPath;
    in
    builtins.trace (builtins.toJSON {
      certguardStubScript = path;
      inherit text;
    }) drv;
  script = scriptAt false;
  binScript = scriptAt true;

  names = [
    "bash"
    "cacert"
    "coreutils"
    "curl"
    "diffutils"
    "findutils"
    "flock"
    "gawk"
    "gnugrep"
    "gnused"
    "iproute2"
    "lego"
    "makeWrapper"
    "minica"
    "nginx"
    "nodejs"
    "openssl"
    "shadow"
    "systemd"
    "util-linux"
  ]
  ++ extraNames;

  pkgs =
    lib.genAttrs names package
    // {
      inherit lib;
      system = "x86_64-linux";
      stdenv.hostPlatform = {
        system = "x86_64-linux";
        isLinux = true;
      };
      runtimeShell = "/bin/sh";
      buildPackages = pkgs // {
        xorg.lndir = package "lndir";
      };
      xorg.lndir = package "lndir";

      writeText = name: text: script name text;
      writeScript = name: text: script name text;
      writeShellScript = name: text: script name "#!/bin/sh\n${text}";
      writeShellScriptBin = name: text: binScript name "#!/bin/sh\n${text}";
      writeShellApplication = { name, text, ... }: binScript name "#!/bin/sh\nset -o errexit\n${text}";
      writeTextFile = { name, text, ... }: script name text;
      runCommand = name: _env: buildCommand: script name buildCommand;
      runCommandLocal = name: _env: buildCommand: script name buildCommand;
      symlinkJoin = { name, ... }: package name;

      # buildNpmPackage: the arguments become the derivation's attributes, so a test can read what
      # a package handed the builder.
      buildNpmPackage =
        args:
        mkFake (
          args
          // {
            name = "${args.pname}-${args.version}";
            meta = args.meta or { };
          }
        );

      # importNpmLock's shape: a function with npmConfigHook beside it.
      importNpmLock = {
        __functor = _: _args: package "npm-deps";
        npmConfigHook = package "npm-config-hook";
      };

      callPackage = fn: args: lib.callPackageWith pkgs fn args;
    };
in
pkgs
