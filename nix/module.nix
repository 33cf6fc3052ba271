# NixOS module for certguard: TLS certificates that keep services working when the CA is down.
#
# For every certificate in services.certguard.certs it writes the entry into
# /etc/certguard/certguard.json, generates certguard-renew-<name>.service + .timer (run as the
# unprivileged `certguard` user), certguard-reissue-<name>.service and certguard-apply-<name>.service
# (renewal at `nixos-rebuild switch` when the certificate's settings changed), and adds the offline
# preflight to the ExecStartPre of every service listed in `services`. Option names follow nixpkgs'
# security.acme so that configurations move over with few changes (see docs/nix.md).
{
  config,
  options,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib)
    genAttrs
    literalExpression
    literalMD
    mkEnableOption
    mkIf
    mkMerge
    mkOption
    types
    ;
  cfg = config.services.certguard;
  # A fixed path, not a store path: the units do not change (and the services using a certificate
  # are not restarted) when only certificate settings change; every run reads the current file.
  configPath = "/etc/certguard/certguard.json";
  # The renew units' copy: the same certificates without reloads and postRun (config-json.nix).
  unitConfigPath = "/etc/certguard/renew-units.json";
  ownFile = toString ./module.nix;

  inheritable = import ./module/cert-options.nix {
    inherit lib;
    defaults = cfg.defaults;
  };

  certModule =
    { name, ... }:
    {
      imports = [ (inheritable false) ];
      options = {
        domain = mkOption {
          type = types.str;
          default = name;
          defaultText = literalExpression "<name>";
          example = "example.org";
          description = "The primary domain name of the certificate (its subject).";
        };
        extraDomainNames = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [
            "www.example.org"
            "*.example.org"
          ];
          description = "More names the certificate must cover (subject alternative names).";
        };
        directory = mkOption {
          type = types.strMatching "/.+";
          default = "/var/lib/certguard-certs/${name}";
          defaultText = literalExpression ''"/var/lib/certguard-certs/''${name}"'';
          example = "/srv/tls/example.org";
          description = ''
            Where the certificate lives: cert.pem, chain.pem, fullchain.pem, key.pem and full.pem,
            the same layout as security.acme (so `sslCertificate = "''${dir}/fullchain.pem"`
            settings carry over). Owned by the `certguard` user and `group`.
            Outside security.acme's /var/lib/acme: on a host that also has security.acme
            certificates, acme-setup.service's `StateDirectory=acme` may chown everything below
            /var/lib/acme to the acme user and group, and the services would lose read access
            to certguard's keys (a directory there is then an assertion).
          '';
        };
        services = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [ "nginx" ];
          description = ''
            systemd services (attribute names in `systemd.services`, without `.service`) that
            use this certificate. Each one gets the offline preflight as its first
            `ExecStartPre`, `wants` the renew unit (never ordered after it, so the CA cannot delay
            it), the certificate's group, and is reloaded after every renewal.
          '';
        };
      };
    };

  units = import ./module/units.nix {
    inherit
      lib
      pkgs
      cfg
      configPath
      unitConfigPath
      ;
    systemdPackage = config.systemd.package;
  };
  checks = import ./module/assertions.nix {
    inherit lib cfg;
    isOwnFile = f: f == ownFile;
    serviceDefinitions = options.systemd.services.definitionsWithLocations;
    services = config.systemd.services;
    # security.acme is part of every NixOS system; evaluations without it have no such certs.
    acmeCerts = lib.attrByPath [ "security" "acme" "certs" ] { } config;
  };
  configJson = forRenewUnit: builtins.toJSON (import ./module/config-json.nix { inherit lib cfg forRenewUnit; });
in
{
  # Named explicitly so the assertions can tell this module's definitions from everyone else's,
  # however the module was imported (path, flake output, import of this file).
  _file = ownFile;

  options.services.certguard = {
    enable = mkEnableOption "certguard: certificate renewal that never takes a working service down";

    acceptTerms = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Accept the terms of service of the CA(s) the certificates use (for the default server,
        Let's Encrypt's subscriber agreement). Required: certguard agrees to them when it creates
        the ACME account, so it must be your decision.
      '';
    };

    package = mkOption {
      type = types.package;
      default = pkgs.callPackage ./package.nix { };
      defaultText = literalMD ''
        certguard built from this repository's nix/package.nix, which needs the npm registry
        setting `npmRegistry` (docs/nix.md, "Building the package")
      '';
      description = "The certguard package (the flake's `packages.<system>.default`).";
    };

    stateDirectory = mkOption {
      type = types.strMatching "/.+";
      default = "/var/lib/certguard";
      example = "/persist/certguard";
      description = ''
        Renewal state (last attempt, errors, backoff, ARI window), ACME accounts and locks.
        `certguard status` reads it.
      '';
    };

    prometheusFile = mkOption {
      type = types.nullOr (types.strMatching "/.+");
      default = null;
      example = "/var/lib/prometheus-node-exporter-text-files/certguard.prom";
      description = ''
        Write certificate and renewal metrics to this file after every renewal run, for the node
        exporter's textfile collector
        (`services.prometheus.exporters.node.extraFlags = [ "--collector.textfile.directory=..." ]`).
        The directory must exist. `null`: no metrics file.
      '';
    };

    defaults = mkOption {
      type = types.submodule (inheritable true);
      default = { };
      description = "Settings every certificate inherits unless it sets its own.";
    };

    certs = mkOption {
      type = types.attrsOf (types.submodule certModule);
      default = { };
      example = literalExpression ''
        {
          "example.org" = {
            extraDomainNames = [ "www.example.org" ];
            webroot = "/var/lib/acme/acme-challenge";
            services = [ "nginx" ];
          };
        }
      '';
      description = ''
        Certificates to keep valid, by name. The name is the default `domain` and names the
        directory and the units (`certguard-renew-<name>.service`/`.timer`).
      '';
    };
  };

  config = mkIf cfg.enable {
    inherit (checks) assertions warnings;

    environment.etc."certguard/certguard.json".text = configJson false;
    environment.etc."certguard/renew-units.json".text = configJson true;
    # `certguard status` / `check` / `renew` for the administrator (default config path).
    environment.systemPackages = [ cfg.package ];

    systemd.services = mkMerge [
      units.renewServices
      units.protectedServices
    ];
    systemd.timers = units.timers;
    systemd.tmpfiles.rules = units.tmpfiles;
    users.groups = genAttrs units.groups (_: { });
    # Runs the renew units (everything that talks to the network); owns what they write.
    users.users.certguard = {
      isSystemUser = true;
      group = "certguard";
      home = cfg.stateDirectory;
      description = "certguard certificate renewal";
    };
  };
}
