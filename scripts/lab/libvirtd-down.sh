#!/usr/bin/env bash
# Stop libvirtd and virtlogd started by libvirtd-up.sh. Running guests are NOT
# destroyed here (qemu processes outlive libvirtd); use guests-down.sh first.
source "$(dirname "$0")/lib.sh"

stop_daemon() {  # stop_daemon PIDFILE COMM
  local pidfile=$1 comm=$2 pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if ! lab_pid_is "$pid" "$comm"; then
    rm -f "$pidfile"
    return 0
  fi
  lab_log "stopping $comm (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 20))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      lab_log "$comm pid $pid ignored SIGTERM for 20 s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
}

stop_daemon /run/libvirtd.pid libvirtd
stop_daemon /run/virtlogd.pid virtlogd
