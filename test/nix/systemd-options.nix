# The subset of NixOS options that nix/module.nix sets or reads, declared with the types NixOS uses
# (nixos/lib/systemd-unit-options.nix, nixos/lib/systemd-lib.nix, nixos/modules/system/boot/
# systemd.nix), so lib.evalModules merges our definitions the way a real NixOS evaluation does.
# NixOS itself cannot be evaluated here (no nixpkgs); this is the test's stand-in, not a mock of
# certguard: what is under test is nix/module.nix.
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

  fakePackage = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };

  commonUnitOptions = {
    enable = mkOption {
      type = types.bool;
      default = true;
    };
    description = mkOption {
      type = types.str;
      default = "";
    };
    wants = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    after = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    before = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    requires = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    wantedBy = mkOption {
      type = types.listOf types.str;
      default = [ ];
    };
    unitConfig = mkOption {
      type = types.attrsOf unitOption;
      default = { };
    };
  };

  serviceModule =
    { name, config, ... }:
    {
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
          type = types.attrsOf unitOption;
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
  config._module.args.pkgs = {
    # Only reached when a test leaves services.certguard.package unset.
    callPackage = _: _: fakePackage "certguard-from-callPackage";
  };
}
