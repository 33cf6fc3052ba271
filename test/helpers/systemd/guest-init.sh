#!/bin/sh
# PID 1 of the guest's fresh namespaces until it execs systemd. Builds a throw-away root: an overlay
# of the host's / (so node, systemd and the repo are there) with the staged files copied on top,
# fresh proc/sysfs/cgroup2/dev/run/tmp, then pivots into it. Never bind the host's /sys: systemd
# would rewrite the host's cgroup tree (see /work/shared/notes/systemd-harness.md).
# Usage: guest-init.sh STATE_DIR TARGET_UNIT
set -eu
S=$1
TARGET=$2
mount --make-rprivate /
mkdir -p "$S/t"
mount -t tmpfs -o mode=0755 tmpfs "$S/t"
mkdir -p "$S/t/upper" "$S/t/work" "$S/t/root"
cp -a "$S/stage/." "$S/t/upper/"
mount -t overlay overlay -o "lowerdir=/,upperdir=$S/t/upper,workdir=$S/t/work" "$S/t/root"
R=$S/t/root
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
# In the cgroup namespace the root of this cgroup2 mount is the guest's own subtree.
mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup"
mount -t tmpfs -o mode=0755,nosuid tmpfs "$R/dev"
for d in null zero full random urandom tty; do
  touch "$R/dev/$d"
  mount --bind "/dev/$d" "$R/dev/$d"
done
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
ln -s pts/ptmx "$R/dev/ptmx"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
touch "$R/dev/console"
mount --bind "$S/console.log" "$R/dev/console"
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$R/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/tmp"
mkdir -p "$R/.oldroot"
cd "$R"
pivot_root . .oldroot
umount -l /.oldroot
rmdir /.oldroot 2>/dev/null || true
export container=certguard-test
exec /lib/systemd/systemd --system "--unit=$TARGET" </dev/console >/dev/console 2>&1
