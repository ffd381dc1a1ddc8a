#!/usr/bin/env bash
# A second libvirtd on this machine, the destination of live-migration tests (lab.md):
#   netns "hvmig" joined to the root namespace by veth hvmig-a (10.98.0.1/24, root side)
#   <-> hvmig-b (10.98.0.2/24, inside the netns); inside it, in its own mount and UTS
#   namespace, virtlogd + libvirtd (-l: TCP on 10.98.0.2:16509, auth_tcp none) with
#   private /run/libvirt, /etc/libvirt (a copy without domain or pool definitions and with a
#   distinct host_uuid), /var/log/libvirt, /var/lib/libvirt and /var/cache/libvirt, all
#   kept under .lab/peer/. The repository (guest disks) stays shared.
# Reach it as qemu+tcp://10.98.0.2/system (or through .lab/peer/run/libvirt-sock).
# Idempotent: a peer daemon that answers is left alone. Tear down with peer-down.sh.
# Needs libvirtd-up.sh first (packages, the libvirt-qemu user, qemu.conf).
source "$(dirname "$0")/lib.sh"

PEER_NS=hvmig
PEER_VETH_ROOT=hvmig-a
PEER_VETH_NS=hvmig-b
PEER_ROOT_IP=10.98.0.1
PEER_IP=10.98.0.2
PEER_DIR="$LAB_ROOT/$LAB_DIR/peer"
PEER_URI="qemu+tcp://$PEER_IP/system"

peer_answers() { timeout 10 virsh -q -c "$PEER_URI" version >/dev/null 2>&1; }

# --- network -------------------------------------------------------------------------
if ! grep -qw "^$PEER_NS" <<<"$(ip netns list)"; then
  lab_log "creating netns $PEER_NS"
  ip netns add "$PEER_NS"
fi
if ! ip link show "$PEER_VETH_ROOT" >/dev/null 2>&1; then
  ip -n "$PEER_NS" link del "$PEER_VETH_NS" 2>/dev/null || true
  ip link add "$PEER_VETH_ROOT" type veth peer name "$PEER_VETH_NS" netns "$PEER_NS"
fi
ip link set "$PEER_VETH_ROOT" up
if ! grep -q "inet $PEER_ROOT_IP/" <<<"$(ip -4 addr show dev "$PEER_VETH_ROOT")"; then
  ip addr add "$PEER_ROOT_IP/24" dev "$PEER_VETH_ROOT"
fi
ip -n "$PEER_NS" link set lo up
ip -n "$PEER_NS" link set "$PEER_VETH_NS" up
if ! grep -q "inet $PEER_IP/" <<<"$(ip -n "$PEER_NS" -4 addr show dev "$PEER_VETH_NS")"; then
  ip -n "$PEER_NS" addr add "$PEER_IP/24" dev "$PEER_VETH_NS"
fi
lab_wait 10 "ping $PEER_IP (netns $PEER_NS)" busybox ping -c 1 -W 1 "$PEER_IP"

# A peer that answers is ours only when its state is here: one started from another
# checkout, or whose directories were removed under it (a re-cloned checkout), fails
# migrations ("Cannot create directory /var/lib/libvirt/qemu/domain-..."); it is replaced.
if peer_answers && [[ -s "$PEER_DIR/run/peer-libvirtd.pid" && -d "$PEER_DIR/lib" ]]; then
  lab_log "peer libvirtd already answers on $PEER_URI"
  exit 0
fi

# --- private directories ---------------------------------------------------------------
# Stale daemons (answering nowhere) are stopped first; their pid files are private.
"$LAB_SCRIPTS/peer-down.sh" --daemons-only
rm -rf "$PEER_DIR"
mkdir -p "$PEER_DIR"/{etc,run,log,lib,cache}
# /etc/libvirt without the root daemon's domains, pools, networks and autostart links.
cp -a /etc/libvirt/. "$PEER_DIR/etc/"
rm -rf "$PEER_DIR/etc/qemu" "$PEER_DIR/etc/storage" "$PEER_DIR/etc/nwfilter"/*.xml 2>/dev/null || true
mkdir -p "$PEER_DIR/etc/qemu" "$PEER_DIR/etc/storage"
rm -f "$PEER_DIR/etc/qemu/networks/autostart/"* 2>/dev/null || true
cat >"$PEER_DIR/etc/libvirtd.conf" <<CONF
# hvexporter lab migration peer (scripts/lab/peer-up.sh)
listen_tls = 0
listen_tcp = 1
listen_addr = "$PEER_IP"
auth_tcp = "none"
host_uuid = "$(cat /proc/sys/kernel/random/uuid)"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
cp /etc/libvirt/qemu.conf "$PEER_DIR/etc/qemu.conf"

# --- daemons in their own mount + UTS namespace -------------------------------------------
inner="$PEER_DIR/inner.sh"
cat >"$inner" <<'INNER'
#!/usr/bin/env bash
# Runs inside: nsenter --net=/run/netns/hvmig unshare -m -u inner.sh PEER_DIR
set -euo pipefail
d=$1
mount --make-rprivate /
mkdir -p /var/cache/libvirt /var/lib/libvirt /var/log/libvirt /run/libvirt /etc/libvirt
mount --bind "$d/etc" /etc/libvirt
mount --bind "$d/run" /run/libvirt
mount --bind "$d/log" /var/log/libvirt
mount --bind "$d/lib" /var/lib/libvirt
mount --bind "$d/cache" /var/cache/libvirt
hostname hvmig-peer
# The daemons must not keep any of the caller's file descriptors open: a caller reading
# our output to the end, or watching a descriptor to learn that we exited (Foundation's
# Process does), would wait for as long as the daemons run.
for fd in /proc/$$/fd/*; do
  n=${fd##*/}
  if [[ "$n" =~ ^[0-9]+$ ]] && (( n > 2 )); then eval "exec $n>&-" 2>/dev/null || true; fi
done
virtlogd -d -p /run/libvirt/peer-virtlogd.pid </dev/null >/dev/null 2>&1
libvirtd -d -l -p /run/libvirt/peer-libvirtd.pid </dev/null >/dev/null 2>&1
INNER
chmod 755 "$inner"
lab_log "starting peer libvirtd in netns $PEER_NS (state in $PEER_DIR)"
# nsenter, not "ip netns exec": the latter remounts /sys for the netns and so hides
# /sys/fs/cgroup from the daemon (no cgroups: guests with <cputune> fail to start).
nsenter --net="/run/netns/$PEER_NS" unshare -m -u "$inner" "$PEER_DIR"

# First answer takes ~8 s (QEMU capabilities probe).
deadline=$((SECONDS + 60))
until peer_answers; do
  if (( SECONDS >= deadline )); then
    lab_die "peer libvirtd did not answer on $PEER_URI within 60 s (see $PEER_DIR/log/libvirtd.log)"
  fi
  sleep 0.5
done
lab_log "peer libvirtd up: $PEER_URI (pid $(cat "$PEER_DIR/run/peer-libvirtd.pid"))"
