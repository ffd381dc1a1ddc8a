#!/usr/bin/env bash
# Captures the real-host storage fixtures (real-host/): this machine's /proc/self/mountinfo
# and the sysfs files the storage-stack resolver reads, with these layouts built first (all
# named hvstk-*, removed at the end):
#   - ext4 on loop A (file /var/tmp/hvstk-ext4.img on the root ext4 on vda), mounted at
#     /var/tmp/hvstk-mnt-ext4, holding disk.qcow2: file -> ext4 -> loop -> file -> ext4 -> vda
#   - btrfs RAID1 over loops B and C (files /var/tmp/hvstk-btrfs-{b,c}.img), mounted at
#     /var/tmp/hvstk-mnt-btrfs, holding disk.raw
#   - loop D on /var/tmp/hvstk-gone.img, file deleted after losetup (backing file "(deleted)")
#   - the mountinfo of the LXC container hv-ct1's init (the lab's container), if it runs
# Run as root on the lab machine: bash capture-real-host.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/real-host"
tmp=/var/tmp
loops=()
cleanup() {
  umount "$tmp/hvstk-mnt-ext4" 2>/dev/null || true
  umount "$tmp/hvstk-mnt-btrfs" 2>/dev/null || true
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -rf "$tmp"/hvstk-ext4.img "$tmp"/hvstk-btrfs-b.img "$tmp"/hvstk-btrfs-c.img "$tmp"/hvstk-gone.img \
    "$tmp/hvstk-mnt-ext4" "$tmp/hvstk-mnt-btrfs"
}
trap cleanup EXIT

truncate -s 64M "$tmp/hvstk-ext4.img"
mkfs.ext4 -q -F "$tmp/hvstk-ext4.img"
a=$(losetup --find --show "$tmp/hvstk-ext4.img"); loops+=("$a")
mkdir -p "$tmp/hvstk-mnt-ext4"; mount "$a" "$tmp/hvstk-mnt-ext4"
truncate -s 1M "$tmp/hvstk-mnt-ext4/disk.qcow2"

truncate -s 256M "$tmp/hvstk-btrfs-b.img" "$tmp/hvstk-btrfs-c.img"
b=$(losetup --find --show "$tmp/hvstk-btrfs-b.img"); loops+=("$b")
c=$(losetup --find --show "$tmp/hvstk-btrfs-c.img"); loops+=("$c")
mkfs.btrfs -q -f -L hvstk-raid1 -d raid1 -m raid1 "$b" "$c" >/dev/null
mkdir -p "$tmp/hvstk-mnt-btrfs"; mount "$b" "$tmp/hvstk-mnt-btrfs"
truncate -s 1M "$tmp/hvstk-mnt-btrfs/disk.raw"

truncate -s 1M "$tmp/hvstk-gone.img"
d=$(losetup --find --show "$tmp/hvstk-gone.img"); loops+=("$d")
rm -f "$tmp/hvstk-gone.img"

rm -rf "$out"; mkdir -p "$out/proc/self" "$out/sys/dev/block" "$out/sys/class/block"
cp /proc/self/mountinfo "$out/proc/self/mountinfo"
ct=$(lxc-info -n hv-ct1 -p -H 2>/dev/null || true)
if [ -n "$ct" ]; then mkdir -p "$out/proc/lxc-hv-ct1"; cp "/proc/$ct/mountinfo" "$out/proc/lxc-hv-ct1/mountinfo"; fi

cp -P /sys/dev/block/* "$out/sys/dev/block/"
cp -P /sys/class/block/* "$out/sys/class/block/"
for link in /sys/class/block/*; do
  dir=$(readlink -f "$link"); rel=${dir#/sys/}
  mkdir -p "$out/sys/$rel"
  for f in dev partition size loop/backing_file dm/name dm/uuid md/level; do
    if [ -f "$dir/$f" ]; then mkdir -p "$(dirname "$out/sys/$rel/$f")"; cat "$dir/$f" > "$out/sys/$rel/$f" 2>/dev/null || true; fi
  done
  # Only non-empty holders/ and slaves/ (git keeps no empty directory; the reader takes a
  # missing one as empty).
  for sub in holders slaves; do
    for e in "$dir/$sub"/*; do
      [ -e "$e" ] || [ -L "$e" ] || continue
      mkdir -p "$out/sys/$rel/$sub"; cp -P "$e" "$out/sys/$rel/$sub/"
    done
  done
done
for fs in /sys/fs/btrfs/*/; do
  [ -d "$fs/devices" ] || continue
  id=$(basename "$fs"); mkdir -p "$out/sys/fs/btrfs/$id/devices"
  cat "$fs/label" > "$out/sys/fs/btrfs/$id/label"
  cp -P "$fs/devices"/* "$out/sys/fs/btrfs/$id/devices/"
done
{
  echo "captured $(date -u +%FT%TZ) on $(uname -r)"
  echo "ext4-on-loop $a  btrfs-raid1 $b $c  deleted-backing $d  hv-ct1 init ${ct:-none}"
} > "$out/CAPTURED"
echo "captured into $out"
