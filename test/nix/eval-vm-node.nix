# Evaluates the `server` node of nix/tests/vm-test.nix with the real nixpkgs lib, the certguard
# module and test/nix/systemd-options.nix. NixOS itself (nginx module, specialisations, the test
# driver) is not available here: stand-ins below declare just enough for the node's configuration
# to evaluate, so a wrong certguard option in the VM test shows up here instead of in a user's
# `nix flake check`. `specialisation` = name of a specialisation to merge in, or "".
{
  nixpkgsLib,
  specialisation ? "",
}:
let
  lib = import nixpkgsLib;
  inherit (lib) mkOption types;
  fake = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };
  pkgs = {
    runCommand = name: _env: _script: fake name;
    writeText = name: _text: fake name;
    writeShellScript = name: _text: fake name;
    pebble = fake "pebble";
    curl = fake "curl";
    openssl = fake "openssl";
    bash = fake "bash";
    callPackage = _: _: fake "certguard" // { meta.mainProgram = "certguard"; };
  };
  test = import ../../nix/tests/vm-test.nix { certguardModule = ../../nix/module.nix; } {
    inherit pkgs lib;
  };

  # Stand-in for the NixOS options the node sets outside certguard and systemd.
  nixosStandIn =
    { config, ... }:
    {
      options = {
        services.nginx = mkOption { type = types.attrsOf types.anything; };
        networking.hosts = mkOption { type = types.attrsOf (types.listOf types.str); };
        specialisation = mkOption {
          type = types.attrsOf (types.submodule { options.configuration = mkOption { type = types.raw; }; });
        };
      };
      # What NixOS's nginx module does when enabled: a service with its own ExecStartPre (nginx -t).
      config.systemd.services.nginx = lib.mkIf (config.services.nginx.enable or false) {
        preStart = "nginx -t";
        serviceConfig.ExecStart = "nginx";
      };
    };

  evaluated = lib.evalModules {
    modules = [
      ../../test/nix/systemd-options.nix
      nixosStandIn
      test.nodes.server
      { _module.args.pkgs = lib.mkForce pkgs; }
    ]
    # A specialisation is the node's configuration plus its own module, as NixOS builds it.
    ++ lib.optional (specialisation != "") (
      (test.nodes.server { inherit lib; }).specialisation.${specialisation}.configuration
    );
  };
  inherit (evaluated) config;
in
{
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
  inherit (config) warnings;
  configJson = builtins.fromJSON config.environment.etc."certguard/certguard.json".text;
  nginxExecStartPre = config.systemd.services.nginx.serviceConfig.ExecStartPre;
  nginxWants = config.systemd.services.nginx.wants;
  renewAfter = config.systemd.services."certguard-renew-server.test".after;
  renewUser = config.systemd.services."certguard-renew-server.test".serviceConfig.User;
  extraDomainNames = config.services.certguard.certs."server.test".extraDomainNames;
  specialisations = builtins.attrNames config.specialisation;
}
