#!/usr/bin/env bash
# Write .lab/state.env (and the same keys as .lab/state.json) describing the
# running lab, for integration tests and benchmarks. Called by up.sh; run it
# alone to refresh PIDs after guests were restarted.
#
# state.env format: one KEY='value' line per key, POSIX-shell single-quoted
# (an embedded ' is written '\''), so `source .lab/state.env` works and a
# reader without a shell strips the outer quotes and maps '\'' to '.
source "$(dirname "$0")/lib.sh"

declare -a KEYS=() VALS=()
put() { KEYS+=("$1"); VALS+=("$2"); }

# qemu_pid NAME UUID: print "PID<TAB>PIDFILE" of the guest's qemu process.
# Trap: libvirt 9.0 names the pid file after the XML-escaped domain name
# (/run/libvirt/qemu/we&quot;ird\ name ü.pid) while its status file keeps the
# raw name (we"ird\ name ü.xml); try both, then the status file's pid='N'.
qemu_pid() {
  local name=$1 uuid=$2 dir=/run/libvirt/qemu pid="" file=""
  local f
  for f in "$dir/$name.pid" "$dir/$(lab_xml_escape "$name").pid"; do
    if [[ -s "$f" ]]; then pid=$(tr -dc '0-9' <"$f"); file=$f; break; fi
  done
  if [[ -z "$pid" && -s "$dir/$name.xml" ]]; then
    pid=$(sed -n "s/^<domstatus [^>]*pid='\([0-9]*\)'.*/\1/p" "$dir/$name.xml" | head -n1)
    file=""
  fi
  # Sanity: the process is alive and is the qemu of this very domain (-uuid).
  local cmdline=""
  [[ -n "$pid" ]] && cmdline=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null || true)
  if [[ -n "$pid" ]] && grep -qx -- "$uuid" <<<"$cmdline"; then
    printf '%s\t%s\n' "$pid" "$file"
  else
    lab_die "cannot find the qemu process of guest '$name' (uuid $uuid)"
  fi
}

put LAB_ROOT "$LAB_ROOT"
put LAB_URI "$LAB_URI"
put LAB_STATE_WRITTEN "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
put LAB_LIBVIRTD_PID "$(tr -dc '0-9' </run/libvirtd.pid)"
put LAB_BRIDGE "$LAB_BRIDGE"
put LAB_BRIDGE_IP "$LAB_BRIDGE_IP"
put LAB_NETNS "$LAB_NETNS"
put LAB_PEER_IP "$LAB_PEER_IP"
put LAB_PREFIX "$LAB_PREFIX"
put LAB_KERNEL "$LAB_ROOT/$LAB_IMAGE_DIR/vmlinuz"
put LAB_INITRD "$LAB_ROOT/$LAB_IMAGE_DIR/initrd.img"
put LAB_KERNEL_PKG "$(cat "$LAB_IMAGE_DIR/kernel.pkg")"

guest_keys=()
for g in "${LAB_GUESTS[@]}"; do
  IFS="|" read -r key name slug ip vcpus _ <<<"$g"
  guest_keys+=("$key")
  info=$(lab_virsh dominfo -- "$name") || lab_die "guest '$name' does not exist: run scripts/lab/up.sh"
  field() { sed -n "s/^$1: *//p" <<<"$info" | head -n1; }
  uuid=$(field UUID)
  id=$(field Id); [[ "$id" == "-" ]] && id=""
  state=$(field State); [[ "$state" == "shut off" ]] && state=shutoff
  persistent=0; [[ "$(field Persistent)" == yes ]] && persistent=1
  autostart=0;  [[ "$(field Autostart)" == enable ]] && autostart=1
  pid="" pidfile=""
  if [[ "$state" != shutoff ]]; then
    pp=$(qemu_pid "$name" "$uuid")   # not "< <(...)": a failure there would not stop us
    IFS=$'\t' read -r pid pidfile <<<"$pp"
  fi
  put "LAB_GUEST_$key" "$name"
  put "LAB_STATE_$key" "$state"
  put "LAB_PERSISTENT_$key" "$persistent"
  put "LAB_AUTOSTART_$key" "$autostart"
  put "LAB_UUID_$key" "$uuid"
  put "LAB_ID_$key" "$id"
  put "LAB_PID_$key" "$pid"
  put "LAB_PIDFILE_$key" "$pidfile"
  put "LAB_VCPUS_$key" "$vcpus"
  put "LAB_IP_$key" "$ip"
  put "LAB_MAC_$key" "$(lab_mac "$ip")"
  put "LAB_DISK_$key" "$LAB_ROOT/$LAB_DISK_DIR/$slug.qcow2"
  put "LAB_CONSOLE_$key" "$LAB_ROOT/$LAB_CONSOLE_DIR/$slug.log"
