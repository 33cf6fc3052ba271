# Patterns shared by option types and assertions. They mirror what the certguard CLI accepts
# (src/config/duration.ts, src/config/config-file.ts checkName) so that a configuration that
# evaluates is one the CLI parses: mistakes surface at `nixos-rebuild`, not at 3 a.m. in a unit.
{ lib }:
let
  inherit (lib) types;
  durationPattern = "[0-9]+(\\.[0-9]+)?[smhdw]?";
  label = "[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?";
in
rec {
  inherit durationPattern;
  # A validity period needs its unit (`30d`, not 30: the CLI refuses a bare number there, since
  # someone used to security.acme's validMinDays would mean days). Zero needs none.
  validityPattern = "0|[0-9]+(\\.[0-9]+)?[smhdw]";
  validityType = types.strMatching validityPattern;

  # A validity period, or a fraction a/b of the lifetime.
  renewBeforePattern = "(${validityPattern})|([0-9]+/[0-9]+)";

  # Seconds as a number, or `90s`, `15m`, `12h`, `30d`, `2w`.
  durationType = types.either types.ints.unsigned (types.strMatching durationPattern);

  # Secrets must stay out of the world-readable Nix store: a string path, never a path literal
  # (which Nix would copy into the store). strMatching rejects path values by type.
  secretPathType = types.strMatching "/.+";

  # Certificate names become directory and unit names (same alphabet as the CLI).
  validCertName = name: builtins.match "[A-Za-z0-9][A-Za-z0-9._-]{0,199}" name != null && !lib.hasInfix ".." name;

  # A DNS name (optionally one leading wildcard label, optionally a trailing dot) or an IP address.
  # ASCII only: internationalised names go in their xn-- form.
  validDomain =
    d:
    let
      dns = builtins.match "(\\*\\.)?(${label}\\.)*${label}\\.?" d != null;
      ipv4 = builtins.match "[0-9]{1,3}(\\.[0-9]{1,3}){3}" d != null;
      ipv6 = builtins.match "[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*" d != null;
    in
    d != "" && builtins.stringLength d <= 253 && (dns || ipv4 || ipv6);

  isWildcard = d: lib.hasPrefix "*." d;

  # The units reloaded after a new certificate: the services that serve it, then the extra ones
  # (attribute names become `.service` units).
  reloadUnits =
    cert:
    map (s: if lib.hasInfix "." s then s else "${s}.service") (
      lib.unique (cert.services ++ cert.reloadServices)
    );

  # `[ADDRESS]:PORT` -> PORT as an int, or null when the value is malformed.
  listenPort =
    s:
    let
      m = builtins.match "(.*):([0-9]{1,5})" s;
      port = if m == null then null else lib.toIntBase10 (builtins.elemAt m 1);
    in
    if port == null || port < 1 || port > 65535 then null else port;

  # A fraction a/b must be strictly between 0 and 1 (the CLI rejects others).
  validRenewBefore =
    r:
    let
      m = if builtins.isString r then builtins.match "([0-9]+)/([0-9]+)" r else null;
    in
    m == null
    || (
      let
        a = lib.toIntBase10 (builtins.elemAt m 0);
        b = lib.toIntBase10 (builtins.elemAt m 1);
      in
      a > 0 && a < b
    );
}
