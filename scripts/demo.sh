#!/usr/bin/env bash
# certguard quick start: the main job, end to end, against a real ACME CA on loopback.
#
#   bash scripts/demo.sh        (as root, or as a user with sudo: it then re-runs itself with sudo)
#
# Installs what is missing (Debian: pebble, openssl; Node.js >= 20.19 via scripts/ensure-node.sh;
# npm ci + build), starts Debian's pebble and pebble-challtestsrv on 127.0.0.1 with free ports,
# then:
#   1. certguard renew issues a certificate (real http-01 validation, 40-second certificates,
#      renewal due 5 s before expiry so the demo's steps fit in the lifetime)
#   2. certguard-preflight passes (exit 0), and certguard status shows it
#   3. the CA is stopped
#   4. certguard-preflight still passes; renew is not due and opens no connection (exit 0);
#      renew --force reports a soft failure (exit 75) and says how long the certificate stays valid
#   5. the certificate expires: certguard-preflight fails (exit 1)
# Everything it starts is stopped by PID and its temporary directory removed, also on failure.
set -euo pipefail
. "$(dirname "$0")/as-root.sh"
cd "$(dirname "$0")/.."
REPO=$PWD

VALIDITY=40
if [ -t 1 ]; then BOLD=$'\033[1m' GREEN=$'\033[32m' RED=$'\033[31m' OFF=$'\033[0m'; else BOLD='' GREEN='' RED='' OFF=''; fi
step() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$OFF"; }
show() { printf '$ %s\n' "$*"; }

need_apt=()
command -v pebble >/dev/null || need_apt+=(pebble)
command -v pebble-challtestsrv >/dev/null || need_apt+=(pebble)
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "Installing ${need_apt[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
. scripts/ensure-node.sh
if [ ! -d node_modules ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi
if [ ! -f dist/certguard.cjs ] || [ ! -f dist/certguard-preflight.cjs ] ||
  [ -n "$(find src package.json -newer dist/certguard.cjs -print -quit)" ]; then
  step "npm run build"
  npm run build --silent
fi
CERTGUARD=("$(command -v node)" "$REPO/dist/certguard.cjs")
PREFLIGHT=("$(command -v node)" "$REPO/dist/certguard-preflight.cjs")

WORK=$(mktemp -d /tmp/certguard-demo.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
  certguard_give_back
}
trap cleanup EXIT

step "Starting a local ACME CA (pebble) on 127.0.0.1"
# pebble's HTTPS listener needs a certificate; the Debian package ships none.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=certguard demo listener CA" -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
  -keyout "$WORK/localhost.key" -out "$WORK/localhost.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$WORK/san.ext"
openssl x509 -req -in "$WORK/localhost.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
  -days 2 -extfile "$WORK/san.ext" -out "$WORK/localhost.pem" 2>/dev/null
read -r ACME_PORT MGMT_PORT HTTP_PORT TLS_PORT DNS_PORT CHALL_PORT < <(node scripts/demo/free-port.mjs 6)
cat >"$WORK/pebble.json" <<JSON
{ "pebble": {
  "listenAddress": "127.0.0.1:$ACME_PORT", "managementListenAddress": "127.0.0.1:$MGMT_PORT",
  "certificate": "$WORK/localhost.pem", "privateKey": "$WORK/localhost.key",
  "httpPort": $HTTP_PORT, "tlsPort": $TLS_PORT, "ocspResponderURL": "",
  "externalAccountBindingRequired": false, "certificateValidityPeriod": $VALIDITY } }
JSON
# challtestsrv answers every A query with 127.0.0.1, so pebble really fetches the http-01 token
# from certguard's own listener on 127.0.0.1:$HTTP_PORT.
pebble-challtestsrv -defaultIPv6 "" -defaultIPv4 127.0.0.1 -dns01 "127.0.0.1:$DNS_PORT" -http01 "" \
  -https01 "" -tlsalpn01 "" -management "127.0.0.1:$CHALL_PORT" >"$WORK/challtestsrv.log" 2>&1 &
PIDS+=($!)
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
  pebble -config "$WORK/pebble.json" -dnsserver "127.0.0.1:$DNS_PORT" >"$WORK/pebble.log" 2>&1 &
PEBBLE_PID=$!
PIDS+=("$PEBBLE_PID")
for _ in $(seq 100); do
  if node -e "require('https').get({host:'127.0.0.1',port:$ACME_PORT,path:'/dir',ca:require('fs').readFileSync('$WORK/ca.pem')},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
echo "pebble (PID $PEBBLE_PID): https://127.0.0.1:$ACME_PORT/dir, certificates valid for ${VALIDITY}s"

cat >"$WORK/certguard.json" <<JSON
{
  "stateDirectory": "$WORK/state",
  "defaults": { "server": "https://127.0.0.1:$ACME_PORT/dir", "caBundle": "$WORK/ca.pem",
                "email": "admin@demo.test" },
  "certs": {
    "demo": { "directory": "$WORK/certs/demo", "domains": ["demo.test", "www.demo.test"],
              "httpListen": "127.0.0.1:$HTTP_PORT", "renewBefore": "5s" }
  }
}
JSON
export CERTGUARD_CONFIG="$WORK/certguard.json"
failures=0
expect() { # expect CODE WHAT -- COMMAND...
  local want=$1 what=$2
  shift 3
  local cmd="$*"
  cmd=${cmd#"$(command -v node) "}
  show "node ${cmd//"$REPO/"/}"
  set +e
  "$@"
  local got=$?
  set -e
  if [ "$got" -eq "$want" ]; then
    printf '   -> exit %s (%s) %sas expected%s\n' "$got" "$what" "$GREEN" "$OFF"
  else
    printf '   -> exit %s, %sexpected %s (%s)%s\n' "$got" "$RED" "$want" "$what" "$OFF"
    failures=$((failures + 1))
  fi
}

step "1. Issue a certificate: certguard renew demo"
expect 0 "renewed" -- "${CERTGUARD[@]}" renew demo
ls -l "$WORK/certs/demo" | sed 's/^/   /'

step "2. The preflight (ExecStartPre=) passes; status shows the certificate"
expect 0 "usable" -- "${PREFLIGHT[@]}" demo
expect 0 "every certificate usable" -- "${CERTGUARD[@]}" status

step "3. The CA goes down"
kill "$PEBBLE_PID"
wait "$PEBBLE_PID" 2>/dev/null || true
echo "pebble stopped"

step "4. The preflight still passes, and renew does not fail the host"
expect 0 "usable" -- "${PREFLIGHT[@]}" demo
expect 0 "not due: decided from the file alone, no connection" -- "${CERTGUARD[@]}" renew demo
expect 75 "soft failure: renewal failed, certificate still usable" -- "${CERTGUARD[@]}" renew demo --force

step "5. The certificate expires"
not_after=$(openssl x509 -noout -enddate -in "$WORK/certs/demo/cert.pem" | cut -d= -f2)
wait_s=$(($(date -d "$not_after" +%s) - $(date +%s) + 2))
if [ "$wait_s" -gt 0 ]; then
  echo "waiting ${wait_s}s until $not_after ..."
  sleep "$wait_s"
fi
expect 1 "unusable: expired" -- "${PREFLIGHT[@]}" demo
expect 1 "hard failure: no usable certificate, CA still down" -- "${CERTGUARD[@]}" renew demo --force

echo
if [ "$failures" -eq 0 ]; then
  printf '%sDemo complete: every step behaved as expected.%s\n' "$BOLD" "$OFF"
else
  printf '%sDemo: %s step(s) did not behave as expected.%s\n' "$RED" "$failures" "$OFF"
  exit 1
fi
