# The only steps of a renewal that run as root (`+`, outside the renew unit's sandbox and user),
# as in security.acme: everything that talks to the network runs as the unprivileged `certguard`
# user; these scripts only reload services, run `postRun` and start units.
{
  lib,
  pkgs,
  cfg,
  systemctl,
}:
let
  inherit (lib) escapeShellArg escapeShellArgs optionalString;
in
{
  # ExecStartPost=+ of the renew units. A new certificate is a new target of `current` (the
  # install's atomic switch, src/store/install.ts); the target the hooks last ran for is kept in
  # the state directory, so the hooks run once per installed certificate, also for one installed
  # by the preflight or by hand in between. The renew run itself gets a config without hooks.
  postRenew =
    name: cert: reloadUnits:
    pkgs.writeShellScript "certguard-post-renew-${name}" ''
      set -u
      dir=${escapeShellArg cert.directory}
      marker=${escapeShellArg "${cfg.stateDirectory}/hooks-done/${name}"}
      now=$(readlink -- "$dir/current") || exit 0
      [ "$(cat -- "$marker" 2>/dev/null)" = "$now" ] && exit 0
      for unit in ${escapeShellArgs reloadUnits}; do
        # On first boot the service may still be starting on the placeholder: a reload of a unit
        # that is activating does nothing, so wait (bounded) until it is up.
        for _ in $(seq 120); do
          case "$(${systemctl} show -p ActiveState --value -- "$unit")" in
            activating | reloading) sleep 0.5 ;;
            *) break ;;
          esac
        done
        ${systemctl} try-reload-or-restart -- "$unit" \
          || echo "<4>certguard: ${name}: reload of $unit failed; the new certificate stays installed"
      done
      ${optionalString (cert.postRun != "") ''
        if ! (
          cd -- "$dir" || exit 1
          export CERTGUARD_NAME=${escapeShellArg name} CERTGUARD_DIRECTORY="$dir"
          ${cert.postRun}
        ); then
          echo "<4>certguard: ${name}: postRun failed; the new certificate stays installed"
        fi
      ''}
      mkdir -p -- "''${marker%/*}"
      printf '%s\n' "$now" > "$marker"
    '';

  # ExecStart=+ of certguard-apply-<name>.service, which `nixos-rebuild switch` restarts whenever
  # `fingerprint` (the settings that make a different certificate) changes. It only enqueues a
  # unit (--no-block): the switch never waits for the CA and cannot fail because of it.
  # First deployment: the ordinary renew (issues what is missing); a changed certificate: a
  # forced reissue; unchanged (every boot): nothing.
  apply =
    name: fingerprint: renewUnit: reissueUnit:
    pkgs.writeShellScript "certguard-apply-${name}" ''
      set -u
      marker=${escapeShellArg "${cfg.stateDirectory}/applied/${name}"}
      have=$(cat -- "$marker" 2>/dev/null) || have=
      [ "$have" = ${escapeShellArg fingerprint} ] && exit 0
      mkdir -p -- "''${marker%/*}"
      printf '%s\n' ${escapeShellArg fingerprint} > "$marker"
      if [ -z "$have" ]; then unit=${escapeShellArg renewUnit}; else unit=${escapeShellArg reissueUnit}; fi
      echo "<6>certguard: ${name}: settings changed: starting $unit"
      exec ${systemctl} start --no-block -- "$unit"
    '';
}
