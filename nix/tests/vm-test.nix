# NixOS VM test (pkgs.testers.runNixOSTest): one machine with a pebble ACME CA on loopback and
# nginx protected by certguard. Run with `nix build .#checks.x86_64-linux.vm` (or `nix flake check`)
# on a machine with Nix and KVM. It has NOT been run where certguard is developed (no nixpkgs, no
# KVM there); the module it imports is evaluated by test/nix/*.test.ts.
#
# Scenarios:
#   1. first boot: no certificate, CA up: nginx starts (placeholder), the renew unit obtains a real
#      certificate, reloads nginx, and nginx serves the CA-issued certificate;
#   2. CA down, certificate valid and not due: renew succeeds without the CA, nginx restarts fine;
#   3. CA down, a switch to a configuration where renewal is due (like `nixos-rebuild switch`):
#      the switch succeeds, renew soft-fails (exit 75) without a failed unit, status says so, and
#      nginx still restarts;
#   4. CA up again, a switch that adds a domain: the switch returns at once, certguard-apply starts
#      the reissue, and nginx serves a certificate with the new name.
# The renew unit runs as the `certguard` user; the test checks that too.
# `npmRegistry`: the package's one setting (docs/nix.md, "Building the package").
{
  certguardModule,
  npmRegistry ? null,
}:
{ pkgs, ... }:
let
  domain = "server.test";
  certDir = "/var/lib/certguard-certs/${domain}";
  renewUnit = "certguard-renew-${domain}.service";

  # pebble's own HTTPS listener needs a certificate for localhost. Made at build time from a test
  # CA that exists only inside this derivation: nothing secret, nothing committed.
  pebbleTls = pkgs.runCommand "pebble-tls" { nativeBuildInputs = [ pkgs.openssl ]; } ''
    mkdir $out
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj /CN=certguard-vm-test-ca -addext basicConstraints=critical,CA:TRUE \
      -keyout ca.key -out $out/ca.pem
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
      -keyout $out/key.pem -out req.csr
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > ext
    openssl x509 -req -in req.csr -CA $out/ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile ext -out $out/cert.pem
  '';

  pebbleConfig = pkgs.writeText "pebble.json" (
    builtins.toJSON {
      pebble = {
        listenAddress = "127.0.0.1:14000";
        managementListenAddress = "127.0.0.1:15000";
        certificate = "${pebbleTls}/cert.pem";
        privateKey = "${pebbleTls}/key.pem";
        # http-01 validation goes to port 80 of server.test (127.0.0.1), where nginx serves the webroot.
        httpPort = 80;
        tlsPort = 5001;
        ocspResponderURL = "";
        externalAccountBindingRequired = false;
      };
    }
  );
