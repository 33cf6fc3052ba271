#!/bin/sh
# Unpacks Debian 12's own Node.js 18 (older than certguard supports) into DIR without installing
# it, and prints the path of a wrapper that runs it: the version-check test uses it through
# CERTGUARD_OLD_NODE. Needs root (the wrapper bind-mounts, in a private mount namespace, the
# unpacked /usr/share/nodejs, where Debian's Node looks for some of its built-in modules).
#
#   CERTGUARD_OLD_NODE=$(scripts/old-node.sh /tmp/old-node) node scripts/run-tests.mjs node-version
set -eu
dir=${1:?usage: scripts/old-node.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cd "$dir"
if [ ! -x root/usr/bin/node ]; then
  # The distribution's version, not a newer one installed from elsewhere.
  version=$(apt-cache madison nodejs | awk -F' *[|] *' '$2 ~ /^18\./ { print $2; exit }')
  [ -n "$version" ] || { echo "old-node.sh: no nodejs 18 in the apt sources" >&2; exit 1; }
  apt-get download -q "nodejs=$version" "libnode108=$version" libc-ares2 node-cjs-module-lexer \
    node-acorn node-undici >&2
  for deb in ./*.deb; do dpkg-deb -x "$deb" root; done
fi
cat >node18 <<WRAPPER
#!/bin/sh
exec unshare -m sh -c 'mount --bind "\$0/root/usr/share/nodejs" /usr/share/nodejs &&
  LD_LIBRARY_PATH="\$0/root/usr/lib/x86_64-linux-gnu" exec "\$0/root/usr/bin/node" "\$@"' "$dir" "\$@"
WRAPPER
chmod 755 node18
echo "$dir/node18"
