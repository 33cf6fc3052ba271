# The subset of NixOS options that nix/module.nix sets or reads, declared with the types NixOS uses
# (nixos/lib/systemd-unit-options.nix, nixos/lib/systemd-lib.nix, nixos/modules/system/boot/
# systemd.nix), so lib.evalModules merges and checks our definitions the way a real NixOS
# evaluation does: unit names must end in a unit type, `serviceConfig` passes NixOS's
# `checkService` (Type=, Restart=), lists of unit options concatenate in order.
# This is the test's own re-statement, for evaluations without NixOS's files; with $NIXOS_FILES
# the tests also evaluate the module against NixOS's real declarations (test/nix/nixos/).
# Not a mock of certguard: what is under test is nix/module.nix.
{ lib, ... }:
let
  inherit (lib) mkOption types;

  # NixOS's `unitOption`: list definitions are concatenated (in mkBefore/mkAfter order), scalars
  # must agree. This is what makes `ExecStartPre = lib.mkBefore [ ... ]` come first.
  unitOption = lib.mkOptionType {
    name = "systemd option";
    merge =
      loc: defs:
      let
        defs' = lib.filterOverrides defs;
      in
      if lib.any (def: builtins.isList def.value) defs' then
        lib.concatMap (def: lib.toList def.value) defs'
      else
        lib.mergeEqualOption loc defs';
  };

  # NixOS's unitNameType: what `wants`, `after`, `wantedBy`... accept.
  unitName = types.strMatching "[a-zA-Z0-9@%:_.\\-]+[.](service|socket|device|mount|automount|swap|target|path|timer|scope|slice)";

  # NixOS's checkService: the values systemd.service(5) allows for Type= and Restart=, checked on
  # the definitions (mkIf/mkOverride unwrapped) of the whole serviceConfig.
  allowed = {
    Type = [ "exec" "simple" "forking" "oneshot" "dbus" "notify" "notify-reload" "idle" ];
    Restart = [ "no" "on-success" "on-failure" "on-abnormal" "on-abort" "always" ];
  };
  unwrap = v: if builtins.elem (v._type or "") [ "override" "if" ] then v.content else v;
  checkService =
    attrs:
    lib.all (k: !(attrs ? ${k}) || builtins.elem (unwrap attrs.${k}) allowed.${k}) (builtins.attrNames allowed);

  fakePackage = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };

  unitList = mkOption {
    type = types.listOf unitName;
    default = [ ];
  };
  commonUnitOptions = {
    enable = mkOption {
      type = types.bool;
      default = true;
    };
    description = mkOption {
      type = types.singleLineStr;
      default = "";
    };
    wants = unitList;
    after = unitList;
    before = unitList;
    requires = unitList;
    wantedBy = unitList;
    unitConfig = mkOption {
      type = types.attrsOf unitOption;
      default = { };
    };
    # No default: only a defined value becomes a [Unit] line (as systemd-lib.nix's unitConfig).
    startLimitIntervalSec = mkOption { type = types.int; };
    startLimitBurst = mkOption { type = types.int; };
  };
  # As NixOS: the rate-limit options become [Unit] settings, as strings.
  startLimits =
    { config, options, ... }:
    {
      config.unitConfig =
        lib.optionalAttrs options.startLimitIntervalSec.isDefined {
          StartLimitIntervalSec = toString config.startLimitIntervalSec;
        }
        // lib.optionalAttrs options.startLimitBurst.isDefined {
          StartLimitBurst = toString config.startLimitBurst;
        };
    };

  serviceModule =
    { name, config, ... }:
    {
      imports = [ startLimits ];
      options = commonUnitOptions // {
        path = mkOption {
          type = types.listOf (types.oneOf [
            types.package
            types.str
          ]);
          default = [ ];
        };
        environment = mkOption {
          type = types.attrsOf types.str;
          default = { };
        };
        preStart = mkOption {
          type = types.lines;
          default = "";
        };
        script = mkOption {
          type = types.lines;
          default = "";
        };
        serviceConfig = mkOption {
          type = types.addCheck (types.attrsOf unitOption) checkService;
          default = { };
        };
      };
      # As NixOS does: preStart becomes an ExecStartPre entry, script the ExecStart.
      config = lib.mkMerge [
        (lib.mkIf (config.preStart != "") {
          serviceConfig.ExecStartPre = [ "/nix/store/00000000000000000000000000000000-unit-script-${name}-pre-start" ];
        })
        (lib.mkIf (config.script != "") {
          serviceConfig.ExecStart = "/nix/store/00000000000000000000000000000000-unit-script-${name}-start";
        })
      ];
    };

  timerModule = {
    imports = [ startLimits ];
    options = commonUnitOptions // {
      timerConfig = mkOption {
        type = types.attrsOf unitOption;
        default = { };
      };
    };
  };
in
{
  options = {
    systemd.package = mkOption {
      type = types.package;
      default = fakePackage "systemd";
    };
    systemd.services = mkOption {
      type = types.attrsOf (types.submodule serviceModule);
      default = { };
    };
    systemd.timers = mkOption {
      type = types.attrsOf (types.submodule timerModule);
      default = { };
    };
    systemd.tmpfiles.rules = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    environment.etc = mkOption {
      type = types.attrsOf (
        types.submodule {
          options.text = mkOption {
            type = types.nullOr types.lines;
            default = null;
          };
        }
      );
      default = { };
    };
    environment.systemPackages = mkOption {
      type = types.listOf types.package;
      default = [ ];
    };
    users.users = mkOption {
      type = types.attrsOf (types.submodule { freeformType = types.attrsOf types.anything; });
      default = { };
    };
    users.groups = mkOption {
      type = types.attrsOf (
        types.submodule {
          options.members = mkOption {
            type = types.listOf types.str;
            default = [ ];
          };
        }
      );
      default = { };
    };
    assertions = mkOption {
      type = types.listOf types.unspecified;
      default = [ ];
    };
    warnings = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
  };
  # Stand-ins for nixpkgs' packages and trivial builders (nothing is built here).
  config._module.args.pkgs = import ./nixos/stub-pkgs.nix { inherit lib; };
}
