#!/usr/bin/env bash
# Remove what btrfs-up.sh made: the hvbtr-guest domain, the mount, the loop devices and
# their backing files. Idempotent.
source "$(dirname "$0")/lib.sh"

BTRFS_DIR=/var/lib/hvexporter-lab/btrfs
BTRFS_MNT=$BTRFS_DIR/mnt
BTRFS_GUEST=hvbtr-guest

if command -v virsh >/dev/null && timeout 10 virsh -q -c "$LAB_URI" version >/dev/null 2>&1; then
  if lab_virsh dominfo "$BTRFS_GUEST" >/dev/null 2>&1; then
    lab_virsh destroy "$BTRFS_GUEST" >/dev/null 2>&1 || true
    lab_virsh undefine "$BTRFS_GUEST" >/dev/null || lab_log "undefine $BTRFS_GUEST failed"
  fi
fi
if mountpoint -q "$BTRFS_MNT"; then
  fsid=$(findmnt -n -o UUID "$BTRFS_MNT" || true)
  # btrfs-progs' record of the last scrub of this filesystem.
  [[ -n "$fsid" ]] && rm -f "/var/lib/btrfs/scrub.status.$fsid"
  # A scrub or balance a test left running would keep the unmount busy.
  btrfs scrub cancel "$BTRFS_MNT" >/dev/null 2>&1 || true
  umount "$BTRFS_MNT" || lab_die "cannot unmount $BTRFS_MNT"
fi
# A mount namespace made while the RAID was mounted (the migration peer's, peer-up.sh) keeps
# its own copy of the mount: the loop devices then stay busy after `losetup -d` (marked
# autoclear, they go when that namespace does) and the files' space is freed then.
for i in 0 1; do
  f="$BTRFS_DIR/member$i.img"
  [[ -e "$f" ]] || continue
  for dev in $(losetup -j "$f" -O NAME -n 2>/dev/null); do losetup -d "$dev" || true; done
  rm -f "$f"
done
rm -rf "$BTRFS_DIR" "$LAB_DIR/$BTRFS_GUEST.xml"
lab_log "btrfs lab down"
