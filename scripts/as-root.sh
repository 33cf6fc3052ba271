# Sourced first by scripts/demo.sh and .ci/run, which install Debian packages and so run as root:
#   . "$(dirname "$0")/as-root.sh"   (before any cd)
# As root it does nothing. Otherwise it runs the calling script again under sudo when sudo exists
# (a minimal Debian has none), or says how to run it as root, exit 2.
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    echo "$0: not root: running it again with sudo" >&2
    exec sudo -- bash "$(readlink -f "$0")" "$@"
  fi
  echo "$0: needs root (it installs Debian packages) and there is no sudo: run it as root, e.g. su -c 'bash $(readlink -f "$0")'" >&2
  exit 2
fi

CERTGUARD_CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Under sudo, what the run made in the checkout (node_modules, dist, the Node cache) goes back to
# the user who ran it: their own `npm run build` later must not meet root-owned files. Runs on
# exit; a script with its own EXIT trap calls it from there.
certguard_give_back() {
  [ -n "${SUDO_UID:-}" ] && [ "$SUDO_UID" != 0 ] || return 0
  local d
  for d in node_modules dist .cache; do
    if [ -e "$CERTGUARD_CHECKOUT/$d" ]; then
      chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$CERTGUARD_CHECKOUT/$d" || true
    fi
  done
}
trap certguard_give_back EXIT
