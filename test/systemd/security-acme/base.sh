#!/bin/bash
# The shape of security.acme's acme-<name> unit: until a real certificate was installed once
# (acme-success), put a self-signed placeholder from a local "minica" CA into the directory so
# the web server can start. openssl stands in for minica, with minica's CA name.
set -euo pipefail
: "${DOMAIN:?}"
out=/var/lib/acme/$1
[ -e "$out/acme-success" ] && exit 0
work=$(mktemp -d)
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=minica root ca 5f3a1b" -keyout ca.key -out ca.pem \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$DOMAIN" \
  -keyout key.pem -out leaf.csr 2>/dev/null
printf 'subjectAltName=DNS:%s\n' "$DOMAIN" >ext.cnf
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
  -extfile ext.cnf -out cert.pem 2>/dev/null
cp cert.pem key.pem "$out/"
cp ca.pem "$out/chain.pem"
cat cert.pem ca.pem >"$out/fullchain.pem"
cat key.pem "$out/fullchain.pem" >"$out/full.pem"
chmod 640 "$out"/*.pem
rm -rf "$work"
