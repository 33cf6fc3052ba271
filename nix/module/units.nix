# systemd units generated from services.certguard, per certificate: a renew service (unprivileged,
# as the `certguard` user) and its timer, a forced-reissue twin, an apply unit that starts one of
# them at `nixos-rebuild switch` when the certificate's settings changed, and the preflight added
# to every service that uses the certificate.
{
  lib,
  pkgs,
  cfg,
  configPath,
  unitConfigPath,
  systemdPackage,
}:
let
  inherit (lib)
    concatLists
    mapAttrs
    mapAttrs'
    mapAttrsToList
    mkOrder
    nameValuePair
    optional
    optionalAttrs
    optionals
    unique
    zipAttrsWith
    ;
  v = import ./validate.nix { inherit lib; };
  pkg = cfg.package;
  systemctl = lib.getExe' systemdPackage "systemctl";
  rootSteps = import ./root-steps.nix { inherit lib pkgs cfg systemctl; };
  challengeOf =
    cert:
    import ./challenge.nix {
      defaults = cfg.defaults;
      inherit cert;
    };

  # Per-certificate units rather than the plain `certguard-renew@.service` template: each
  # certificate needs its own credentials, writable paths and capabilities, and NixOS users expect
  # one named unit per certificate (as acme-<name>.service). The preflight is told the name with
  # --renew-unit.
  renewUnit = name: "certguard-renew-${name}";
  reissueUnit = name: "certguard-reissue-${name}";
  applyUnit = name: "certguard-apply-${name}";

  unitName = s: if lib.hasInfix "." s then s else "${s}.service";

  # Below mkBefore (500): nixpkgs modules put their own first steps in ExecStartPre with mkBefore
  # too, and at equal priority the order follows module evaluation order. The preflight must come
  # before all of them.
  preflightOrder = 100;

  renewService =
    name: cert:
    { force }:
    let
      ch = challengeOf cert;
      port =
        if ch.listenHTTP != null then
          v.listenPort ch.listenHTTP
        else if ch.listenTLSALPN != null then
          v.tlsAlpnPort ch.listenTLSALPN
        else
          null;
      lowPort = port != null && port < 1024;
      credentials =
        mapAttrsToList (k: file: "${k}:${file}") cert.credentialFiles
        ++ optional (cert.eab != null) "eab-hmac:${cert.eab.hmacFile}"
        ++ optional (ch.rfc2136 != null) "rfc2136-tsig:${ch.rfc2136.secretFile}";
    in
    {
      description =
        if force then
          "certguard: issue the certificate ${name} again (its settings changed)"
        else
          "certguard: renew the certificate ${name} when due";
      # Only the renew unit waits for the network; the services using the certificate never wait
      # for it (they `want` it without `after`). For http-01 through a web server, the renew unit
      # waits for that server instead (after, never the reverse): on first boot the server must be
      # up before the CA asks for the token.
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ] ++ optionals (ch.webroot != null) (map unitName cert.services);
      # The protected service pulls this unit in at every (re)start; a run that is not due only
      # reads local files, so systemd's start rate limit must not turn restarts into a failed unit.
      startLimitIntervalSec = 0;
      serviceConfig = {
        Type = "oneshot";
        ExecStart = "${lib.getExe pkg} renew ${name} --config ${unitConfigPath}" + lib.optionalString force " --force";
        # Reloads and postRun: root, unsandboxed, like security.acme's acme-postrun (nix/module/root-steps.nix).
        ExecStartPost = "+${rootSteps.postRenew name cert (v.reloadUnits cert)}";
        # 75 = renewal failed but the installed certificate is still usable: a soft failure that
        # `certguard status` and the metrics report, not a failed unit that breaks
        # `nixos-rebuild switch`.
        SuccessExitStatus = [ 75 ];
        # Above renew's own time budget (every request, challenge wait and hook ends within it),
        # so renew reports its own timeout and records it in the state file; systemd never kills it.
        TimeoutStartSec = "15min";
        Environment = [
          "CERTGUARD_CONFIG=${unitConfigPath}"
        ]
        ++ mapAttrsToList (k: _: "${k}=%d/${k}") cert.credentialFiles;
        UMask = "0027";

        # Least privilege, as security.acme runs lego: an unprivileged user that owns what it
        # writes (the certificate directory, the state directory, the challenge directory: see
        # tmpfiles below) and the certificate's group, so new files get that group without chown.
        User = "certguard";
        Group = cert.group;
        # No capabilities at all, except binding a port below 1024 for a standalone http-01
        # server (then ambient, since the user is not root).
        CapabilityBoundingSet = if lowPort then [ "CAP_NET_BIND_SERVICE" ] else [ "" ];
        AmbientCapabilities = optional lowPort "CAP_NET_BIND_SERVICE";
        # A user namespace would hide the capability from the host's network namespace.
        PrivateUsers = !lowPort;

        # "-": a missing path does not abort the unit with systemd's opaque 226/NAMESPACE; certguard
        # starts and says which directory it cannot write.
        ProtectSystem = "strict";
        ReadWritePaths = map (p: "-${p}") (
          [
            cert.directory
            cfg.stateDirectory
          ]
          ++ optional (ch.webroot != null) "${ch.webroot}/.well-known/acme-challenge"
          ++ optional (cfg.prometheusFile != null) (dirOf cfg.prometheusFile)
        );
        ProtectHome = true;
        PrivateTmp = true;
        PrivateMounts = true;
        PrivateDevices = true;
        DevicePolicy = "closed";
        NoNewPrivileges = true;
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
        ProtectProc = "invisible";
        ProcSubset = "pid";
        RemoveIPC = true;
        RestrictAddressFamilies = [
          "AF_UNIX"
          "AF_INET"
          "AF_INET6"
        ];
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        LockPersonality = true;
        SystemCallArchitectures = "native";
        # Node's V8 uses memory protection keys (pkey_alloc), outside @system-service: without
        # @pkey the unit dies of SIGSYS at startup (found by test/nix/units-systemd.test.ts).
        # EPERM rather than a kill for anything else a future Node may call: certguard then
        # reports an error instead of dying silently. (No MemoryDenyWriteExecute: V8's JIT needs
        # writable code pages.)
        SystemCallFilter = [
          "@system-service"
          "@pkey"
          "~@privileged"
          "~@resources"
        ];
        SystemCallErrorNumber = "EPERM";
      }
      // optionalAttrs (credentials != [ ]) {
        # Secrets reach the unit as files in $CREDENTIALS_DIRECTORY, never as arguments or in the
        # Nix store. The EAB key is also named by path in the config file, because the
        # preflight's inline renewal runs outside this unit.
        LoadCredential = credentials;
      };
    };

  # What makes it a different certificate: a change here reissues at switch (security.acme
  # hashes the same into its unit).
  fingerprint =
    name: cert:
    let
      ch = challengeOf cert;
    in
    builtins.substring 0 16 (
      builtins.hashString "sha256" (
        builtins.toJSON (
          {
            domains = unique ([ cert.domain ] ++ cert.extraDomainNames);
            inherit (cert) keyType server;
            challenge = { inherit (ch) webroot listenHTTP dnsHook; };
          }
          # Only when set, so that hosts without a profile keep their fingerprint (no reissue).
          // lib.optionalAttrs (cert.profile != null) { inherit (cert) profile; }
          # The newer challenge kinds, likewise only when used: a switch between them, or to another
          # TLS-ALPN listener or DNS server, changes none of the three fields above.
          // lib.optionalAttrs (ch.listenTLSALPN != null || ch.rfc2136 != null) {
            newChallenge = {
              inherit (ch) listenTLSALPN;
              rfc2136 = if ch.rfc2136 == null then null else { inherit (ch.rfc2136) server port zone; };
            };
          }
        )
      )
    );

  applyService = name: cert: {
    description = "certguard: renew ${name} at switch when its settings changed";
    wantedBy = [ "multi-user.target" ];
    # Active after it ran, so `nixos-rebuild switch` restarts it exactly when its script (the
    # fingerprint) changed.
    serviceConfig = {
      Type = "oneshot";
      RemainAfterExit = true;
      ExecStart = rootSteps.apply name (fingerprint name cert) "${renewUnit name}.service" "${reissueUnit name}.service";
    };
  };

  renewTimer = name: cert: {
    description = "certguard: check the certificate ${name} for renewal";
    wantedBy = [ "timers.target" ];
    timerConfig = {
      OnCalendar = cert.renewInterval;
      # A run missed while the machine was off happens at the next boot.
      Persistent = true;
      # One fixed offset per host and certificate: runs stay `renewInterval` apart while a fleet's
      # requests spread over the whole delay (docs/renew.md, "Timing").
      RandomizedDelaySec = cert.randomizedDelay;
      FixedRandomDelay = true;
    };
  };

  # `+`: the preflight runs with full privileges, outside the protected service's User= and
  # sandbox, because it may install a placeholder into the certificate directory and asks systemd
  # to start the renew unit. Only flags that are not in the config file appear here: changing a
  # certificate's settings then never changes (and restarts) the protected service.
  preflightCommand =
    name: cert:
    lib.concatStringsSep " " (
      [
        "+${lib.getExe' pkg "certguard-preflight"}"
        name
        "--config"
        configPath
        "--trigger-renew"
        "--renew-unit"
        "${renewUnit name}.service"
      ]
      ++ optional (cert.renewInline != null) "--renew-inline=${toString cert.renewInline}"
    );

  # service name -> names of the certificates it uses, in name order.
  certsByService = zipAttrsWith (_: names: names) (
    concatLists (mapAttrsToList (name: cert: map (svc: { ${svc} = name; }) cert.services) cfg.certs)
  );

  protectedService = _svc: names: {
    # Wants without After: starting the service also starts the renew unit, but never waits for
    # it, so a slow or unreachable CA cannot delay the service.
    wants = map (n: "${renewUnit n}.service") names;
    serviceConfig = {
      # Ahead of the service's own ExecStartPre/preStart (and of other modules' mkBefore), so
      # nothing in the service touches a missing certificate before the preflight decided.
      ExecStartPre = mkOrder preflightOrder (map (n: preflightCommand n cfg.certs.${n}) names);
      # Read access to key.pem (mode 0640, group `group`) for services that drop root.
      SupplementaryGroups = unique (map (n: cfg.certs.${n}.group) names);
    };
  };

  perCert = f: mapAttrs' f cfg.certs;
