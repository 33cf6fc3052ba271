# Sourced (bash) by scripts/demo.sh and .ci/run:  . scripts/ensure-node.sh
#
# Makes sure `node` on PATH is at least the version package.json's "engines" asks for, without
# touching the system's own node. Debian 12 ships Node.js 18.20 and Ubuntu 22.04 Node.js 12, both
# too old, so on such a machine:
#   1. no npm at all: install Debian's `nodejs` and `npm` (apt-get; Debian's npm runs on its node);
#   2. install the official Node.js binary that the npm registry ships as the package
#      node-linux-<arch>, and npm itself (Debian's npm finds its modules only through Debian's
#      node), into .cache/node/ of the repository (or $CERTGUARD_NODE_CACHE), once; no install
#      scripts run and nothing is fetched from anywhere but the npm registry;
#   3. put their bin directory first on PATH for the rest of the calling script.
# A node that is new enough is used as it is. Needs root only for step 1.

# The versions installed when the machine's node is too old: the Node.js the test suite runs on,
# and an npm that runs on it.
CERTGUARD_NODE_VERSION=${CERTGUARD_NODE_VERSION:-20.20.2}
CERTGUARD_NPM_VERSION=${CERTGUARD_NPM_VERSION:-10.9.9}

# "20.19" from package.json's  "node": ">=20.19"  (read with sed: node may not be usable yet).
certguard_node_wanted() {
  sed -n 's/^ *"node": *">= *\([0-9][0-9.]*\)".*/\1/p' "$CERTGUARD_REPO/package.json" | head -n 1
}

# Succeeds when the node binary $1 reports a version >= $2 (major.minor). Only `--version` is
# run: it answers even from a node whose libraries are incomplete.
certguard_node_ok() {
  local have want_major want_minor major minor
  have=$("$1" --version 2>/dev/null) || return 1
  have=${have#v}
  IFS=. read -r major minor _ <<<"$have"
  IFS=. read -r want_major want_minor _ <<<"$2"
  [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || return 1
  ((major > want_major || (major == want_major && minor >= ${want_minor:-0})))
}

certguard_ensure_node() {
  local want arch cache bin found
  want=$(certguard_node_wanted)
  [ -n "$want" ] || {
    echo "ensure-node: no \"engines\".\"node\" in $CERTGUARD_REPO/package.json" >&2
    return 2
  }
  found=$(command -v node || true)
  if [ -n "$found" ] && certguard_node_ok "$found" "$want"; then
    if ! command -v npm >/dev/null; then certguard_apt_install npm || return; fi
    return 0
  fi
  case $(uname -m) in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    ppc64le | s390x) arch=$(uname -m) ;;
    *)
      echo "ensure-node: Node.js >= $want is needed and no binary package is known for $(uname -m)" >&2
      return 2
      ;;
  esac
  cache=${CERTGUARD_NODE_CACHE:-$CERTGUARD_REPO/.cache/node}
  bin=$cache/node_modules/.bin
  local have='no node on PATH'
  [ -z "$found" ] || have="$found ($("$found" --version 2>/dev/null || echo 'does not run')) is older than Node.js $want"
  if [ -x "$bin/node" ] && [ -x "$bin/npm" ] && certguard_node_ok "$bin/node" "$want"; then
    echo "ensure-node: $have: using $bin/node ($("$bin/node" --version))"
  else
    local packages=("node-linux-$arch@$CERTGUARD_NODE_VERSION" "npm@$CERTGUARD_NPM_VERSION")
    echo "ensure-node: $have: installing ${packages[*]} (npm) into $cache"
    if ! command -v npm >/dev/null; then
      # Debian's npm runs on Debian's node, however old: it only has to fetch two packages.
      if [ -n "$found" ]; then certguard_apt_install npm || return; else certguard_apt_install nodejs npm || return; fi
    fi
    mkdir -p "$cache"
    # --ignore-scripts: the packages are the binary and plain JavaScript, nothing needs to run.
    npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
      --loglevel=error "${packages[@]}" >&2 || {
      echo "ensure-node: npm could not install ${packages[*]}" >&2
      return 2
    }
    if ! certguard_node_ok "$bin/node" "$want" || ! PATH=$bin:$PATH "$bin/npm" --version >/dev/null; then
      echo "ensure-node: the installed node or npm in $bin does not run (or node is older than $want)" >&2
      return 2
    fi
  fi
  PATH=$bin:$PATH
  export PATH
  hash -r
}

certguard_apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "ensure-node: install $* (Node.js >= $(certguard_node_wanted)) and run again" >&2
    return 2
  fi
  echo "ensure-node: apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

CERTGUARD_REPO=${CERTGUARD_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
certguard_ensure_node
