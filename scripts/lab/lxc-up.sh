#!/usr/bin/env bash
# LXC container hv-ct1 (busybox, made offline) on the lab bridge at 10.99.0.21,
# running a small load: CPU spin, 1 MiB write+read, a ping to the peer now and then.
# Idempotent: an existing container is reused; a running one is left alone
# unless its config had to change.
source "$(dirname "$0")/lib.sh"

CT=$LAB_LXC_NAME
CT_DIR=/var/lib/lxc/$CT
CONF=$CT_DIR/config
ROOTFS=$CT_DIR/rootfs
mkdir -p "$LAB_DIR/lxc"
ip link show "$LAB_BRIDGE" >/dev/null 2>&1 || lab_die "no bridge $LAB_BRIDGE: run scripts/lab/net-up.sh"

if [[ ! -f "$CONF" ]]; then
  lab_log "creating container $CT (busybox template, offline)"
  lxc-create -n "$CT" -t busybox >"$LAB_DIR/lxc/create.log" 2>&1 ||
    lab_die "lxc-create -n $CT -t busybox failed: $(tail -n 5 "$LAB_DIR/lxc/create.log")"
fi

# --- config: our network and apparmor lines replace the template's ----------------
# (the template copies /etc/lxc/default.conf: veth on lxcbr0, which does not
# exist here, and a generated apparmor profile; lab.md says unconfined)
old_conf=$(cat "$CONF")
new_conf=$(
  sed -e '/^# BEGIN hvexporter lab/,/^# END hvexporter lab/d' \
      -e '/^lxc\.net\./d' -e '/^lxc\.apparmor\./d' -e '/^lxc\.start\.auto/d' "$CONF"
  cat <<CONF
# BEGIN hvexporter lab (scripts/lab/lxc-up.sh)
lxc.net.0.type = veth
lxc.net.0.link = $LAB_BRIDGE
lxc.net.0.flags = up
lxc.net.0.name = eth0
lxc.net.0.veth.pair = hvct1-veth
lxc.net.0.hwaddr = $(lab_mac "$LAB_LXC_IP")
lxc.net.0.ipv4.address = $LAB_LXC_IP/$LAB_PREFIX
lxc.apparmor.profile = unconfined
lxc.start.auto = 0
# END hvexporter lab
CONF
)
conf_changed=0
if [[ "$old_conf" != "$new_conf" ]]; then
  printf '%s\n' "$new_conf" >"$CONF"
  conf_changed=1
fi

# --- rootfs: load script started by busybox init ------------------------------------
mkdir -p "$ROOTFS/var/log" "$ROOTFS/var/tmp"
cat >"$ROOTFS/bin/hvload.sh" <<LOAD
#!/bin/sh
# hvexporter lab load (scripts/lab/lxc-up.sh). Status of the last round in
# /var/log/hvload.log (overwritten each round, so it never grows).
i=0 p=none
while :; do
  i=\$((i+1))
  c=0; while [ \$c -lt 20000 ]; do c=\$((c+1)); done
  dd if=/dev/zero of=/var/tmp/hvload.dat bs=64k count=16 conv=fsync 2>/dev/null
  dd if=/var/tmp/hvload.dat of=/dev/null bs=64k iflag=direct 2>/dev/null
  if [ \$((i % 3)) -eq 1 ]; then
    if ping -c 1 -W 1 $LAB_PEER_IP >/dev/null 2>&1; then p=ok; else p=fail; fi
  fi
  echo "hvload round=\$i ping=\$p" >/var/log/hvload.log
  sleep 3
done
LOAD
chmod 755 "$ROOTFS/bin/hvload.sh"
inittab_line='::respawn:/bin/hvload.sh'
grep -qxF "$inittab_line" "$ROOTFS/etc/inittab" || { echo "$inittab_line" >>"$ROOTFS/etc/inittab"; conf_changed=1; }
# The template's rcS runs udhcpc, which blocks sysinit (so init never reaches the
# respawn line) while it waits for a DHCP server that does not exist here.
if grep -q '^/bin/udhcpc' "$ROOTFS/etc/init.d/rcS"; then
  sed -i 's|^/bin/udhcpc|# /bin/udhcpc  (static address from lxc.net.0.ipv4.address)|' "$ROOTFS/etc/init.d/rcS"
  conf_changed=1
fi

# --- start -----------------------------------------------------------------------------
state=$(lxc-info -n "$CT" -s -H)
if [[ "$state" == RUNNING && $conf_changed -eq 1 ]]; then
  lab_log "$CT config changed: restarting"
  lxc-stop -n "$CT" -k
  state=STOPPED
fi
if [[ "$state" != RUNNING ]]; then
  # A container whose processes were killed (a session that stopped, a host that
  # lost its LXC monitor) leaves its cgroups behind, and lxc-start then quietly
  # picks "/lxc.payload.$CT-1" instead. Empty leftovers go first, deepest first.
  lab_remove_stale_lxc_cgroups "$CT"
  lab_log "starting $CT"
  rm -f "$ROOTFS/var/log/hvload.log"
  lxc-start -n "$CT" -d -o "$LAB_DIR/lxc/$CT.log" -l WARN
  lxc-wait -n "$CT" -s RUNNING -t 30 || lab_die "$CT did not reach RUNNING within 30 s (see $LAB_DIR/lxc/$CT.log)"
fi

# The host end of the container's veth must sit on the bridge (it falls off when
# the bridge is deleted and recreated under a running container).
if ! grep -q "master $LAB_BRIDGE " <<<"$(ip link show dev hvct1-veth)"; then
  lab_log "re-attaching hvct1-veth to $LAB_BRIDGE"
  ip link set dev hvct1-veth master "$LAB_BRIDGE" up
fi

# --- verify: init pid, cgroup, load loop ---------------------------------------------------
pid=$(lxc-info -n "$CT" -p -H)
[[ "$pid" =~ ^[0-9]+$ ]] || lab_die "lxc-info gives no PID for $CT"
cg="/lxc.payload.$CT"
if ! grep -q ":$cg\$" "/proc/$pid/cgroup"; then
  # LXC names the cgroup NAME-N when a leftover NAME could not be removed; the
  # exporter follows the container's monitor there, so this is a warning.
  renamed=$(grep -o ":$cg-[0-9]*\$" "/proc/$pid/cgroup" | head -n 1 | cut -c2-)
  [[ -n "$renamed" ]] || lab_die "init pid $pid of $CT is not in cgroup $cg: $(cat "/proc/$pid/cgroup")"
  lab_log "WARNING: $CT runs in $renamed (a leftover $cg is in the way)"
  cg=$renamed
fi
lab_wait 30 "load loop of $CT ($ROOTFS/var/log/hvload.log)" grep -q 'round=' "$ROOTFS/var/log/hvload.log"
lab_log "$CT running: init pid $pid, cgroup $cg, $(cat "$ROOTFS/var/log/hvload.log")"
