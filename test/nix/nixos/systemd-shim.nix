# The part of a NixOS system a certguard evaluation needs, built on NixOS's OWN systemd option
# declarations and types: `systemd.services`, `.timers`, `.targets`, ... are declared with the types
# from nixos/lib/systemd-types.nix, which import nixos/lib/systemd-unit-options.nix and
# nixos/lib/systemd-lib.nix from the directory `nixos` (the tests' $NIXOS_FILES/nixos; those files
# are never committed). So `wants`/`after` take unit names only, `serviceConfig` runs NixOS's
# `checkService`, `preStart`/`script` become job scripts, and the unit text comes from NixOS's
# own `serviceToUnit`/`timerToUnit`.
#
# What NixOS's systemd.nix, users-groups.nix and etc.nix add around those types is re-declared here
# in the few lines the evaluated modules use (the stand-in, not a copy): the top-level systemd
# options, `startAt` timers, tmpfiles, /etc, users and groups (with users-groups.nix's two
# assertions a system user definition can trip), `boot.isContainer` and `meta`.
{ nixos }:
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib) mkOption types;
  nixpkgsLib = lib;

  # As nixos/lib/utils.nix assembles them.
  systemdUtils = {
    lib = import (nixos + "/lib/systemd-lib.nix") {
      inherit config pkgs utils;
      lib = nixpkgsLib;
    };
    unitOptions = import (nixos + "/lib/systemd-unit-options.nix") {
      lib = nixpkgsLib;
      inherit systemdUtils;
    };
    types = import (nixos + "/lib/systemd-types.nix") {
      lib = nixpkgsLib;
      inherit systemdUtils pkgs;
    };
  };
  utils = {
    inherit systemdUtils;
    # Only mount/automount unit names use it; enough for absolute paths without odd characters.
    escapeSystemdPath = s: lib.replaceStrings [ "/" "-" " " ] [ "-" "\\x2d" "\\x20" ] (lib.removePrefix "/" s);
  };

  stypes = systemdUtils.types;
  unitsOf = t: mkOption {
    type = t;
    default = { };
  };
  freeform = types.submodule { freeformType = types.lazyAttrsOf types.raw; };
in
{
  imports = [ (nixos + "/modules/misc/assertions.nix") ];

  options = {
    systemd.package = mkOption {
      type = types.package;
      default = pkgs.systemd;
    };
    systemd.globalEnvironment = mkOption {
      type = types.attrsOf (types.nullOr (types.oneOf [ types.str types.path types.package ]));
      default = { };
    };
    systemd.enableStrictShellChecks = mkOption {
      type = types.bool;
      default = false;
    };
    systemd.services = unitsOf stypes.services;
    systemd.timers = unitsOf stypes.timers;
    systemd.targets = unitsOf stypes.targets;
    systemd.sockets = unitsOf stypes.sockets;
    systemd.paths = unitsOf stypes.paths;
    systemd.slices = unitsOf stypes.slices;
    systemd.tmpfiles.rules = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    systemd.tmpfiles.settings = mkOption {
      type = types.attrsOf (types.attrsOf (types.attrsOf freeform));
      default = { };
    };

    environment.etc = mkOption {
      type = types.attrsOf (
        types.submodule (
          { name, ... }:
          {
            freeformType = types.lazyAttrsOf types.raw;
            options = {
              text = mkOption {
                type = types.nullOr types.lines;
                default = null;
              };
              target = mkOption {
                type = types.str;
                default = name;
              };
              mode = mkOption {
                type = types.str;
                default = "symlink";
              };
            };
          }
        )
      );
      default = { };
    };
    environment.systemPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
    };

    users.users = mkOption {
      type = types.attrsOf (
        types.submodule (
          { name, ... }:
          {
            freeformType = types.lazyAttrsOf types.raw;
            options = {
              name = mkOption {
                type = types.str;
                default = name;
              };
              group = mkOption {
                type = types.str;
                default = "";
              };
              isSystemUser = mkOption {
                type = types.bool;
                default = false;
              };
              isNormalUser = mkOption {
                type = types.bool;
                default = false;
              };
              extraGroups = mkOption {
                type = types.listOf types.str;
                default = [ ];
              };
            };
          }
        )
      );
      default = { };
    };
    users.groups = mkOption {
      type = types.attrsOf (
        types.submodule {
          freeformType = types.lazyAttrsOf types.raw;
          options.members = mkOption {
            type = types.listOf types.str;
            default = [ ];
          };
        }
      );
      default = { };
    };

    boot.isContainer = mkOption {
      type = types.bool;
      default = false;
    };
    # security.acme sets meta.maintainers/doc; nothing reads them here (lazy, never forced).
    meta = mkOption {
      type = types.lazyAttrsOf types.raw;
      default = { };
    };
  };

  config = {
    _module.args.utils = utils;

    # systemd.nix: `startAt` is a timer with that OnCalendar.
    systemd.timers = lib.mapAttrs (_: service: {
      wantedBy = [ "timers.target" ];
      timerConfig.OnCalendar = service.startAt;
    }) (lib.filterAttrs (_: s: s.enable && s.startAt != [ ]) config.systemd.services);

    # users-groups.nix rejects the first two at evaluation and a missing group fails activation:
    # the stand-in rejects all three at evaluation.
    assertions = lib.concatLists (
      lib.mapAttrsToList (name: u: [
        {
          assertion = u.isSystemUser != u.isNormalUser;
          message = "Exactly one of users.users.${name}.isSystemUser and users.users.${name}.isNormalUser must be set.";
        }
        {
          assertion = u.group != "";
          message = "users.users.${name}.group is unset.";
        }
        {
          assertion = u.group == "" || config.users.groups ? ${u.group};
          message = "users.users.${name}.group = ${builtins.toJSON u.group}: no such group in users.groups.";
        }
      ]) config.users.users
    );
  };
}
