#!/usr/bin/env bash
# Benchmark guests for scenario "lab": N persistent TCG guests started paused
# (`virsh start --paused`: QEMU process, cgroups, block and net devices exist, no guest CPU),
# 64 MiB each, a 16 MiB qcow2 disk and a virtio NIC on the lab bridge.
#   bench/guests.sh up [N=40]     bench/guests.sh down
# Needs the lab (scripts/lab/up.sh) for libvirtd, the bridge and the guest kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
URI=${LAB_URI:-qemu:///system}
DIR=$ROOT/.lab/bench
KERNEL=$ROOT/.lab/image/vmlinuz
INITRD=$ROOT/.lab/image/initrd.img
BRIDGE=${LAB_BRIDGE:-hvbr0}
v() { timeout 60 virsh -q -c "$URI" "$@"; }

up() {
  local n=${1:-40}
  [[ -s $KERNEL && -s $INITRD ]] || { echo "no guest image: run scripts/lab/up.sh" >&2; exit 1; }
  mkdir -p "$DIR"
  # Three digits whatever N is, so a run at 120 after one at 60 adds guests 061-120 rather
  # than 120 more ("seq -w" would make hv-bench-01 at 60 and hv-bench-001 at 120).
  for i in $(seq 1 "$n"); do
    local name
    printf -v name 'hv-bench-%03d' "$i"
    if v domstate "$name" >/dev/null 2>&1; then
      [[ $(v domstate "$name") == "shut off" ]] && v start --paused "$name" >/dev/null
      continue
    fi
    [[ -f $DIR/$name.qcow2 ]] || qemu-img create -q -f qcow2 "$DIR/$name.qcow2" 16M
    cat > "$DIR/$name.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>$KERNEL</kernel><initrd>$INITRD</initrd>
    <cmdline>console=ttyS0 hv.name=$name</cmdline></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$DIR/$name.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <interface type='bridge'><source bridge='$BRIDGE'/><model type='virtio'/></interface>
    <memballoon model='virtio'><stats period='5'/></memballoon>
  </devices>
</domain>
XML
    v define "$DIR/$name.xml" >/dev/null
    v start --paused "$name" >/dev/null
  done
  echo "bench guests: $(v list --all --name | grep -c '^hv-bench-') defined" >&2
}

down() {
  for name in $(v list --all --name | grep '^hv-bench-' || true); do
    v destroy "$name" >/dev/null 2>&1 || true
    v undefine "$name" >/dev/null 2>&1 || true
  done
  rm -rf "$DIR"/hv-bench-*
}

case "${1:-}" in
  up) up "${2:-40}" ;;
  down) down ;;
  *) echo "usage: $0 up [N] | down" >&2; exit 2 ;;
esac