in
{
  name = "certguard";

  nodes.server =
    { lib, ... }:
    {
      imports = [ certguardModule ];

      networking.hosts."127.0.0.1" = [ domain ];
      environment.systemPackages = [ pkgs.openssl ];

      systemd.services.pebble = {
        description = "pebble ACME test CA";
        wantedBy = [ "multi-user.target" ];
        after = [ "network.target" ];
        environment = {
          PEBBLE_VA_NOSLEEP = "1";
          PEBBLE_WFE_NONCEREJECT = "0";
        };
        serviceConfig = {
          ExecStart = "${pkgs.pebble}/bin/pebble -config ${pebbleConfig}";
          # "started" means listening, so the first renewal does not race pebble's start.
          ExecStartPost = pkgs.writeShellScript "pebble-listening" ''
            for _ in $(seq 150); do
              ${pkgs.curl}/bin/curl -sk -o /dev/null https://localhost:14000/dir && exit 0
              sleep 0.2
            done
            exit 1
          '';
        };
      };

      # In the test only: the first renewal at boot waits for the local CA to listen. A real CA is
      # not a unit on the same host.
      systemd.services."certguard-renew-${domain}" = {
        after = [ "pebble.service" ];
        wants = [ "pebble.service" ];
      };

      systemd.tmpfiles.rules = [ "d /var/lib/acme/challenge 0755 root root - -" ];

      services.nginx = {
        enable = true;
        virtualHosts.${domain} = {
          addSSL = true;
          sslCertificate = "${certDir}/fullchain.pem";
          sslCertificateKey = "${certDir}/key.pem";
          locations."/.well-known/acme-challenge/".root = "/var/lib/acme/challenge";
          locations."/".return = "200 'certguard vm test\\n'";
        };
      };

      services.certguard = {
        enable = true;
        acceptTerms = true;
        package = pkgs.callPackage ../package.nix { inherit npmRegistry; };
        defaults = {
          email = "admin@${domain}";
          server = "https://localhost:14000/dir";
          caBundle = "${pebbleTls}/ca.pem";
          webroot = "/var/lib/acme/challenge";
          onUnusable = "placeholder";
          # pebble has no ARI before 2.6; keep the test independent of the packaged version.
          ari = false;
        };
        certs.${domain}.services = [ "nginx" ];
      };

      # Scenario 3: the same machine with renewal due for every certificate.
      specialisation.renewal-due.configuration = {
        services.certguard.defaults.renewBefore = lib.mkForce "3650d";
      };
      # Scenario 4: the same machine with one more name on the certificate.
      specialisation.more-names.configuration = {
        networking.hosts."127.0.0.1" = [ "www.${domain}" ];
        services.certguard.certs.${domain}.extraDomainNames = [ "www.${domain}" ];
      };
    };

  testScript = ''
    import json

    def served_issuer():
        return server.succeed(
            "echo | openssl s_client -connect 127.0.0.1:443 -servername ${domain} 2>/dev/null"
            " | openssl x509 -noout -issuer"
        )

    start_all()
    base = server.succeed("readlink -f /run/current-system").strip()

    with subtest("the preflight is nginx's first ExecStartPre and nginx does not wait for renewal"):
        pre = server.succeed("systemctl show -p ExecStartPre --value nginx.service")
        assert pre.index("certguard-preflight ${domain}") < pre.index("nginx"), pre
        assert "${renewUnit}" in server.succeed("systemctl show -p Wants --value nginx.service")
        assert "${renewUnit}" not in server.succeed("systemctl show -p After --value nginx.service")

    with subtest("first boot: nginx starts, renewal replaces the placeholder with a CA-issued certificate"):
        server.wait_for_unit("pebble.service")
        server.wait_for_unit("nginx.service")
        server.wait_until_succeeds(
            "echo | openssl s_client -connect 127.0.0.1:443 -servername ${domain} 2>/dev/null"
            " | openssl x509 -noout -issuer | grep -i pebble",
            timeout=180,
        )
        server.succeed("certguard check ${domain}")
        server.succeed("systemctl show -p Result --value ${renewUnit} | grep -x success")
        server.succeed("test -L ${certDir}/key.pem -a -r ${certDir}/key.pem")
        server.succeed("stat -L -c %G ${certDir}/key.pem | grep -x certguard")
        server.succeed("stat -L -c %U ${certDir}/key.pem | grep -x certguard")
        server.succeed("systemctl show -p User --value ${renewUnit} | grep -x certguard")
        print(server.succeed("journalctl -u ${renewUnit} -o cat"))

    with subtest("CA down, certificate valid and not due: renew succeeds offline, nginx restarts"):
        issued = served_issuer()
        server.succeed("systemctl stop pebble.service")
        server.succeed("systemctl start ${renewUnit}")
        server.succeed("systemctl show -p Result --value ${renewUnit} | grep -x success")
        server.succeed("systemctl restart nginx.service")
        server.wait_for_unit("nginx.service")
        assert served_issuer() == issued

    with subtest("CA down, switch to a configuration where renewal is due: nothing fails"):
        server.succeed(f"{base}/specialisation/renewal-due/bin/switch-to-configuration test")
        # exit 75 is a success exit status: the unit is not failed, the start command succeeds
        server.succeed("systemctl start ${renewUnit}")
        server.succeed("systemctl show -p ExecMainStatus --value ${renewUnit} | grep -x 75")
        server.fail("systemctl is-failed ${renewUnit}")
        rows = json.loads(server.succeed("certguard status --json"))
        assert [(r["name"], r["state"], r["usable"]) for r in rows] == [
            ("${domain}", "renewal-failing", True)
        ], rows
        server.succeed("systemctl restart nginx.service")
        server.wait_for_unit("nginx.service")
        server.succeed("certguard-preflight ${domain} --config /etc/certguard/certguard.json")
        server.fail("systemctl --failed --no-legend | grep -E 'certguard|nginx'")

    with subtest("a switch that adds a name reissues without waiting for the CA"):
        server.succeed("systemctl start pebble.service")
        server.succeed(f"{base}/specialisation/more-names/bin/switch-to-configuration test")
        server.wait_until_succeeds(
            "echo | openssl s_client -connect 127.0.0.1:443 -servername ${domain} 2>/dev/null"
            " | openssl x509 -noout -ext subjectAltName | grep -F www.${domain}",
            timeout=180,
        )
        server.succeed("systemctl show -p Result --value certguard-reissue-${domain}.service | grep -x success")
  '';
}
