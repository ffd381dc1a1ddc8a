#!/bin/sh
# /init of the lab guests' initramfs (busybox sh; packed by guest-image.sh).
# Kernel cmdline parameters:
#   hv.ip=A.B.C.D/NN   address of eth0 (required for network load)
#   hv.peer=A.B.C.D    test peer to ping (default 10.99.0.1)
#   hv.name=...        label printed on the console
#   hv.sleep=N         seconds between load rounds (default 4)
# Every round: write then read a few MiB on /dev/vda with O_DIRECT, ping the
# peer twice, spin the CPU briefly, print one "hvload round=N ..." line.

export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

IP="" PEER=10.99.0.1 NAME=guest PAUSE=4
for w in $(cat /proc/cmdline); do
  case "$w" in
    hv.ip=*)    IP=${w#hv.ip=} ;;
    hv.peer=*)  PEER=${w#hv.peer=} ;;
    hv.name=*)  NAME=${w#hv.name=} ;;
    hv.sleep=*) PAUSE=${w#hv.sleep=} ;;
  esac
done

echo "hvload: init starting name=$NAME ip=$IP peer=$PEER"
# virtio modules in dependency order (lab.md)
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
         virtio_blk failover net_failover virtio_net virtio_balloon; do
  insmod /lib/modules/$m.ko || echo "hvload: insmod $m failed"
done

n=0
while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n+1)); done
[ -b /dev/vda ] || echo "hvload: no /dev/vda"

ip link set lo up
n=0
while ! ip link show eth0 >/dev/null 2>&1 && [ $n -lt 50 ]; do sleep 0.1; n=$((n+1)); done
ip link set eth0 up
[ -n "$IP" ] && ip addr add "$IP" dev eth0

echo "hvload: loop started"
i=0
while :; do
  i=$((i+1))
  # 4 MiB per round, walking over the first 32 MiB of the disk
  off=$(( (i % 8) * 4 ))
  if dd if=/dev/zero of=/dev/vda bs=1M count=4 seek=$off oflag=direct 2>/dev/null; then w=ok; else w=fail; fi
  if dd if=/dev/vda of=/dev/null bs=1M count=4 skip=$off iflag=direct 2>/dev/null; then r=ok; else r=fail; fi
  if ping -c 2 -W 1 "$PEER" >/dev/null 2>&1; then p=ok; else p=fail; fi
  c=0; while [ $c -lt 20000 ]; do c=$((c+1)); done   # CPU
  echo "hvload round=$i name=$NAME write=$w read=$r ping=$p"
  sleep "$PAUSE"
done
