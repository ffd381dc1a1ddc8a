# Timed steps, failures and a chroot for scripts/package-test.sh and scripts/systemd-test.sh
# (sourced).
# Set `me` first: the prefix of every line they print ("package-test bookworm").
#   log MSG      to stderr            fail MSG   "<me>: FAIL: MSG" on stdout, exit 1
#   step NAME    ends the current step and prints its time; `total` prints the whole run's
# A failing command anywhere prints "<me>: FAIL: line N: <command> exited with S".
# Also sources scripts/retry.sh (retry N CMD...).
t0=$(date +%s.%N)
step_start=$t0
log() { echo "$me: $*" >&2; }
fail() { echo "$me: FAIL: $*"; exit 1; }
trap 'echo "$me: FAIL: line $LINENO: $BASH_COMMAND exited with $?"' ERR
elapsed_since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { print a - b }'; }
step() {
    printf '%s: %-58s %6.1f s\n' "$me" "$1" "$(elapsed_since "$step_start")" >&2
    step_start=$(date +%s.%N)
}
total() { printf '%s: %-58s %6.1f s\n' "$me" "total" "$(elapsed_since "$t0")" >&2; }
# shellcheck source=scripts/retry.sh
. "$(dirname "${BASH_SOURCE[0]}")/retry.sh"
# A Debian root at "$root" to work in with chroot:
#   mount_root     its resolv.conf from the host, /proc, /sys, /dev and /dev/pts mounted
#   unmount_root   all four unmounted (quietly when they are not mounted)
#   in_root CMD... runs CMD in it with a clean environment
mount_root() {
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --bind /dev "$root/dev"
    mount --bind /dev/pts "$root/dev/pts"
}
unmount_root() {
    local m
    for m in dev/pts dev sys proc; do mountpoint -q "$root/$m" && umount -l "$root/$m" || true; done
}
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
