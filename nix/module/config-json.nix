# services.certguard -> the JSON config file read by every certguard command
# (schema: src/config/config-file.ts). Each certificate is written fully resolved (defaults already
# applied, exactly one challenge), so what an administrator reads in /etc/certguard/certguard.json
# is exactly what runs; `defaults` stays empty.
#
# `forRenewUnit`: the copy the renew units read, without reloads and postRun. The renew units run as
# the unprivileged `certguard` user, which may not reload other services; their `+` step does it
# (nix/module/root-steps.nix). Everything else (preflight, `certguard renew` by hand, status) reads
# the full file.
{
  lib,
  cfg,
  forRenewUnit ? false,
}:
let
  inherit (lib) filterAttrs mapAttrs unique;
  nonNull = filterAttrs (_: v: v != null);
  v = import ./validate.nix { inherit lib; };
  # "${p}" copies a path literal (e.g. a CA bundle in the repository) to the store; strings pass.
  pathString = p: if p == null then null else "${p}";
  # dnsHook: a command string, a path (copied to the store), a package with a main program
  # (lib.getExe), or a derivation that is itself the executable (pkgs.writeShellScript).
  executable =
    x:
    if x == null then
      null
    else if lib.isDerivation x && x ? meta.mainProgram then
      lib.getExe x
    else
      "${x}";

  entry =
    name: cert:
    let
      ch = import ./challenge.nix { defaults = cfg.defaults; inherit cert; };
    in
    nonNull {
      directory = cert.directory;
      domains = unique ([ cert.domain ] ++ cert.extraDomainNames);
      minValidity = cert.minValidity;
      renewBefore = cert.renewBefore;
      keyType = cert.keyType;
      server = cert.server;
      email = cert.email;
      caBundle = pathString cert.caBundle;
      webroot = ch.webroot;
      httpListen = ch.listenHTTP;
      dnsHook = executable ch.dnsHook;
      dnsPropagation = if ch.dnsHook != null then cert.dnsPropagation else null;
      eab = if cert.eab == null then null else { inherit (cert.eab) kid hmacFile; };
      group = cert.group;
      # The protected services serve this certificate: they always get the new one.
      reloadServices = if forRenewUnit then [ ] else v.reloadUnits cert;
      postRun = if forRenewUnit || cert.postRun == "" then null else cert.postRun;
      onUnusable = cert.onUnusable;
      reuseKey = cert.reuseKey;
      ari = cert.ari;
    };
in
nonNull {
  stateDirectory = cfg.stateDirectory;
  prometheusFile = cfg.prometheusFile;
  defaults = { };
  certs = mapAttrs entry cfg.certs;
}
