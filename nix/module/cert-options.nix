# The options shared by `services.certguard.defaults` and `services.certguard.certs.<name>`.
#
# As in nixpkgs' security.acme, every per-certificate option defaults to the value in `defaults`, so
# a host with many certificates states the CA, contact and policy once. Challenge options are the
# exception: a certificate that names any challenge (webroot, listenHTTP, listenTLSALPN, dnsHook,
# rfc2136) ignores the
# challenge in `defaults` instead of conflicting with it (the same rule as the JSON config's
# `resolveCert`), so `defaults.webroot` plus one certificate with `dnsHook` is dns-01, not an error.
{ lib, defaults }:
isDefaults:
let
  inherit (lib)
    mkOption
    types
    literalExpression
    literalMD
    ;
  v = import ./validate.nix { inherit lib; };

  # Per certificate: inherit from `defaults`; in `defaults`: the plain default.
  inherit' =
    name: default:
    if isDefaults then
      { inherit default; }
    else
      {
        default = defaults.${name};
        defaultText = literalExpression "config.services.certguard.defaults.${name}";
      };
  # Challenge options are not inherited one by one (see the top of this file).
  challengeDefault = {
    default = null;
  }
  // lib.optionalAttrs (!isDefaults) {
    defaultText = literalMD "`null`: the challenge in `defaults` applies when no challenge option is set here";
  };
