# systemd units generated from services.certguard: a renew service and timer per certificate,
# and the preflight added to every service that uses a certificate.
{
  lib,
  cfg,
  configPath,
  systemdPackage,
}:
let
  inherit (lib)
    concatLists
    hasPrefix
    mapAttrs
    mapAttrs'
    mapAttrsToList
    mkBefore
    nameValuePair
    optional
    removePrefix
    unique
    zipAttrsWith
    ;
  v = import ./validate.nix { inherit lib; };
  pkg = cfg.package;

  # Per-certificate units rather than the plain `certguard-renew@.service` template: each
  # certificate needs its own credentials, writable paths and capabilities, and NixOS users expect
  # one named unit per certificate (as acme-<name>.service). The preflight is told the name with
  # --renew-unit.
  renewUnit = name: "certguard-renew-${name}";

  stateUnderVarLib = hasPrefix "/var/lib/" cfg.stateDirectory;

  renewService =
    name: cert:
    let
      ch = import ./challenge.nix {
        defaults = cfg.defaults;
        inherit cert;
      };
      port =
        if ch.listenHTTP != null then
          v.listenPort ch.listenHTTP
        else if ch.listenTLSALPN != null then
          v.tlsAlpnPort ch.listenTLSALPN
        else
          null;
      credentials =
        mapAttrsToList (k: file: "${k}:${file}") cert.credentialFiles
        ++ optional (cert.eab != null) "eab-hmac:${cert.eab.hmacFile}"
        ++ optional (ch.rfc2136 != null) "rfc2136-tsig:${ch.rfc2136.secretFile}";
    in
    {
      description = "certguard: renew the certificate ${name} when due";
      # Only the renew unit waits for the network; the services using the certificate never wait
      # for it (they `want` it without `after`).
      wants = [ "network-online.target" ];
      after = [ "network-online.target" ];
      # systemctl, for reloading the services after a new certificate is installed.
      path = [ systemdPackage ];
      # The protected service pulls this unit in at every (re)start; a run that is not due only
      # reads local files, so systemd's start rate limit must not turn restarts into a failed unit.
      unitConfig.StartLimitIntervalSec = 0;
      serviceConfig = {
        Type = "oneshot";
        ExecStart = "${pkg}/bin/certguard renew ${name} --config ${configPath}";
        # 75 = renewal failed but the installed certificate is still usable: a soft failure that
        # `certguard status` and the metrics report, not a failed unit that breaks
        # `nixos-rebuild switch`.
        SuccessExitStatus = [ 75 ];
        # Above renew's own time budget (every request, challenge wait and hook ends within it),
        # so renew reports its own timeout and records it in the state file; systemd never kills it.
        TimeoutStartSec = "15min";
        Environment = [
          "CERTGUARD_CONFIG=${configPath}"
        ]
        ++ mapAttrsToList (k: _: "${k}=%d/${k}") cert.credentialFiles;
        UMask = "0027";

        # Hardening: the renew unit talks to the network, so it may write only the certificate
        # directory, the state directory, the webroot and the metrics directory. "-": a missing
        # path does not abort the unit with systemd's opaque 226/NAMESPACE; certguard starts and
        # says which directory it cannot write.
        ProtectSystem = "strict";
        ReadWritePaths = map (p: "-${p}") (
          [ cert.directory ]
          ++ optional (ch.webroot != null) ch.webroot
          ++ optional (cfg.prometheusFile != null) (dirOf cfg.prometheusFile)
          ++ optional (!stateUnderVarLib) cfg.stateDirectory
        );
        ProtectHome = true;
        PrivateTmp = true;
        PrivateDevices = true;
        NoNewPrivileges = true;
        ProtectKernelTunables = true;
        ProtectKernelModules = true;
        ProtectKernelLogs = true;
        ProtectControlGroups = true;
        ProtectClock = true;
        ProtectHostname = true;
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
        # reports an error instead of dying silently.
        SystemCallFilter = [
          "@system-service"
          "@pkey"
        ];
        SystemCallErrorNumber = "EPERM";
        # Runs as root for chown to `group` (CAP_CHOWN) and for directories and webroots that
        # security.acme left owned by the acme user (CAP_DAC_OVERRIDE; writes are still confined
        # to ReadWritePaths). CAP_NET_BIND_SERVICE only for a standalone http-01 or tls-alpn-01
        # server on a port below 1024.
        CapabilityBoundingSet = [
          "CAP_CHOWN"
          "CAP_DAC_OVERRIDE"
        ]
        ++ optional (port != null && port < 1024) "CAP_NET_BIND_SERVICE";
      }
      // lib.optionalAttrs (credentials != [ ]) {
        # Secrets reach the unit as files in $CREDENTIALS_DIRECTORY, never as arguments or in the
        # Nix store. The EAB key is also named by path in the config file, because the
        # preflight's inline renewal runs outside this unit.
        LoadCredential = credentials;
      }
      // lib.optionalAttrs stateUnderVarLib {
        StateDirectory = removePrefix "/var/lib/" cfg.stateDirectory;
        StateDirectoryMode = "0750";
      };
    };

  renewTimer = name: cert: {
    description = "certguard: check the certificate ${name} for renewal";
    wantedBy = [ "timers.target" ];
    timerConfig = {
      OnCalendar = cert.renewInterval;
      # A run missed while the machine was off happens at the next boot.
      Persistent = true;
      RandomizedDelaySec = cert.randomizedDelay;
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
        "+${pkg}/bin/certguard-preflight"
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
      # mkBefore: ahead of the service's own ExecStartPre/preStart, so nothing in the service
      # touches a missing certificate before the preflight decided.
      ExecStartPre = mkBefore (map (n: preflightCommand n cfg.certs.${n}) names);
      # Read access to key.pem (mode 0640, group `group`) for services that drop root.
      SupplementaryGroups = unique (map (n: cfg.certs.${n}.group) names);
    };
  };
in
{
  inherit renewUnit certsByService preflightCommand;

  renewServices = mapAttrs' (name: cert: nameValuePair (renewUnit name) (renewService name cert)) cfg.certs;

  protectedServices = mapAttrs protectedService certsByService;

  timers = mapAttrs' (name: cert: nameValuePair (renewUnit name) (renewTimer name cert)) cfg.certs;

  tmpfiles = [
    "d ${cfg.stateDirectory} 0750 root root - -"
  ]
  ++ mapAttrsToList (_: cert: "d ${cert.directory} 0750 root ${cert.group} - -") cfg.certs;

  groups = unique (mapAttrsToList (_: cert: cert.group) cfg.certs);
}
