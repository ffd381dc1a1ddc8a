#!/usr/bin/env bash
# Benchmark containers for the growth scenario: N LXC containers from the busybox template
# (like the lab's hv-ct1, without its load or network: an empty network namespace each),
# started and left idle.
#   bench/containers.sh up [N=200]     bench/containers.sh down
# Needs lxc (scripts/lab/install-deps.sh) and root.
set -euo pipefail
PREFIX=hvb-ct-

up() {
  local n=${1:-200} i name
  for i in $(seq -w 1 "$n"); do
    name=$PREFIX$i
    if [[ ! -f /var/lib/lxc/$name/config ]]; then
      lxc-create -n "$name" -t busybox >/dev/null 2>&1 || { echo "lxc-create $name failed" >&2; exit 1; }
      sed -i -e '/^lxc\.net\./d' -e '/^lxc\.apparmor\./d' "/var/lib/lxc/$name/config"
      printf 'lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\nlxc.start.auto = 0\n' >> "/var/lib/lxc/$name/config"
      sed -i 's|^/bin/udhcpc|# /bin/udhcpc|' "/var/lib/lxc/$name/rootfs/etc/init.d/rcS" 2>/dev/null || true
    fi
    [[ $(lxc-info -n "$name" -s -H) == RUNNING ]] || lxc-start -n "$name" -d
  done
  echo "bench containers: $(lxc-ls --running | tr ' ' '\n' | grep -c "^$PREFIX") running" >&2
}

down() {
  local name
  for name in $(lxc-ls | tr ' ' '\n' | grep "^$PREFIX" || true); do
    lxc-stop -n "$name" -k >/dev/null 2>&1 || true
    lxc-destroy -n "$name" >/dev/null 2>&1 || true
  done
}

case "${1:-}" in
  up) up "${2:-200}" ;;
  down) down ;;
  *) echo "usage: $0 up [N] | down" >&2; exit 2 ;;
esac
