# The challenge a certificate really uses. A certificate that sets any challenge option takes its
# challenge from itself alone; otherwise from `defaults`. Same rule as the CLI's resolveCert, so
# the module and the JSON config can never disagree about which challenge runs.
{ defaults, cert }:
let
  names = [ "webroot" "listenHTTP" "listenTLSALPN" "dnsHook" "rfc2136" ];
  setIn = layer: builtins.filter (n: layer.${n} != null) names;
  layer = if setIn cert != [ ] then cert else defaults;
in
{
  inherit (layer) webroot listenHTTP listenTLSALPN dnsHook rfc2136;
  # Names of the challenge options in effect: exactly one is valid.
  chosen = setIn layer;
  # Where they came from, for assertion messages.
  fromDefaults = setIn cert == [ ];
}
