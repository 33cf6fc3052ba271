# package-lock.json completed for nixpkgs' importNpmLock. The lock records every package's
# `integrity` but, by this project's rule, no download address; importNpmLock fetches only packages
# that carry a `resolved` URL. So each locked package gets the address npm itself uses,
# `<registry>/<name>/-/<basename>-<version>.tgz`, and importNpmLock checks the download against the
# lock's integrity: the lock alone fixes the dependencies (no second hash to keep in sync).
# The registry is the one setting, `npmRegistry` (docs/nix.md, "Building the package").
{
  lib,
  lock,
  npmRegistry,
}:
let
  registry =
    if npmRegistry == null then
      throw ''
        certguard: nix/package.nix needs `npmRegistry`, the base URL of the npm registry that serves
        the packages in package-lock.json (the URL `npm config get registry` prints). The lock holds
        each package's integrity hash, not its download address; the build fetches
        <npmRegistry>/<name>/-/<name>-<version>.tgz and checks it against that hash. Set it with
        `.override { npmRegistry = "<URL>"; }` on the package: the flake's
        packages.<system>.default, or services.certguard.package in the NixOS module.''
    else
      lib.removeSuffix "/" npmRegistry;

  # The installed name: the key's last node_modules/ segment, or `name` for an alias.
  nameOf = key: entry: entry.name or (lib.last (lib.splitString "node_modules/" key));
  tarball =
    name: version: "${registry}/${name}/-/${lib.last (lib.splitString "/" name)}-${version}.tgz";

  complete =
    key: entry:
    # The root project, workspace links and packages bundled inside another one's tarball are not
    # downloaded; a package that already has an address keeps it.
    if key == "" || entry.link or false || entry.inBundle or false || entry ? resolved then
      entry
    else if !(entry ? integrity) then
      throw "certguard: package-lock.json: ${key} has no integrity hash; regenerate the lock with npm."
    else
      entry // { resolved = tarball (nameOf key entry) entry.version; };
in
lock // { packages = lib.mapAttrs complete lock.packages; }
