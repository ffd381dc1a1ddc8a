#!/usr/bin/env bash
# shellcheck disable=SC2153  # LAB_* variables come from the state file
# Bring the whole lab up (idempotent, safe to rerun), then write .lab/state.env:
#   packages -> libvirtd -> network -> guest image -> guests -> btrfs RAID1 -> LXC container
#   -> LXD (unless LAB_WITH_LXD=0) -> Zabbix 6.0 -> Zabbix 7.0 -> state
source "$(dirname "$0")/lib.sh"
lab_lock

t0=$SECONDS
declare -a timings=()
step() {  # step SCRIPT: run one lab script and remember how long it took
  local s=$SECONDS
  "$LAB_SCRIPTS/$1" 9>&-   # no lock fd for the daemons it starts (lib.sh lab_lock)
  timings+=("$1 $((SECONDS - s))s")
}

step install-deps.sh
step libvirtd-up.sh
step net-up.sh
step guest-image.sh
step guests-up.sh
# A real btrfs RAID1 on two loop devices with guest hvbtr-guest's disk on it (BtrfsLabTests).
step btrfs-up.sh
step lxc-up.sh
# LXD (two busybox containers, a dir pool): LXDPoolLabTests and the lxd_pools collector's lab
# test. LAB_WITH_LXD=0 leaves it out (those tests are then skipped, except under CI=true).
if [[ "${LAB_WITH_LXD:-1}" != 0 ]]; then step lxd-up.sh; fi
# Zabbix 6.0 server and API for IntegrationTests/ZabbixServerTests (about 2 min the first time).
step zabbix-up.sh
# Zabbix 7.0 (Debian 13's) in a chroot next to it: about 2.5 min the first time (packages and
# schema; plus the trixie debootstrap if package-test.sh has not made it), 5 s after that.
step zabbix7-up.sh
step write-state.sh

# --- summary -----------------------------------------------------------------------
# shellcheck source=/dev/null
source "$LAB_STATE"
echo
echo "== hvexporter lab up in $((SECONDS - t0))s (${timings[*]})"
echo "libvirt:   $LAB_URI  (libvirtd pid $LAB_LIBVIRTD_PID)"
for key in $LAB_GUEST_KEYS; do
  n="LAB_GUEST_$key" s="LAB_STATE_$key" p="LAB_PID_$key" i="LAB_IP_$key"
  printf '  %-10s %-18s %-8s pid=%-7s ip=%s\n' "$key" "${!n}" "${!s}" "${!p:--}" "${!i}"
done
echo "container: $LAB_LXC_NAME  init pid $LAB_LXC_PID  ip $LAB_LXC_IP  cgroup $LAB_LXC_CGROUP"
if [[ -n "${LAB_LXD_SOCKET:-}" ]]; then
  echo "lxd:       $LAB_LXD_CT1 pid $LAB_LXD_CT1_PID ($LAB_LXD_CT1_CGROUP), $LAB_LXD_CT2 pid $LAB_LXD_CT2_PID ($LAB_LXD_CT2_CGROUP)"
fi
echo "network:   bridge $LAB_BRIDGE ($LAB_BRIDGE_IP), peer $LAB_PEER_IP in netns $LAB_NETNS"
echo "state:     $LAB_ROOT/$LAB_STATE (and state.json)"
