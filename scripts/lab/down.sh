#!/usr/bin/env bash
# Tear the lab down: guests, container, network, daemons, state.
#   --purge  also delete the cached guest image (.lab/image)
source "$(dirname "$0")/lib.sh"
lab_lock

purge=0
[[ "${1:-}" == --purge ]] && purge=1

rm -f "$LAB_STATE" "${LAB_STATE%.env}.json"
# Best effort: a failing step does not keep the later ones from cleaning up.
failed=()
for s in btrfs-down.sh guests-down.sh lxc-down.sh lxd-down.sh net-down.sh libvirtd-down.sh; do
  "$LAB_SCRIPTS/$s" 9>&- || failed+=("$s")
done
if (( purge )); then
  rm -rf "$LAB_IMAGE_DIR"
  lab_log "purged $LAB_IMAGE_DIR"
fi
(( ${#failed[@]} == 0 )) || lab_die "lab down, but these steps failed: ${failed[*]}"
lab_log "lab down"
