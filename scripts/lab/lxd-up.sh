#!/usr/bin/env bash
# LXD (5.0, Debian package) with two unprivileged busybox containers on hvbr0:
#   hv-lxd1  project "default"  10.99.0.31  cgroup /lxc.payload.hv-lxd1
#   hv-lxd2  project "hvproj"   10.99.0.32  cgroup /lxc.payload.hvproj_hv-lxd2
# Offline (lab.md): `lxd --group root` started by hand, `lxd init --preseed` with a
# dir pool and a default profile whose eth0 is bridged on hvbr0 (LXD's own
# network setup fails here), and a local image built from the busybox template.
# Idempotent. Needs net-up.sh first. Part of up.sh unless LAB_WITH_LXD=0.
source "$(dirname "$0")/lib.sh"

LXD_DIR=/var/lib/lxd
export LXD_DIR
WORK="$LAB_DIR/lxd"
IMAGE_ALIAS=hv-busybox
mkdir -p "$WORK"
ip link show "$LAB_BRIDGE" >/dev/null 2>&1 || lab_die "no bridge $LAB_BRIDGE: run scripts/lab/net-up.sh"

lab_apt_install lxd lxd-client

# --- daemon ----------------------------------------------------------------------
if ! timeout 10 lxc query /1.0 >/dev/null 2>&1; then
  lab_log "starting lxd"
  # LXD starts the containers that ran when it died; the cgroups their killed processes
  # left behind would make liblxc put them in "NAME-1" (see lib.sh): gone first.
  lab_remove_stale_lxc_cgroups hv-lxd1
  lab_remove_stale_lxc_cgroups hvproj_hv-lxd2
  # setsid + no inherited fds: the daemon must not keep our terminal or lock fd.
  setsid lxd --group root --logfile "$LAB_ROOT/$WORK/lxd.log" </dev/null >/dev/null 2>&1 9>&- &
  timeout 60 lxd waitready --timeout 60 || lab_die "lxd not ready within 60 s (see $WORK/lxd.log)"
fi

# --- storage pool and default profile ------------------------------------------------
if ! timeout 20 lxc storage show default >/dev/null 2>&1; then
  lab_log "lxd init --preseed (dir pool, eth0 bridged on $LAB_BRIDGE)"
  timeout 60 lxd init --preseed <<PRESEED
config: {}
networks: []
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root:
      path: /
      pool: default
      type: disk
    eth0:
      name: eth0
      nictype: bridged
      parent: $LAB_BRIDGE
      type: nic
projects: []
PRESEED
fi

# --- image: busybox rootfs made by the lxc-busybox template ---------------------------
if ! timeout 20 lxc image info "$IMAGE_ALIAS" >/dev/null 2>&1; then
  lab_log "building image $IMAGE_ALIAS"
  tmpl="$WORK/tmpl"
  rm -rf "$tmpl" "$WORK/image"
  mkdir -p "$tmpl" "$WORK/image"
  # -P: a private lxcpath, so no container definition lands in /var/lib/lxc.
  lxc-create -P "$LAB_ROOT/$tmpl" -n tmpl -t busybox >"$WORK/tmpl.log" 2>&1 ||
    lab_die "lxc-create -t busybox failed: $(tail -n 5 "$WORK/tmpl.log")"
  rootfs="$tmpl/tmpl/rootfs"
  # Static address by hostname (LXD sets the container name as hostname); no
  # udhcpc (no DHCP server here, and it would block busybox init's sysinit).
  cat >"$rootfs/etc/init.d/rcS" <<'RCS'
#!/bin/sh
/bin/syslogd
/bin/mount -a
ip link set lo up
ip link set eth0 up
case "$(hostname)" in
  hv-lxd1) ip addr add 10.99.0.31/24 dev eth0 ;;
  hv-lxd2) ip addr add 10.99.0.32/24 dev eth0 ;;
