#!/bin/bash
# The shape of NixOS security.acme's acme-order-renew-<name> script, for the companion scenarios:
# the same lego invocations (renew --days validMinDays when lego's domain hash, key, certificate
# and account exist, else run), the same offline expiry re-check after a failed renewal and the
# same exit codes (11: renewal failed with less than validMinDays left, 10: the order failed). It
# runs in /tmp with accounts/, certificates/ and out/ bind-mounted, as the module's unit does.
# Written for these tests (not nixpkgs' text); its settings come from the unit's Environment=.
set -euo pipefail
: "${DOMAIN:?}" "${DOMAIN_HASH:?}" "${VALID_MIN_DAYS:?}" "${EMAIL:?}" "${SERVER:?}" "${HTTP_PORT:?}"
common=(--accept-tos --path . --email "$EMAIL" --http --http.port "$HTTP_PORT" --server "$SERVER"
  --key-type ec256 -d "$DOMAIN")

# More than validMinDays left, read offline (as the module's is_expiration_skippable).
expiry_far() {
  [[ -e out/full.pem ]] || return 1
  local end
  end=$(openssl x509 -noout -enddate <out/full.pem | sed -e 's/^notAfter=//')
  [[ -n "$end" ]] || return 1
  (( ($(date -d "$end" +%s) - $(date +%s)) / 86400 > VALID_MIN_DAYS ))
}

echo "$DOMAIN_HASH" >domainhash.txt
if cmp -s domainhash.txt certificates/domainhash.txt && [ -e "certificates/$DOMAIN.key" ] &&
  [ -e "certificates/$DOMAIN.crt" ] && [ -n "$(find accounts -name "$EMAIL.key")" ]; then
  if ! lego "${common[@]}" renew --no-random-sleep --days "$VALID_MIN_DAYS"; then
    if expiry_far; then
      echo "acme-test: ignoring the failed renewal: more than $VALID_MIN_DAYS days left" >&2
    else
      exit 11
    fi
  fi
elif ! lego "${common[@]}" run; then
  echo "acme-test: failed to fetch the certificate; the placeholder stays"
  exit 10
fi

mv domainhash.txt certificates/
touch out/acme-success
if ! cmp -s "certificates/$DOMAIN.crt" out/fullchain.pem; then
  touch out/renewed
  cp -p "certificates/$DOMAIN.crt" out/fullchain.pem
  cp -p "certificates/$DOMAIN.key" out/key.pem
  cp -p "certificates/$DOMAIN.issuer.crt" out/chain.pem
  ln -sf fullchain.pem out/cert.pem
  cat out/key.pem out/fullchain.pem >out/full.pem
fi
chmod -R u=rwX,g=rX,o= out certificates
