#!/usr/bin/env bash
# Remove what lxd-up.sh made (containers, project, image, pool, profile devices)
# and stop the lxd daemon it started. The packages stay installed.
source "$(dirname "$0")/lib.sh"
export LXD_DIR=/var/lib/lxd

if command -v lxd >/dev/null && timeout 10 lxc query /1.0 >/dev/null 2>&1; then
  timeout 60 lxc delete --force hv-lxd1 --project default 2>/dev/null || true
  timeout 60 lxc delete --force hv-lxd2 --project hvproj 2>/dev/null || true
  timeout 20 lxc project delete hvproj 2>/dev/null || true
  timeout 20 lxc image delete hv-busybox 2>/dev/null || true
  timeout 20 lxc profile device remove default eth0 >/dev/null 2>&1 || true
  timeout 20 lxc profile device remove default root >/dev/null 2>&1 || true
  timeout 60 lxc storage delete default 2>/dev/null || true
  lab_log "stopping lxd"
  timeout 60 lxd shutdown --timeout 30 || lab_log "lxd shutdown did not finish cleanly"
fi
rm -rf "$LAB_DIR/lxd"