esac
RCS
  chmod 755 "$rootfs/etc/init.d/rcS"
  mkdir -p "$rootfs/var/log" "$rootfs/var/tmp"
  cat >"$rootfs/bin/hvload.sh" <<LOAD
#!/bin/sh
# hvexporter lab load: CPU spin, 1 MiB write+read, a ping to the peer every 3rd round.
i=0 p=none
while :; do
  i=\$((i+1))
  c=0; while [ \$c -lt 20000 ]; do c=\$((c+1)); done
  dd if=/dev/zero of=/var/tmp/hvload.dat bs=64k count=16 conv=fsync 2>/dev/null
  dd if=/var/tmp/hvload.dat of=/dev/null bs=64k 2>/dev/null
  if [ \$((i % 3)) -eq 1 ]; then
    if ping -c 1 -W 1 $LAB_PEER_IP >/dev/null 2>&1; then p=ok; else p=fail; fi
  fi
  echo "hvload round=\$i ping=\$p" >/var/log/hvload.log
  sleep 3
done
LOAD
  chmod 755 "$rootfs/bin/hvload.sh"
  echo '::respawn:/bin/hvload.sh' >>"$rootfs/etc/inittab"
  cat >"$WORK/image/metadata.yaml" <<META
architecture: x86_64
creation_date: $(date +%s)
properties:
  description: hvexporter lab busybox
  os: busybox
  release: lab
META
  tar -C "$WORK/image" -czf "$WORK/image/meta.tar.gz" metadata.yaml
  tar -C "$rootfs" --numeric-owner -czf "$WORK/image/rootfs.tar.gz" .
  timeout 120 lxc image import "$WORK/image/meta.tar.gz" "$WORK/image/rootfs.tar.gz" --alias "$IMAGE_ALIAS" >/dev/null
  rm -rf "$tmpl"
fi

# --- project with the default project's profiles and images --------------------------
if ! timeout 20 lxc project show hvproj >/dev/null 2>&1; then
  timeout 20 lxc project create hvproj -c features.profiles=false -c features.images=false >/dev/null
fi

# --- containers -----------------------------------------------------------------------
ensure_ct() {  # ensure_ct NAME PROJECT
  local name=$1 project=$2 status
  status=$(timeout 20 lxc list --project "$project" --format csv -c s "^$name\$" 2>/dev/null || true)
  # LXD names the cgroup lxc.payload.NAME (PROJECT_NAME outside the default project);
  # one left behind by killed processes makes liblxc pick "NAME-1" (see lib.sh).
  local cgname=$name
  [[ $project == default ]] || cgname="${project}_$name"
  [[ $status == RUNNING ]] || lab_remove_stale_lxc_cgroups "$cgname"
  case "$status" in
    RUNNING) ;;
    "")      lab_log "launching $name (project $project)"
             timeout 120 lxc launch "$IMAGE_ALIAS" "$name" --project "$project" >/dev/null ;;
    *)       lab_log "starting $name (was $status)"
             timeout 60 lxc start "$name" --project "$project" ;;
  esac
}
ensure_ct hv-lxd1 default
ensure_ct hv-lxd2 hvproj

# --- verify: pid, cgroup, load loop -------------------------------------------------------
for spec in "hv-lxd1|default|lxc.payload.hv-lxd1" "hv-lxd2|hvproj|lxc.payload.hvproj_hv-lxd2"; do
  IFS='|' read -r name project cg <<<"$spec"
  pid=$(timeout 20 lxc query "/1.0/instances/$name/state?project=$project" | jq -r .pid)
  [[ "$pid" =~ ^[1-9][0-9]*$ ]] || lab_die "no init pid for $name"
  grep -q ":/$cg\$" "/proc/$pid/cgroup" || lab_die "$name (pid $pid) is not in cgroup /$cg: $(cat "/proc/$pid/cgroup")"
  lab_wait 30 "load loop of $name" timeout 10 lxc exec "$name" --project "$project" -- grep -q 'ping=ok' /var/log/hvload.log
  lab_log "$name running: pid $pid, cgroup /$cg"
done
