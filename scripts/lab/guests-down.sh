#!/usr/bin/env bash
# Destroy and undefine the lab guests made by guests-up.sh, remove their disks,
# consoles and XML. The guest image cache (.lab/image) is kept.
source "$(dirname "$0")/lib.sh"

if ! timeout 10 virsh -c "$LAB_URI" version >/dev/null 2>&1; then
  lab_log "libvirtd not answering on $LAB_URI: nothing to tear down there"
else
  for g in "${LAB_GUESTS[@]}"; do
    IFS="|" read -r _ name _ <<<"$g"
    if ! state=$(lab_virsh domstate -- "$name" 2>/dev/null); then continue; fi
    if [[ "$state" != "shut off" ]]; then
      lab_virsh destroy -- "$name" >/dev/null 2>&1 || true   # a transient one vanishes here
    fi
    if lab_virsh dominfo -- "$name" >/dev/null 2>&1; then
      lab_virsh undefine -- "$name" >/dev/null
    fi
    lab_log "removed $name"
  done
fi
rm -rf "$LAB_DISK_DIR" "$LAB_CONSOLE_DIR" "$LAB_XML_DIR"
