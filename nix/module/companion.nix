# Companion mode: keep NixOS security.acme as it is (lego, its DNS providers, credentialFiles, the
# web servers' enableACME/useACMEHost, users, groups, /var/lib/acme) and add certguard around it:
#
# - the unit through which security.acme contacts the CA gets certguard's local decision as
#   ExecCondition= (not due: skipped, lego never runs) and the outcome recorder as ExecStopPost=
#   (a failure with a usable certificate does not fail the unit; status knows "renewal failing");
# - every certificate is written into /etc/certguard/certguard.json marked `issuedBy =
#   "security.acme"`, so status and the metrics cover it and `certguard renew` refuses it;
# - the services security.acme wires to it get certguard's preflight first in ExecStartPre.
#
# Nothing here reads config.systemd.services to decide which units to define (that would recurse):
# the consumers come from security.acme's own options (reloadServices), the web servers' virtual
# hosts, and services.certguard.acme.certs.<name>.services.
{
  config,
  options,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib)
    attrNames
    concatLists
    concatMap
    concatStringsSep
    filter
    filterAttrs
    hasSuffix
    mapAttrs
    mapAttrs'
    mapAttrsToList
    mkDefault
    mkIf
    mkOption
    mkOrder
    nameValuePair
    optional
    removeSuffix
    types
    unique
    zipAttrsWith
    ;
  cfg = config.services.certguard;
  acfg = cfg.acme;
  v = import ./validate.nix { inherit lib; };
  configPath = "/etc/certguard/certguard.json";
  ownFile = toString ./companion.nix;
  acmeCerts = lib.attrByPath [ "security" "acme" "certs" ] { } config;
  acmeOpt = lib.attrByPath [ "security" "acme" ] { } options;

  # nixpkgs since 2025: acme-<name>.service makes the placeholder and acme-order-renew-<name>.service
  # talks to the CA. Before: acme-selfsigned-<name> made the placeholder and acme-<name> renewed;
  # that module is recognisable by its (then real, boolean) preliminarySelfsigned option.
  legacy =
    if acfg.unitNaming == "auto" then
      (acmeOpt.preliminarySelfsigned.type.name or "") == "bool"
    else
      acfg.unitNaming == "legacy";
  renewUnit = name: if legacy then "acme-${name}" else "acme-order-renew-${name}";

  mkHash = s: builtins.substring 0 20 (builtins.hashString "sha256" s);
  extraNames =
    cert:
    cert.extraDomainNames
    ++ lib.optionals ((cert.extraDomains or "_mkMergedOptionModule") != "_mkMergedOptionModule") (
      attrNames cert.extraDomains
    );
  # security.acme's own test for "the names changed": the hash it writes next to lego's files.
  domainHash = cert: mkHash "${concatStringsSep " " (extraNames cert)} ${cert.domain}";
  # lego's directory for this certificate's current settings, as security.acme's renewal unit
  # declares it (StateDirectory acme/.lego/<name>/<hash of the lego settings>).
  legoDir =
    name:
    let
      dirs = lib.toList (
        lib.attrByPath [ "systemd" "services" (renewUnit name) "serviceConfig" "StateDirectory" ] [ ] config
      );
      found = filter (d: builtins.match "acme/\\.lego/${lib.escapeRegex name}/[0-9a-f]+" d != null) dirs;
    in
    if found == [ ] then null else "/var/lib/${builtins.head found}";

  supportedKeyTypes = [
    "ec256"
    "ec384"
    "rsa2048"
    "rsa3072"
    "rsa4096"
  ];

  configEntry =
    name: cert:
    let
      dir = legoDir name;
    in
    filterAttrs (_: x: x != null) {
      directory = cert.directory;
      domains = unique ([ cert.domain ] ++ extraNames cert);
      # validMinDays is security.acme's renewal window; certguard falls back to a third of the
      # lifetime (and warns once) when it is not shorter than the certificate's lifetime.
      renewBefore = "${toString cert.validMinDays}d";
      keyType = if builtins.elem cert.keyType supportedKeyTypes then cert.keyType else null;
      group = cert.group;
      issuedBy = "security.acme";
      legoDomainHash =
        if dir == null then
          null
        else
          {
            file = "${dir}/domainhash.txt";
            hash = domainHash cert;
          };
      onUnusable = acfg.onUnusable;
      ari = acfg.ari;
    };

  # --- consumers: services that use a certificate, without reading systemd.services ----------
  vhostCerts =
    server: hostNameField:
    let
      scfg = lib.attrByPath [ "services" server ] { } config;
      hosts = lib.attrValues (scfg.virtualHosts or { });
      certOf =
        h:
        if (h.useACMEHost or null) != null then
          h.useACMEHost
        else if h.enableACME or false then
          h.${hostNameField} or null
        else
          null;
    in
    if scfg.enable or false then unique (filter (c: c != null) (map certOf hosts)) else [ ];
  webServers = {
    nginx = vhostCerts "nginx" "serverName";
    httpd = vhostCerts "httpd" "hostName";
    caddy = vhostCerts "caddy" "hostName";
  };
  # A definition of systemd.services.<svc> by another module, for an assertion only: which
  # services this file defines must never depend on it (the definitions include this file's, so
  # that would recurse). mkIf/mkMerge/mkOverride wrappers are looked through.
  defines =
    value: svc:
    let
      t = value._type or null;
    in
    if t == "if" || t == "override" || t == "order" then
      defines value.content svc
    else if t == "merge" then
      lib.any (x: defines x svc) value.contents
    else
      builtins.isAttrs value && value ? ${svc};
  serviceDefs = filter (d: d.file != ownFile) (
    lib.attrByPath [ "systemd" "services" "definitionsWithLocations" ] [ ] options
  );
  definedElsewhere = svc: lib.any (d: defines d.value svc) serviceDefs;
  unitToService = u: if hasSuffix ".service" u then removeSuffix ".service" u else if lib.hasInfix "." u then null else u;

  consumersOf =
    name: cert:
    let
      fromReload = filter (s: s != null) (map unitToService cert.reloadServices);
      fromServers = concatLists (mapAttrsToList (svc: certs: optional (builtins.elem name certs) svc) webServers);
      extra = acfg.certs.${name} or {
        services = [ ];
        excludeServices = [ ];
      };
    in
    filter (
      s: s != renewUnit name && s != "acme-${name}" && !(builtins.elem s extra.excludeServices)
    ) (unique (fromReload ++ fromServers ++ extra.services));
  # service -> certificate names it uses
  certsByService = zipAttrsWith (_: ns: ns) (
    concatLists (mapAttrsToList (name: cert: map (svc: { ${svc} = name; }) (consumersOf name cert)) acmeCerts)
  );

  certguard = "${cfg.package}/bin/certguard";
  preflight =
    name:
    "+${cfg.package}/bin/certguard-preflight ${name} --config ${configPath} --trigger-renew --renew-unit ${renewUnit name}.service";
  # Below mkBefore, as the preflight of services.certguard.certs (units.nix): ahead of every step.
  preflightOrder = 100;

  perCert = {
    options.excludeServices = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "postfix" ];
      description = ''
        Services that security.acme lists for this certificate (in `reloadServices`) but that
        should not get certguard's preflight, e.g. one that is not defined on this host.
      '';
    };
    options.services = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "my-tls-daemon" ];
      description = ''
        More services (systemd.services attribute names, without `.service`) that use this
        security.acme certificate and should get certguard's preflight: for consumers security.acme
        does not know about (neither in `reloadServices` nor through nginx's, httpd's or caddy's
        `enableACME`/`useACMEHost`).
      '';
    };
  };
