# Assertions and warnings. Each message names the option to change, so `nixos-rebuild` tells the
# administrator what to fix instead of a renew unit failing later.
{
  lib,
  cfg,
  # file -> whether it is this module's own file (to tell "the service exists" from "only we
  # added our ExecStartPre to it").
  isOwnFile,
  # definitions of systemd.services with their files (options.systemd.services.definitionsWithLocations)
  serviceDefinitions,
  # config.systemd.services, the merged result
  services,
  # config.security.acme.certs (or { } where security.acme is not part of the evaluation)
  acmeCerts,
}:
let
  inherit (lib)
    attrNames
    concatMap
    concatStringsSep
    filter
    hasSuffix
    length
    mapAttrsToList
    showOption
    ;
  v = import ./validate.nix { inherit lib; };
  opt = name: field: showOption [ "services" "certguard" "certs" name field ];
  defOpt = field: showOption [ "services" "certguard" "defaults" field ];
  quoteAll = xs: concatStringsSep ", " (map builtins.toJSON xs);

  # A service "exists" when some module other than this one defines it, and the result runs
  # something: defining ExecStartPre on a misspelt name, or on a service whose own definition is
  # behind an inner `mkIf false`, would otherwise create a stub unit that runs nothing but the
  # preflight.
  definedElsewhere =
    svc:
    lib.any (d: !(isOwnFile d.file) && builtins.isAttrs d.value && d.value ? ${svc}) serviceDefinitions
    && (services.${svc}.serviceConfig or { }) ? ExecStart;

  certAssertions =
    name: cert:
    let
      ch = import ./challenge.nix {
        defaults = cfg.defaults;
        inherit cert;
      };
      domains = [ cert.domain ] ++ cert.extraDomainNames;
      badDomains = filter (d: !(v.validDomain d)) domains;
      challengeWhere = if ch.fromDefaults then "services.certguard.defaults" else showOption [ "services" "certguard" "certs" name ];
      suffixed = filter (s: hasSuffix ".service" s) cert.services;
      missing = filter (s: !(hasSuffix ".service" s) && !(definedElsewhere s)) cert.services;
      badCredentialNames = filter (k: builtins.match "[A-Za-z_][A-Za-z0-9_]*" k == null) (
        attrNames cert.credentialFiles
      );
    in
    [
      {
        assertion = v.validCertName name;
        message = ''services.certguard.certs.${builtins.toJSON name}: invalid certificate name (it becomes a directory and unit name): use letters, digits, ".", "_" and "-", starting with a letter or digit.'';
      }
      {
        assertion = badDomains == [ ];
        message = "${opt name "domain"} / ${opt name "extraDomainNames"}: invalid domain name(s) ${quoteAll badDomains}: use DNS names (a leading \"*.\" for a wildcard, xn-- form for non-ASCII) or IP addresses.";
      }
      {
        assertion = ch.chosen != [ ];
        message = "${showOption [ "services" "certguard" "certs" name ]} has no challenge: set one of ${opt name "webroot"}, ${opt name "listenHTTP"} or ${opt name "dnsHook"} (or the same option in services.certguard.defaults).";
      }
      {
        assertion = length ch.chosen <= 1;
        message = "${challengeWhere}: choose one challenge, not ${concatStringsSep " and " ch.chosen}: set the others to null.";
      }
      {
        assertion = ch.listenHTTP == null || v.listenPort ch.listenHTTP != null;
        message = "${challengeWhere}.listenHTTP = ${builtins.toJSON ch.listenHTTP}: expected [ADDRESS]:PORT such as \":80\" or \"127.0.0.1:8080\".";
      }
      {
        assertion = ch.dnsHook != null || !(lib.any v.isWildcard domains);
        message = "${opt name "extraDomainNames"}: wildcard names (${quoteAll (filter v.isWildcard domains)}) need the dns-01 challenge: set ${opt name "dnsHook"}.";
      }
      {
        assertion = v.validRenewBefore cert.renewBefore;
        message = "${opt name "renewBefore"} = ${builtins.toJSON cert.renewBefore}: a fraction of the lifetime must be between 0 and 1, such as \"1/3\".";
      }
      {
        assertion = suffixed == [ ];
        message = "${opt name "services"}: write systemd.services attribute names without \".service\": ${quoteAll (map (lib.removeSuffix ".service") suffixed)}.";
      }
      {
        assertion = missing == [ ];
        message = "${opt name "services"}: ${quoteAll missing} ${if length missing == 1 then "is" else "are"} not a service defined in systemd.services with an ExecStart (is the service enabled, and is the name spelt as its systemd.services attribute?).";
      }
      {
        assertion = !(acmeCerts ? ${name});
        message = "${showOption [ "security" "acme" "certs" name ]} and ${showOption [ "services" "certguard" "certs" name ]} both define the certificate ${builtins.toJSON name}: both would renew it and own its files. Keep one of them (to keep security.acme and only add certguard's preflight, see docs/nix.md).";
      }
      {
        assertion = acmeCerts == { } || !(lib.hasPrefix "/var/lib/acme/" cert.directory || cert.directory == "/var/lib/acme");
        message = "${opt name "directory"} = ${builtins.toJSON cert.directory} is inside security.acme's /var/lib/acme, and this host also has security.acme certificates: acme-setup.service (StateDirectory=acme) may chown that tree to the acme user and group, and the services would lose read access to the key. Use a directory outside /var/lib/acme (the default is /var/lib/certguard-certs/<name>).";
      }
      {
        assertion = badCredentialNames == [ ];
        message = "${opt name "credentialFiles"}: ${quoteAll badCredentialNames}: names become environment variables: use letters, digits and \"_\".";
      }
    ];

  certWarnings =
    name: cert:
    let
      ch = import ./challenge.nix {
        defaults = cfg.defaults;
        inherit cert;
      };
    in
    lib.optional (cert.renewInline != null && ch.dnsHook != null && cert.credentialFiles != { })
      "${opt name "renewInline"}: the inline renewal runs in the protected service's ExecStartPre, which does not receive ${opt name "credentialFiles"}; a dnsHook that needs them will fail there and the renew unit will retry with them.";
  # Per host, not per certificate: one message naming every certificate that lacks the setting.
  without = field: attrNames (lib.filterAttrs (_: cert: cert.${field} == null) cfg.certs);
  hostAssertions = lib.optionals (cfg.certs != { }) [
    {
      assertion = cfg.acceptTerms;
      message = "You must accept the CA's terms of service before certguard registers an ACME account: set services.certguard.acceptTerms = true (for the default server, Let's Encrypt, see their subscriber agreement).";
    }
    {
      assertion = without "email" == [ ] && without "server" == [ ];
      message = concatStringsSep " " (
        lib.optional (without "email" != [ ])
          "No contact address for ${quoteAll (without "email")}: set ${defOpt "email"} (or services.certguard.certs.<name>.email)."
        ++ lib.optional (without "server" != [ ])
          "No ACME server for ${quoteAll (without "server")}: set ${defOpt "server"} (or services.certguard.certs.<name>.server), or leave it unset for Let's Encrypt."
      );
    }
  ];
in
{
  assertions = hostAssertions ++ concatMap (x: x) (mapAttrsToList certAssertions cfg.certs);
  warnings = concatMap (x: x) (mapAttrsToList certWarnings cfg.certs);
}
