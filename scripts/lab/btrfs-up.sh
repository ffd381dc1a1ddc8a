#!/usr/bin/env bash
# A real btrfs RAID1 on two loop devices, with the disk of a small guest on it:
#   /var/lib/hvexporter-lab/btrfs/member{0,1}.img  backing files (256 MiB each, sparse)
#   /var/lib/hvexporter-lab/btrfs/mnt             the mounted filesystem (label hvbtr-lab,
#                                                  data and metadata raid1)
#   <mnt>/hvbtr-guest.qcow2                        disk of libvirt domain hvbtr-guest
#                                                  (defined, shut off: it never needs to run)
# This kernel has btrfs built in and loop devices but no md or device-mapper (lab.md), so
# this is the one real multi-device RAID the lab can have. Idempotent; btrfs-down.sh
# removes it all. Writes the state as KEY='value' lines to <dir>/state.env.
source "$(dirname "$0")/lib.sh"

BTRFS_DIR=/var/lib/hvexporter-lab/btrfs
BTRFS_MNT=$BTRFS_DIR/mnt
BTRFS_LABEL=hvbtr-lab
BTRFS_GUEST=hvbtr-guest
BTRFS_ENV="$BTRFS_DIR/state.env"   # read by IntegrationTests/BtrfsLabTests

lab_apt_install btrfs-progs qemu-utils e2fsprogs
grep -qw btrfs /proc/filesystems || lab_die "this kernel has no btrfs"
mkdir -p "$BTRFS_DIR" "$BTRFS_MNT" "$LAB_DIR"

# The loop device backing FILE, attached if it is not yet.
loop_for() {
  local file=$1 dev
  dev=$(losetup -j "$file" -O NAME -n 2>/dev/null | head -n 1)
  if [[ -z "$dev" ]]; then
    dev=$(losetup -f --show "$file") || lab_die "losetup $file failed"
  fi
  printf '%s' "$dev"
}

fresh=0
for i in 0 1; do
  f="$BTRFS_DIR/member$i.img"
  if [[ ! -e "$f" ]]; then
    truncate -s 256M "$f"
    fresh=1
  fi
done
dev0=$(loop_for "$BTRFS_DIR/member0.img")
dev1=$(loop_for "$BTRFS_DIR/member1.img")

if ! mountpoint -q "$BTRFS_MNT"; then
  if (( fresh )) || ! blkid -p -s TYPE -o value "$dev0" 2>/dev/null | grep -qx btrfs; then
    lab_log "mkfs.btrfs raid1 on $dev0 $dev1"
    mkfs.btrfs -q -f -L "$BTRFS_LABEL" -d raid1 -m raid1 "$dev0" "$dev1" >/dev/null
  fi
  btrfs device scan "$dev0" "$dev1" >/dev/null 2>&1 || true
  mount -t btrfs "$dev0" "$BTRFS_MNT" 2>/dev/null ||
    mount -t btrfs -o degraded "$dev0" "$BTRFS_MNT" ||
    lab_die "cannot mount $dev0 on $BTRFS_MNT"
fi
fsid=$(findmnt -n -o UUID "$BTRFS_MNT")
[[ -d /sys/fs/btrfs/$fsid ]] || lab_die "no /sys/fs/btrfs/$fsid for $BTRFS_MNT"

# --- the guest whose disk lives on the RAID --------------------------------------------
disk="$BTRFS_MNT/$BTRFS_GUEST.qcow2"
[[ -e "$disk" ]] || qemu-img create -q -f qcow2 "$disk" 64M
if command -v virsh >/dev/null && timeout 10 virsh -q -c "$LAB_URI" version >/dev/null 2>&1; then
  if ! lab_virsh dominfo "$BTRFS_GUEST" >/dev/null 2>&1; then
    xml="$LAB_DIR/$BTRFS_GUEST.xml"
    cat >"$xml" <<XML
<domain type='qemu'>
  <!-- TCG (lab.md); defined and shut off: only its disk's place matters -->
  <name>$BTRFS_GUEST</name>
  <title>hvexporter lab guest on the btrfs RAID1</title>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$(lab_xml_escape "$disk")'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
XML
    lab_virsh define "$xml" >/dev/null || lab_die "virsh define $BTRFS_GUEST failed"
    lab_log "defined $BTRFS_GUEST (shut off), disk $disk"
  fi
else
  lab_log "libvirtd not answering: $BTRFS_GUEST not defined"
fi

{
  echo "# hvexporter btrfs lab, written by scripts/lab/btrfs-up.sh"
  echo "LAB_BTRFS_UUID=$(lab_shquote "$fsid")"
  echo "LAB_BTRFS_LABEL=$(lab_shquote "$BTRFS_LABEL")"
  echo "LAB_BTRFS_MOUNT=$(lab_shquote "$BTRFS_MNT")"
  echo "LAB_BTRFS_DEV0=$(lab_shquote "${dev0#/dev/}")"
  echo "LAB_BTRFS_DEV1=$(lab_shquote "${dev1#/dev/}")"
  echo "LAB_BTRFS_FILE0=$(lab_shquote "$BTRFS_DIR/member0.img")"
  echo "LAB_BTRFS_FILE1=$(lab_shquote "$BTRFS_DIR/member1.img")"
  echo "LAB_BTRFS_GUEST=$(lab_shquote "$BTRFS_GUEST")"
  echo "LAB_BTRFS_GUEST_DISK=$(lab_shquote "$disk")"
} >"$BTRFS_ENV"
lab_log "btrfs raid1 $fsid on ${dev0#/dev/} ${dev1#/dev/} at $BTRFS_MNT"
