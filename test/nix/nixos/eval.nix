# Evaluates any list of NixOS modules (and a configuration) against NixOS's own systemd option
# declarations and types, optionally beside NixOS's real security.acme module, with the real
# nixpkgs lib; returns the configuration's units, their rendered text, assertions and more.
#
#   nix-instantiate --store dummy:// --eval --strict --json test/nix/nixos/eval.nix \
#     --arg nixpkgsLib "$NIXPKGS_LIB" --arg nixosFiles "$NIXOS_FILES" \
#     --argstr modules '["/abs/nix/module.nix"]' --argstr configuration '{...}' [--arg withAcme true]
#
# $NIXOS_FILES holds NixOS's files at their nixpkgs paths (nixos/lib/systemd-lib.nix, ...,
# nixos/modules/security/acme/default.nix); they are never committed (test/nix/nixos-eval.ts
# skips loudly without them). `extra`: path of a Nix file `{ config, options, lib, pkgs }: value`
# whose value is returned as `extra`, for what a test needs beyond the standard result.
{
  nixpkgsLib,
  nixosFiles,
  modules ? "[]",
  configuration ? "{}",
  withAcme ? false,
  extra ? "",
  extraPkgs ? "[]",
}:
let
  lib = import nixpkgsLib;
  nixos = toString nixosFiles + "/nixos";
  pkgs = import ./stub-pkgs.nix {
    inherit lib;
    extraNames = builtins.fromJSON extraPkgs;
  };
  evaluated = lib.evalModules {
    specialArgs = {
      inherit pkgs;
      modulesPath = nixos + "/modules";
    };
    modules = [
      (import ./systemd-shim.nix { inherit nixos; })
      {
        _file = "test configuration (JSON)";
        config = builtins.fromJSON configuration;
      }
    ]
    ++ lib.optional withAcme (nixos + "/modules/security/acme/default.nix")
    ++ map (p: /. + p) (builtins.fromJSON modules);
  };
  inherit (evaluated) config options;
  sd = config.systemd;
  inherit (evaluated._module.args.utils.systemdUtils.lib) serviceToUnit timerToUnit targetToUnit;

  common = u: {
    inherit (u)
      name
      enable
      description
      wants
      after
      before
      requires
      wantedBy
      requiredBy
      bindsTo
      partOf
      conflicts
      onFailure
      ;
    unitConfig = u.unitConfig;
  };
  service =
    s:
    common s
    // {
      inherit (s) serviceConfig environment restartIfChanged stopIfChanged reloadTriggers;
      restartTriggers = map toString s.restartTriggers;
      path = map toString s.path;
    };
  timer = t: common t // { inherit (t) timerConfig; };

  rendered =
    toUnit: suffix: units:
    lib.mapAttrs' (n: u: lib.nameValuePair "${n}.${suffix}" (toUnit u).text) units;
in
{
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
  inherit (config) warnings;
  services = lib.mapAttrs (_: service) sd.services;
  timers = lib.mapAttrs (_: timer) sd.timers;
  targets = lib.mapAttrs (_: common) sd.targets;
  # The unit files as NixOS writes them (nixos/lib/systemd-lib.nix's serviceToUnit, ...).
  units =
    rendered serviceToUnit "service" sd.services
    // rendered timerToUnit "timer" sd.timers
    // rendered targetToUnit "target" sd.targets;
  disabledUnits = map (u: u.name) (builtins.filter (u: !u.enable) (lib.attrValues (sd.services // sd.timers)));
  tmpfiles = sd.tmpfiles.rules;
  etc = lib.mapAttrs (_: f: f.text) config.environment.etc;
  systemPackages = map toString config.environment.systemPackages;
  users = lib.mapAttrs (_: u: {
    inherit (u) group isSystemUser extraGroups;
    home = u.home or null;
  }) config.users.users;
  groups = builtins.attrNames config.users.groups;
  extra =
    if extra == "" then
      null
    else
      import extra {
        inherit config options lib pkgs;
      };
}
