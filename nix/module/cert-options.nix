# The options shared by `services.certguard.defaults` and `services.certguard.certs.<name>`.
#
# As in nixpkgs' security.acme, every per-certificate option defaults to the value in `defaults`, so
# a host with many certificates states the CA, contact and policy once. Challenge options are the
# exception: a certificate that names any challenge (webroot, listenHTTP, dnsHook) ignores the
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

    renewBefore = mkOption (inherit' "renewBefore" "1/3" // {
      type = types.strMatching v.renewBeforePattern;
      example = "30d";
      description = ''
        When renewal becomes due: a duration before expiry (`30d`, `12h`; the unit is required), or a
        fraction of the certificate's lifetime that must be left (`1/3`, as Let's Encrypt
        advises). A renewal that fails while the certificate is still usable is a soft failure
        (exit 75): reported by `certguard status` and metrics, never a failed unit.
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

    renewInterval = mkOption (inherit' "renewInterval" "*-*-* 00,12:00:00" // {
      type = types.str;
      example = "daily";
      description = ''
        systemd `OnCalendar=` of the renew timer. A run that finds nothing due reads local files
        only, and a failing CA is retried with backoff from the state file, so a frequent
        schedule costs nothing and does not hammer the CA. Twice a day by default, as certbot
        and ARI advise.
      '';
    });

    randomizedDelay = mkOption (inherit' "randomizedDelay" "6h" // {
      type = types.str;
      example = "1h";
      description = "systemd `RandomizedDelaySec=` of the renew timer: spreads the load on the CA.";
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
        HTTP on port 80. Exactly one of `webroot`, `listenHTTP`, `dnsHook`.
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
