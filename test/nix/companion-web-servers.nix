# Stand-ins for the option trees of NixOS's nginx, httpd and caddy modules, as far as companion mode
# reads them (enable, virtualHosts.<name>.{enableACME,useACMEHost,serverName,hostName}). The real
# modules need a real pkgs and cannot be evaluated here; these keep the names and shapes they use.
{ lib, ... }:
let
  server = lib.mkOption {
    type = lib.types.submodule { freeformType = lib.types.attrsOf lib.types.raw; };
    default = { };
  };
in
{
  options.services = {
    nginx = server;
    httpd = server;
    caddy = server;
  };
}
