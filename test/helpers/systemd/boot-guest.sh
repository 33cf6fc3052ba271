#!/bin/sh
# Starts a guest: moves itself into the guest's cgroup v2 subtree, then becomes `unshare`, whose
# child is the guest's PID 1. --kill-child: if unshare dies, the guest dies with it; and
# --pdeathsig: if the test process that started us dies (even by SIGKILL), unshare dies.
# Usage: boot-guest.sh STATE_DIR CGROUP_DIR TARGET_UNIT NET(0|1)
set -eu
S=$1
CG=$2
TARGET=$3
NET=$4
echo $$ > "$CG/cgroup.procs"
NETFLAG=
[ "$NET" = 1 ] && NETFLAG=--net
exec setpriv --pdeathsig KILL unshare --kill-child --cgroup --pid --fork --mount --uts --ipc $NETFLAG --propagation private \
  /bin/sh "$(dirname "$0")/guest-init.sh" "$S" "$TARGET"
