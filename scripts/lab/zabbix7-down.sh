#!/usr/bin/env bash
# Stop the lab's Zabbix 7.0 (scripts/lab/zabbix7-up.sh): every process running in its root
# (server, frontend, PostgreSQL; nothing of the host's 6.0), then unmount /proc, /sys, /dev.
#   --purge  also delete the root (the next zabbix7-up.sh installs the packages again)
source "$(dirname "$0")/lib.sh"

Z7_ROOT=$LAB_ZABBIX7_ROOT # lib.sh
purge=0
[[ "${1:-}" == --purge ]] && purge=1

# The processes whose root is $Z7_ROOT (chroot), and only those.
in_root_pids() {
  local p
  for p in /proc/[0-9]*; do
    [[ "$(readlink "$p/root" 2>/dev/null)" == "$Z7_ROOT" ]] && echo "${p#/proc/}"
  done
  return 0
}
# stop_pid PID SECONDS: SIGTERM, wait up to SECONDS for it to end.
stop_pid() {
  kill -TERM "$1" 2>/dev/null || return 0
  local deadline=$((SECONDS + $2))
  while kill -0 "$1" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
}
if [[ -d "$Z7_ROOT" ]]; then
  if [[ -n "$(in_root_pids)" ]]; then
    lab_log "stopping the Zabbix 7.0 processes in $Z7_ROOT"
    # In order: the server first (at its exit it writes to the database, and it retries for
    # ever when the database is already gone), the frontend, then PostgreSQL (fast shutdown).
    for f in zabbix_server php; do
      pid=$(cat "$Z7_ROOT/run/hv-lab-zabbix7/$f.pid" 2>/dev/null || true)
      if [[ "$pid" =~ ^[0-9]+$ && "$(readlink "/proc/$pid/root" 2>/dev/null)" == "$Z7_ROOT" ]]; then
        stop_pid "$pid" 30
      fi
    done
    for pm in "$Z7_ROOT"/var/lib/postgresql/*/main/postmaster.pid; do
      pid=$(head -1 "$pm" 2>/dev/null || true)
      if [[ "$pid" =~ ^[0-9]+$ && "$(readlink "/proc/$pid/root" 2>/dev/null)" == "$Z7_ROOT" ]]; then
        kill -INT "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 30))
        while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
      fi
    done
    # Whatever is left (nothing, normally).
    pids=$(in_root_pids)
    # shellcheck disable=SC2086
    if [[ -n "$pids" ]]; then
      lab_log "killing what is left in $Z7_ROOT: $pids"
      kill -KILL $pids 2>/dev/null || true
    fi
  fi
  for m in dev/shm dev/pts dev sys proc; do
    if mountpoint -q "$Z7_ROOT/$m"; then umount -l "$Z7_ROOT/$m"; fi
  done
  rm -f "$Z7_ROOT"/run/hv-lab-zabbix7/*.pid
fi
if (( purge )); then
  rm -rf "$Z7_ROOT"
  lab_log "purged $Z7_ROOT"
fi
lab_log "Zabbix 7.0 down"
