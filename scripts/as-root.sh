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