in
{
  inherit
    renewUnit
    certsByService
    preflightCommand
    preflightOrder
    fingerprint
    ;

  renewServices =
    perCert (name: cert: nameValuePair (renewUnit name) (renewService name cert { force = false; }))
    // perCert (name: cert: nameValuePair (reissueUnit name) (renewService name cert { force = true; }))
    // perCert (name: cert: nameValuePair (applyUnit name) (applyService name cert));

  protectedServices = mapAttrs protectedService certsByService;

  timers = mapAttrs' (name: cert: nameValuePair (renewUnit name) (renewTimer name cert)) cfg.certs;

  # The renew user owns what it writes. `d` creates and fixes the top directory, `Z` its contents
  # (a directory root wrote before, e.g. by an earlier certguard, or a placeholder the preflight
  # installed as root), at boot and at every switch.
  tmpfiles = unique (
  [
    "d ${cfg.stateDirectory} 0750 certguard certguard - -"
    "Z ${cfg.stateDirectory} - certguard certguard - -"
  ]
  ++ concatLists (
    mapAttrsToList (
      name: cert:
      let
        ch = challengeOf cert;
      in
      [
        "d ${cert.directory} 0750 certguard ${cert.group} - -"
        "Z ${cert.directory} - certguard ${cert.group} - -"
      ]
      ++ optional (ch.webroot != null) "d ${ch.webroot}/.well-known/acme-challenge 0755 certguard certguard - -"
    ) cfg.certs
  ));

  groups = unique ([ "certguard" ] ++ mapAttrsToList (_: cert: cert.group) cfg.certs);
}
