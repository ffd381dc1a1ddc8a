#!/usr/bin/env bash
# Start virtlogd and libvirtd by hand (no systemd on these machines) with a
# qemu.conf that lets root-run TCG guests use files in the repository.
# Idempotent: running daemons are left alone unless qemu.conf had to change.
source "$(dirname "$0")/lib.sh"

LIBVIRTD_PIDFILE=/run/libvirtd.pid
VIRTLOGD_PIDFILE=/run/virtlogd.pid
QEMU_CONF=/etc/libvirt/qemu.conf

# Trap (lab.md): libvirtd refuses to start unless the user libvirt-qemu exists;
# libvirt-daemon-system would create it but needs systemd, so create it here.
getent group kvm >/dev/null          || groupadd --system kvm
getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
if ! getent passwd libvirt-qemu >/dev/null; then
  useradd --system --gid libvirt-qemu --groups kvm --home-dir /var/lib/libvirt \
          --no-create-home --shell /usr/sbin/nologin libvirt-qemu
fi

# qemu.conf: root user/group, no dynamic ownership, no security driver
# (lab.md). Without libvirt-daemon-system the file does not exist at all; if
# it does, our keys replace any earlier uncommented setting of the same key.
mkdir -p /etc/libvirt /var/log/libvirt
touch "$QEMU_CONF"
old_conf=$(cat "$QEMU_CONF")
new_conf=$(
  sed -e '/^# BEGIN hvexporter lab/,/^# END hvexporter lab/d' \
      -e '/^[[:space:]]*\(user\|group\|dynamic_ownership\|security_driver\)[[:space:]]*=/d' \
      "$QEMU_CONF"
  cat <<'CONF'
# BEGIN hvexporter lab (scripts/lab/libvirtd-up.sh)
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
# END hvexporter lab
CONF
)
conf_changed=0
if [[ "$old_conf" != "$new_conf" ]]; then
  printf '%s\n' "$new_conf" >"$QEMU_CONF"
  conf_changed=1
  lab_log "wrote $QEMU_CONF"
fi

daemon_pid() {  # daemon_pid PIDFILE COMM: print the pid if that daemon runs
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  if lab_pid_is "$pid" "$2"; then printf '%s\n' "$pid"; fi
}

if [[ -z "$(daemon_pid "$VIRTLOGD_PIDFILE" virtlogd)" ]]; then
  lab_log "starting virtlogd"
  rm -f "$VIRTLOGD_PIDFILE"   # stale pid file from a dead daemon
  virtlogd -d -p "$VIRTLOGD_PIDFILE"
  lab_wait 15 "virtlogd to write $VIRTLOGD_PIDFILE" test -s "$VIRTLOGD_PIDFILE"
fi

pid=$(daemon_pid "$LIBVIRTD_PIDFILE" libvirtd)
if [[ -n "$pid" && $conf_changed -eq 1 ]]; then
  # Running guests survive a libvirtd restart; they are reattached.
  lab_log "qemu.conf changed: restarting libvirtd (pid $pid)"
  kill -TERM "$pid"
  lab_wait 30 "libvirtd pid $pid to exit after SIGTERM" bash -c "! kill -0 $pid"
  pid=""
fi
if [[ -z "$pid" ]]; then
  lab_log "starting libvirtd"
  rm -f "$LIBVIRTD_PIDFILE"
  libvirtd -d -p "$LIBVIRTD_PIDFILE"
fi

# Bounded wait until the QEMU driver answers. The first answer takes ~8 s here
# (libvirtd probes the QEMU binary's capabilities once and caches them).
# A libvirtd that exits during its start (seen once after its QEMU processes had been
# killed: the log ends while it reattaches them, no socket) is started again, twice at most.
deadline=$((SECONDS + 60))
restarts=0
until out=$(timeout 30 virsh -c "$LAB_URI" version 2>&1); do
  if (( SECONDS >= deadline )); then
    lab_die "libvirtd did not answer 'virsh -c $LAB_URI version' within 60 s: $out (see /var/log/libvirt/libvirtd.log)"
  fi
  if [[ -z "$(daemon_pid "$LIBVIRTD_PIDFILE" libvirtd)" ]] && ! pgrep -x libvirtd >/dev/null; then
    (( restarts < 2 )) || lab_die "libvirtd exited during its start three times (see /var/log/libvirt/libvirtd.log)"
    restarts=$((restarts + 1))
    lab_log "libvirtd exited during its start; last log lines:"
    tail -n 5 /var/log/libvirt/libvirtd.log >&2 || true
    lab_log "starting libvirtd again ($restarts)"
    rm -f "$LIBVIRTD_PIDFILE"
    libvirtd -d -p "$LIBVIRTD_PIDFILE"
    deadline=$((SECONDS + 60))
  fi
  sleep 0.5
done
lab_log "libvirtd up (pid $(cat "$LIBVIRTD_PIDFILE")): $(grep -m1 'Running hypervisor' <<<"$out" | sed 's/^ *//')"