in
{
  _file = ownFile;

  options.services.certguard.acme = {
    enable = lib.mkEnableOption ''
      companion mode: protect every security.acme.certs.<name> without migrating. The renewal unit
      runs lego only when certguard's local decision says the certificate is due, a failed renewal
      with a usable certificate no longer fails the unit, `certguard status` covers the
      certificates, and the services using them get certguard's preflight
    '';
    onUnusable = mkOption {
      type = types.enum [
        "warn"
        "fail"
      ];
      default = "warn";
      description = ''
        What the preflight does when a certificate is unusable (missing, expired, wrong names).
        `warn` (default): start the service anyway, as security.acme alone would have (it serves a
        self-signed placeholder before the first order), log an error-level line, and start the
        renewal unit without waiting for it. `fail`: the service does not start.
      '';
    };
    ari = mkOption {
      type = types.bool;
      default = true;
      description = "Honour a remembered ARI window (RFC 9773) in the renewal decision.";
    };
    unitNaming = mkOption {
      type = types.enum [
        "auto"
        "order-renew"
        "legacy"
      ];
      default = "auto";
      description = ''
        Which unit contacts the CA: `acme-order-renew-<name>.service` (nixpkgs since 2025) or
        `acme-<name>.service` (`legacy`, older nixpkgs). `auto` recognises the module.
      '';
    };
    certs = mkOption {
      type = types.attrsOf (types.submodule perCert);
      default = { };
      description = "Per-certificate additions, by security.acme.certs name.";
    };
  };
  # The config file entries of security.acme's certificates (nix/module/config-json.nix adds them).
  options.services.certguard.companionCerts = mkOption {
    type = types.attrsOf types.raw;
    default = { };
    internal = true;
    visible = false;
  };

  config = mkIf acfg.enable {
    # The config file, the package, the state directory: the rest of the module provides them.
    services.certguard.enable = mkDefault true;
    services.certguard.companionCerts = mapAttrs configEntry acmeCerts;

    assertions =
      concatMap (name: [
        {
          assertion = v.validCertName name;
          message = "security.acme.certs.${builtins.toJSON name}: certguard's companion mode needs a certificate name of letters, digits, \".\", \"_\" and \"-\" (it is passed to certguard on the unit's command line).";
        }
      ]) (attrNames acmeCerts)
      ++ concatLists (
        mapAttrsToList (
          name: cert:
          map (svc: {
            assertion = definedElsewhere svc;
            message = "security.acme.certs.${builtins.toJSON name}: certguard's companion mode adds its preflight to ${svc}.service (from reloadServices, a web server's enableACME/useACMEHost or services.certguard.acme.certs.${builtins.toJSON name}.services), but no module defines systemd.services.${builtins.toJSON svc}: fix the name, or list it in services.certguard.acme.certs.${builtins.toJSON name}.excludeServices.";
          }) (consumersOf name cert)
        ) acmeCerts
      )
      ++ map (name: {
        assertion = acmeCerts ? ${name};
        message = "services.certguard.acme.certs.${builtins.toJSON name}: there is no security.acme.certs.${builtins.toJSON name}.";
      }) (attrNames acfg.certs);
    warnings = concatMap (
      name:
      optional (legoDir name == null)
        "services.certguard.acme: cannot find lego's directory for security.acme.certs.${builtins.toJSON name} in ${renewUnit name}.service's StateDirectory: changed names are then only noticed from the certificate itself (set services.certguard.acme.unitNaming if the unit name is wrong)."
      ++ optional (!builtins.elem acmeCerts.${name}.keyType supportedKeyTypes)
        "services.certguard.acme: security.acme.certs.${builtins.toJSON name}.keyType = ${builtins.toJSON acmeCerts.${name}.keyType} is not one certguard checks (${concatStringsSep ", " supportedKeyTypes}); a key type change is then noticed through lego's directory only."
    ) (attrNames acmeCerts);

    systemd.services =
      mapAttrs' (
        name: _:
        nameValuePair (renewUnit name) {
          # A skipped run only reads local files: a burst of starts (services restarting, each
          # preflight asking for a renewal) must not trip the start rate limit and fail the unit.
          unitConfig.StartLimitIntervalSec = 0;
          serviceConfig = {
            # 0: due, lego runs; 1: not due, the unit is skipped (no CA contact, not failed);
            # 255: broken certguard configuration, the unit fails. `+`: outside the unit's
            # sandbox and User=acme, to write certguard's state directory.
            ExecCondition = [ "+${certguard} companion condition ${name} --config ${configPath}" ];
            # Records the outcome; exits 1 (the unit fails) only when nothing usable is installed.
            # Not after a skipped run: nothing to record, and a shell starts far faster than Node.
            ExecStopPost = [
              "+${pkgs.runtimeShell} -c 'test \"$$SERVICE_RESULT\" = exec-condition || exec ${certguard} companion record ${name} --config ${configPath}'"
            ];
            # security.acme's script: 11 = lego failed with less than validMinDays left, 10 = the
            # order failed. The recorder above decides whether that fails the unit.
            SuccessExitStatus = [
              10
              11
            ];
          };
        }
      ) acmeCerts
      // mapAttrs (_: names: {
        serviceConfig.ExecStartPre = mkOrder preflightOrder (map preflight names);
      }) certsByService;
  };
}
