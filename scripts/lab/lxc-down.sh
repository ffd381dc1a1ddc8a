#!/usr/bin/env bash
# Stop and destroy the LXC container made by lxc-up.sh.
source "$(dirname "$0")/lib.sh"
CT=$LAB_LXC_NAME
if [[ -f /var/lib/lxc/$CT/config ]]; then
  if [[ "$(lxc-info -n "$CT" -s -H)" != STOPPED ]]; then
    # -k: busybox init has no clean halt path worth waiting for.
    lxc-stop -n "$CT" -k
  fi
  lxc-destroy -n "$CT" >/dev/null
  lab_log "removed container $CT"
fi
rm -rf "$LAB_DIR/lxc"