in
{
  options = {
    email = mkOption (inherit' "email" null // {
      type = types.nullOr types.str;
      example = "admin@example.org";
      description = ''
        Contact address of the ACME account. The CA sends expiry and policy notices here.
        Required (here or in `defaults`).
      '';
    });

    server = mkOption (inherit' "server" "https://acme-v02.api.letsencrypt.org/directory" // {
      type = types.nullOr types.str;
      example = "https://acme-staging-v02.api.letsencrypt.org/directory";
      description = ''
        ACME directory URL of the CA. Defaults to Let's Encrypt's production directory, as
        security.acme does. For tests use Let's Encrypt staging,
        `https://acme-staging-v02.api.letsencrypt.org/directory`.
      '';
    });

    trust = mkOption (inherit' "trust" null // {
      type = types.nullOr (types.either (types.enum [ "system" ]) types.path);
      example = "system";
      description = ''
        Trust anchors the certificate must chain to before the preflight (and renew, before
        installing a new one) calls it usable: `"system"` for the host's bundle, which NixOS builds
        from `security.pki` at /etc/ssl/certs/ca-certificates.crt, or a PEM file of CA
        certificates (a private CA). Catches a staging or wrong-CA certificate whose chain is sound
        but ends at no root clients trust. `null`: no anchor is required.
      '';
    });

    caBundle = mkOption (inherit' "caBundle" null // {
      type = types.nullOr types.path;
      example = "/etc/certguard/internal-ca.pem";
      description = ''
        PEM file of CA certificates to trust for the ACME server's own HTTPS, for a private CA
        (step-ca, pebble). `null` uses the system trust store.
      '';
    });

    keyType = mkOption (inherit' "keyType" "ec256" // {
      type = types.enum [ "ec256" "ec384" "rsa2048" "rsa3072" "rsa4096" ];
      description = ''
        Key type of new certificates. Changing it makes the next renewal run issue a new
        certificate with a new key of this type.
      '';
    });

    renewBefore = mkOption (inherit' "renewBefore" "auto" // {
      type = types.strMatching v.renewBeforePattern;
      example = "30d";
      description = ''
        When renewal becomes due: `auto` (1/3 of the lifetime left, as Let's Encrypt advises,
        or 2/3 for certificates valid under 10 days), a duration before expiry (`30d`, `12h`; the
        unit is required), or a fraction of the certificate's lifetime that must be left (`1/3`). A
        renewal that fails while the certificate is still usable is a soft failure (exit 75):
        reported by `certguard status` and metrics, never a failed unit.
      '';
    });

    minValidity = mkOption (inherit' "minValidity" "0s" // {
      type = v.validityType;
      example = "1d";
      description = ''
        The preflight treats a certificate with less than this left as unusable (then
        `onUnusable` applies). `0s`: usable until the moment it expires.
      '';
    });

    group = mkOption (inherit' "group" "certguard" // {
      type = types.str;
      example = "nginx";
      description = ''
        Group that may read the private key (`key.pem` is mode 0640, owned by the `certguard`
        user and this group; the renew unit runs with it as its group). The group is created,
        and every service in `services` gets it as a supplementary group.
      '';
    });

    onUnusable = mkOption (inherit' "onUnusable" "placeholder" // {
      type = types.enum [ "fail" "placeholder" "warn" ];
      description = ''
        What the preflight in a protected service's `ExecStartPre` does when the certificate is
        missing or unusable (after `renewInline`, if set):
        `placeholder` installs a short-lived self-signed certificate so the service starts (the
        renew unit replaces it and reloads the service; like security.acme's first boot);
        `fail` stops the service from starting;
        `warn` starts it anyway with a loud journal warning (for a server hosting many
        certificates that must not go down for one of them).
        A placeholder never replaces a usable certificate.
      '';
    });

    renewInline = mkOption (inherit' "renewInline" null // {
      type = types.nullOr v.durationType;
      example = "30s";
      description = ''
        When the certificate is unusable at service start, first try one renewal inside the
        preflight, within this time budget, before applying `onUnusable`. The service's start
        waits up to this long, and only when the certificate is unusable. `null`: never renew
        inline; the renew unit (pulled in by the service, not ordered before it) does it.
      '';
    });

    renewInterval = mkOption (inherit' "renewInterval" "hourly" // {
      type = types.str;
      example = "*-*-* 00/6:00:00";
      description = ''
        systemd `OnCalendar=` of the renew timer. A run that finds nothing due reads local files
        only, asks the CA's ARI at most once per Retry-After, and a failing CA is retried with
        backoff from the state file, so a frequent schedule costs nothing and does not hammer
        the CA. Hourly by default: with it a 6-day certificate survives a 72-hour CA outage
        (docs/renew.md, "Timing"); a slower timer eats into that margin.
      '';
    });

    randomizedDelay = mkOption (inherit' "randomizedDelay" "1h" // {
      type = types.str;
      example = "30min";
      description = ''
        systemd `RandomizedDelaySec=` of the renew timer, with `FixedRandomDelay=true`: each host
        (and certificate) gets one fixed offset within this delay, so a fleet's requests spread
        over it while every host keeps running once per `renewInterval`.
      '';
    });

    reloadServices = mkOption (inherit' "reloadServices" [ ] // {
      type = types.listOf types.str;
      example = [ "postfix" ];
      description = ''
        Extra systemd services to reload (or restart) after a new certificate is installed. The
        services in `services` are always reloaded; list only others here.
      '';
    });

    postRun = mkOption (inherit' "postRun" "" // {
      type = types.lines;
      example = "cp /var/lib/acme/example.org/fullchain.pem /srv/export/";
      description = ''
        Shell commands run after a new certificate was installed, in the certificate's
        directory, as root and outside the renew unit's sandbox (its `ExecStartPost=+` step, as
        security.acme's postRun), after the services were reloaded. `$CERTGUARD_NAME` and
        `$CERTGUARD_DIRECTORY` are set. A failing command is reported; the new certificate stays.
      '';
    });

    reuseKey = mkOption (inherit' "reuseKey" false // {
      type = types.bool;
      description = "Keep the current private key on renewal instead of generating a new one (for key pinning).";
    });

    ari = mkOption (inherit' "ari" true // {
      type = types.bool;
      description = ''
        Ask the CA's ACME Renewal Information (RFC 9773) when to renew, when the CA offers it.
        The answer is stored; the preflight never asks.
      '';
    });

    profile = mkOption (inherit' "profile" null // {
      type = types.nullOr (types.strMatching "[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
      example = "shortlived";
      description = ''
        ACME profile to order (Let's Encrypt: `classic`, `tlsserver`, `shortlived`, the only one
        for IP addresses). Sent only if the CA's directory offers it; a profile it does not
        offer fails the renewal as a configuration error naming the offered ones, before any
        order. `null`: none sent, the CA's default. Changing it makes the next run renew.
      '';
    });

    eab = mkOption (inherit' "eab" null // {
      type = types.nullOr (types.submodule {
        options = {
          kid = mkOption {
            type = types.str;
            example = "kid-1";
            description = "External account binding key identifier given by the CA.";
          };
          hmacFile = mkOption {
            type = v.secretPathType;
            example = "/run/secrets/acme-eab-hmac";
            description = ''
              File holding the base64url HMAC key given by the CA. A string path outside the Nix
              store (a Nix path literal would copy the secret into the world-readable store, so
              it is rejected). Handed to the renew unit with `LoadCredential=`.
            '';
          };
        };
      });
      example = literalExpression ''{ kid = "kid-1"; hmacFile = "/run/secrets/acme-eab-hmac"; }'';
      description = "External account binding, for CAs that require it (ZeroSSL, Google, Sectigo).";
    });

    webroot = mkOption (challengeDefault // {
      type = types.nullOr types.str;
      example = "/var/lib/acme/acme-challenge";
      description = ''
        http-01 through an existing web server: the token is written to
        `<webroot>/.well-known/acme-challenge/`, which the web server must serve over plain
        HTTP on port 80. Exactly one challenge option (`webroot`, `listenHTTP`,
        `listenTLSALPN`, `dnsHook`, `rfc2136`).
      '';
    });

    listenHTTP = mkOption (challengeDefault // {
      type = types.nullOr types.str;
      example = ":80";
      description = ''
        http-01 with certguard's own short-lived HTTP server on `[ADDRESS]:PORT`. The CA connects
        to port 80; use a port below 1024 only if nothing else listens there (the renew unit
        then gets CAP_NET_BIND_SERVICE), or a high port your reverse proxy forwards to.
        Exactly one of `webroot`, `listenHTTP`, `dnsHook`.
      '';
    });

    dnsHook = mkOption (challengeDefault // {
      type = types.nullOr (
        types.oneOf [
          types.str
          types.path
          types.package
        ]
      );
      example = literalExpression ''pkgs.writeShellScript "dns-hook" "..."'';
      description = ''
        dns-01 (needed for wildcard names): an executable (a derivation such as
        `pkgs.writeShellScript`, or a package with `meta.mainProgram`, which then runs; a path,
        copied to the store; or a command string; run without a shell, so no arguments here)
        called as `HOOK present FQDN VALUE` and `HOOK cleanup FQDN VALUE`,
        lego's exec-provider convention, so existing lego hook scripts work. It must add the
        `_acme-challenge` TXT record on present (several values may share one name) and remove it
        on cleanup. Secrets it needs come from `credentialFiles`. Exactly one of `webroot`,
        `listenHTTP`, `dnsHook`.
      '';
    });

    listenTLSALPN = mkOption (challengeDefault // {
      type = types.nullOr types.str;
      example = ":443";
      description = ''
        tls-alpn-01 (RFC 8737) for hosts whose port 80 is closed: certguard's own short-lived TLS
        server on `[ADDRESS]:PORT` (or `ADDRESS` alone: port 443), answering only ALPN `acme-tls/1` with a self-signed
        certificate per name. The CA connects to port 443, so nothing else may listen there during
        the order (or forward it, e.g. from an SNI proxy, for `acme-tls/1`). A port below 1024
        gives the renew unit CAP_NET_BIND_SERVICE. No wildcard names. Exactly one challenge option.
      '';
    });

    rfc2136 = mkOption (challengeDefault // {
      type = types.nullOr (types.submodule {
        options = {
          server = mkOption {
            type = types.str;
            example = "192.0.2.53";
            description = "Primary DNS server that accepts dynamic updates for `zone` (address or host name).";
          };
          port = mkOption {
            type = types.port;
            default = 53;
            description = "Port on which `server` takes dynamic updates and queries.";
          };
          zone = mkOption {
            type = types.str;
            example = "example.org";
            description = "The zone holding every name of the certificate.";
          };
          keyName = mkOption {
            type = types.str;
            example = "certguard";
            description = "TSIG key name, as the DNS server knows it.";
          };
          algorithm = mkOption {
            type = types.enum [ "hmac-sha256" "hmac-sha384" "hmac-sha512" "hmac-sha224" "hmac-sha1" ];
            default = "hmac-sha256";
            description = "TSIG algorithm of the key.";
          };
          secretFile = mkOption {
            type = v.secretPathType;
            example = "/run/secrets/certguard-tsig";
            description = ''
              File holding the base64 TSIG secret (one line, or the key file `tsig-keygen` or
              `keymgr -t` wrote). A string path outside the Nix store; handed to the renew unit
              with `LoadCredential=` and read from `$CREDENTIALS_DIRECTORY` there.
            '';
          };
          propagationTimeout = mkOption {
            type = v.durationType;
            default = "120s";
            example = "5m";
            description = "How long to wait for every authoritative server of the zone to answer the record.";
          };
        };
      });
      example = literalExpression ''{ server = "192.0.2.53"; zone = "example.org"; keyName = "certguard"; secretFile = "/run/secrets/certguard-tsig"; }'';
      description = ''
        dns-01 (wildcards included) without a script: an RFC 2136 dynamic update signed with TSIG
        adds the `_acme-challenge` TXT record at `server`, certguard waits until every
        authoritative server of the zone (its NS set) answers it, and removes exactly its own
        value afterwards, also after a failure. Works with BIND, Knot and PowerDNS. Exactly one
        challenge option.
      '';
    });

    dnsPropagation = mkOption (inherit' "dnsPropagation" null // {
      type = types.nullOr v.durationType;
      example = "60s";
      description = "How long to wait after `dnsHook` set the record before asking the CA to validate.";
    });

    credentialFiles = mkOption (inherit' "credentialFiles" { } // {
      type = types.attrsOf v.secretPathType;
      example = literalExpression ''{ CLOUDFLARE_DNS_API_TOKEN_FILE = "/run/secrets/cloudflare-token"; }'';
      description = ''
        Secrets for `dnsHook`, as in security.acme: each `NAME = FILE` is loaded with systemd
        `LoadCredential=` into the renew unit, and the hook finds it through the environment
        variable `NAME` (set to `$CREDENTIALS_DIRECTORY/NAME`). Never in the Nix store or a
        command line. String paths only.
      '';
    });
  };
}
