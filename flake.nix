{
  description = "certguard: TLS certificates that keep services working when the CA is down";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      # The package's one setting, npmRegistry (docs/nix.md, "Building the package"): without it
      # the build stops and says what to set, e.g. packages.<system>.default.override { ... }.
      checksWith =
        npmRegistry:
        forAllSystems (pkgs: {
          package = pkgs.callPackage ./nix/package.nix { inherit npmRegistry; };
          # A NixOS VM with pebble and nginx: first boot, CA down, switch (nix/tests/vm-test.nix).
          vm = pkgs.testers.runNixOSTest (
            import ./nix/tests/vm-test.nix {
              certguardModule = self.nixosModules.default;
              inherit npmRegistry;
            }
          );
        });
    in
    {
      packages = forAllSystems (pkgs: {
        certguard = pkgs.callPackage ./nix/package.nix { };
        default = pkgs.callPackage ./nix/package.nix { };
      });

      overlays.default = final: _prev: { certguard = final.callPackage ./nix/package.nix { }; };

      # The module builds its default package from nix/package.nix with the host's pkgs, so it works
      # without the overlay; set services.certguard.package to use another build.
      nixosModules.default = ./nix/module.nix;
      nixosModules.certguard = ./nix/module.nix;

      checks = checksWith null;
      # `nix build --impure --expr '((builtins.getFlake (toString ./.)).lib.checksWith "URL").x86_64-linux.vm'`
      lib = { inherit checksWith; };
    };
}
