#!/usr/bin/env bash
# Install the Debian packages needed to build hvexporter and to run the lab.
# Idempotent and quick: dpkg-query first, apt-get only for what is missing.
source "$(dirname "$0")/lib.sh"

PKGS=(
  # build
  pkg-config libvirt-dev libmicrohttpd-dev libudev-dev
  # libvirtd + QEMU (no libvirt-daemon-system: it wants systemd, lab.md)
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
  qemu-utils            # qemu-img for the guest disks
  # guest image: busybox for the initramfs, cpio/gzip/xz to pack and unpack
  busybox-static cpio gzip xz-utils
  # containers and networking
  lxc iproute2 bridge-utils
  # test and benchmark tools
  prometheus prometheus-libvirt-exporter zabbix-agent tmux curl jq hyperfine wrk valgrind
  # the btrfs RAID1 lab (btrfs-up.sh) and its tests (mkfs.btrfs, btrfs scrub, btrfs-map-logical)
  btrfs-progs
  # misc used by the scripts
  procps ca-certificates
  smartmontools         # smartctl for the smart collector and its tests
)

lab_apt_install "${PKGS[@]}"
lab_log "dependencies present (${#PKGS[@]} packages)"
