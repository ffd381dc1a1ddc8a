#!/usr/bin/env bash
# Tear down the migration peer made by peer-up.sh: destroy its guests, stop its
# libvirtd and virtlogd (by their private pid files), remove the netns and veth and
# .lab/peer/. With --daemons-only, only the daemons are stopped.
source "$(dirname "$0")/lib.sh"

PEER_NS=hvmig
PEER_VETH_ROOT=hvmig-a
PEER_DIR="$LAB_ROOT/$LAB_DIR/peer"
PEER_URI="qemu+tcp://10.98.0.2/system"

# Guests that live on the peer (a migration test that failed half-way) go first, while
# the daemon still answers: their qemu processes would outlive it otherwise.
if timeout 10 virsh -q -c "$PEER_URI" version >/dev/null 2>&1; then
  while read -r name; do
    [[ -n "$name" ]] || continue
    timeout 30 virsh -q -c "$PEER_URI" destroy -- "$name" >/dev/null 2>&1 || true
    timeout 30 virsh -q -c "$PEER_URI" undefine -- "$name" >/dev/null 2>&1 || true
    lab_log "peer: removed guest $name"
  done < <(timeout 10 virsh -q -c "$PEER_URI" list --all --name 2>/dev/null || true)
fi

stop_pidfile() {  # stop_pidfile FILE COMM
  local pid
  [[ -s "$1" ]] || return 0
  pid=$(tr -dc '0-9' <"$1" 2>/dev/null || true)
  if lab_pid_is "$pid" "$2"; then
    kill -TERM "$pid"
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null; do
      if (( SECONDS >= deadline )); then kill -KILL "$pid" 2>/dev/null || true; break; fi
      sleep 0.2
    done
    lab_log "stopped peer $2 (pid $pid)"
  fi
}
stop_pidfile "$PEER_DIR/run/peer-libvirtd.pid" libvirtd
stop_pidfile "$PEER_DIR/run/peer-virtlogd.pid" virtlogd
# Daemons of a peer whose pid files are gone (started from another checkout, or its
# directories removed under it) are found as the processes of the peer's netns.
if grep -qw "^$PEER_NS" <<<"$(ip netns list)"; then
  for pid in $(ip netns pids "$PEER_NS" 2>/dev/null); do
    comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    if [[ "$comm" == libvirtd || "$comm" == virtlogd ]]; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
      lab_log "stopped peer $comm (pid $pid, found in netns $PEER_NS)"
    fi
  done
fi
[[ "${1:-}" == --daemons-only ]] && exit 0

ip link del "$PEER_VETH_ROOT" 2>/dev/null || true
if grep -qw "^$PEER_NS" <<<"$(ip netns list)"; then ip netns del "$PEER_NS"; fi
rm -rf "$PEER_DIR"
lab_log "migration peer down"
