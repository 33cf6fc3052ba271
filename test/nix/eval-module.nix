# Evaluates nix/module.nix with the real nixpkgs lib and test/nix/systemd-options.nix.
#   nix-instantiate --eval --strict --json test/nix/eval-module.nix \
#     --arg nixpkgsLib "$NIXPKGS_LIB" --argstr configuration '{"services":{"certguard":{...}}}'
# `configuration` is a NixOS configuration as JSON (what a test writes). `only = "assertions"`
# returns just the failed assertion messages, for configurations that are meant to be rejected;
# `only = "docs"` the option documentation.
{
  nixpkgsLib,
  configuration,
  only ? "all",
}:
let
  lib = import nixpkgsLib;
  evaluated = lib.evalModules {
    modules = [
      ./systemd-options.nix
      ../../nix/module.nix
      {
        _file = "test configuration (JSON)";
        config = builtins.fromJSON configuration;
      }
      {
        services.certguard.package = lib.mkDefault {
          type = "derivation";
          name = "certguard-0.1.0";
          outPath = "/nix/store/00000000000000000000000000000000-certguard-0.1.0";
          meta.mainProgram = "certguard";
        };
      }
    ];
  };
  inherit (evaluated) config;
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
  unit = u: {
    inherit (u) wants after wantedBy description;
    serviceConfig = u.serviceConfig or { };
    unitConfig = u.unitConfig;
    timerConfig = u.timerConfig or { };
    path = map toString (u.path or [ ]);
  };
in
if only == "assertions" then
  { inherit failedAssertions; }
else if only == "docs" then
  # What the NixOS manual would show for services.certguard (rendered by nixpkgs' own code).
  map
    (o: {
      inherit (o) name type;
      description = o.description or null;
      default = o.default.text or null;
      example = o.example.text or (if o ? example then builtins.toJSON o.example else null);
    })
    (
      builtins.filter (o: o.visible && !(lib.hasInfix "._module." o.name)) (
        lib.optionAttrSetToDocList evaluated.options.services.certguard
      )
    )
else
  {
    inherit failedAssertions;
    inherit (config) warnings;
    services = lib.mapAttrs (_: unit) config.systemd.services;
    timers = lib.mapAttrs (_: unit) config.systemd.timers;
    tmpfiles = config.systemd.tmpfiles.rules;
    groups = builtins.attrNames config.users.groups;
    users = config.users.users;
    etc = lib.mapAttrs (_: f: f.text) config.environment.etc;
    systemPackages = map toString config.environment.systemPackages;
  }