done
put LAB_GUEST_KEYS "${guest_keys[*]}"

ct_pid=$(lxc-info -n "$LAB_LXC_NAME" -p -H 2>/dev/null || true)
[[ "$ct_pid" =~ ^[0-9]+$ ]] || lab_die "container $LAB_LXC_NAME is not running: run scripts/lab/up.sh"
put LAB_LXC_NAME "$LAB_LXC_NAME"
put LAB_LXC_PID "$ct_pid"
put LAB_LXC_IP "$LAB_LXC_IP"
put LAB_LXC_MAC "$(lab_mac "$LAB_LXC_IP")"
put LAB_LXC_VETH hvct1-veth
# The cgroup the container really got (lxc-up.sh clears leftovers so that it is
# /lxc.payload.NAME; LXC would pick NAME-1 next to a stale one).
ct_cgroup=$(sed -n 's/^0:://p' "/proc/$ct_pid/cgroup")
[[ -n "$ct_cgroup" ]] || ct_cgroup=$(sed -n 's/^[0-9]*:memory://p' "/proc/$ct_pid/cgroup")
put LAB_LXC_CGROUP "${ct_cgroup:-/lxc.payload.$LAB_LXC_NAME}"

# LXD (optional, lxd-up.sh): keys only when its daemon answers.
if command -v lxd >/dev/null && LXD_DIR=/var/lib/lxd timeout 10 lxc query /1.0 >/dev/null 2>&1; then
  put LAB_LXD_SOCKET /var/lib/lxd/unix.socket
  put LAB_LXD_PROJECT hvproj
  for spec in "CT1|hv-lxd1|default|10.99.0.31|lxc.payload.hv-lxd1" \
              "CT2|hv-lxd2|hvproj|10.99.0.32|lxc.payload.hvproj_hv-lxd2"; do
    IFS='|' read -r k name project ip cg <<<"$spec"
    pid=$(LXD_DIR=/var/lib/lxd timeout 10 lxc query "/1.0/instances/$name/state?project=$project" 2>/dev/null | jq -r '.pid // empty' || true)
    put "LAB_LXD_$k" "$name"
    put "LAB_LXD_${k}_PROJECT" "$project"
    put "LAB_LXD_${k}_PID" "$pid"
    put "LAB_LXD_${k}_IP" "$ip"
    put "LAB_LXD_${k}_CGROUP" "/$cg"
  done
fi

# Zabbix servers (zabbix-up.sh, zabbix7-up.sh): keys only for those whose API answers.
zabbix_version() { # PORT: the version apiinfo.version reports, or nothing
  curl -sf -m 10 -H 'Content-Type: application/json-rpc' \
    -d '{"jsonrpc":"2.0","method":"apiinfo.version","params":{},"id":1}' \
    "http://127.0.0.1:$1/api_jsonrpc.php" 2>/dev/null | jq -r '.result // empty' 2>/dev/null || true
}
for z in LAB_ZABBIX LAB_ZABBIX7; do
  web="${z}_WEB_PORT" srv="${z}_SERVER_PORT" agent="${z}_AGENT_PORT"
  v=$(zabbix_version "${!web}")
  [[ -n "$v" ]] || continue
  put "${z}_VERSION" "$v"
  put "$web" "${!web}"
  put "$srv" "${!srv}"
  put "$agent" "${!agent}"
done

# Write both files atomically (a test reading concurrently sees old or new).
tmp_env=$(mktemp "$LAB_DIR/state.env.XXXXXX")
tmp_json=$(mktemp "$LAB_DIR/state.json.XXXXXX")
{
  echo "# hvexporter lab state, written by scripts/lab/write-state.sh"
  for i in "${!KEYS[@]}"; do
    printf '%s=%s\n' "${KEYS[$i]}" "$(lab_shquote "${VALS[$i]}")"
  done
} >"$tmp_env"
jq_args=()
for i in "${!KEYS[@]}"; do jq_args+=(--arg "${KEYS[$i]}" "${VALS[$i]}"); done
jq -n '$ARGS.named' "${jq_args[@]}" >"$tmp_json"
chmod 644 "$tmp_env" "$tmp_json"
mv "$tmp_env" "$LAB_STATE"
mv "$tmp_json" "${LAB_STATE%.env}.json"
lab_log "wrote $LAB_STATE and ${LAB_STATE%.env}.json (${#KEYS[@]} keys)"
