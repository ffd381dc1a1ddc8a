#!/usr/bin/env bash
# Create the fixed set of lab guests (TCG, direct kernel boot) in libvirt:
#   hv-run1      persistent, running, autostart     (load loop)
#   hv-run2      persistent, running, 2 vCPUs       (load loop)
#   hv-paused    persistent, booted then suspended
#   hv-off       persistent, defined, never started
#   hv-transient transient (virsh create), running  (load loop)
#   $LAB_WEIRD_NAME  persistent, booted then suspended (name escaping tests)
# Idempotent: a guest already in its wanted state is left alone; one in another
# state is moved to it. Needs libvirtd-up.sh, net-up.sh and guest-image.sh first.
source "$(dirname "$0")/lib.sh"

BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-45}   # per try; a guest gets two
KERNEL="$LAB_ROOT/$LAB_IMAGE_DIR/vmlinuz"
INITRD="$LAB_ROOT/$LAB_IMAGE_DIR/initrd.img"
[[ -s "$KERNEL" && -s "$INITRD" ]] || lab_die "no guest image in $LAB_IMAGE_DIR: run scripts/lab/guest-image.sh"
ip link show "$LAB_BRIDGE" >/dev/null 2>&1 || lab_die "no bridge $LAB_BRIDGE: run scripts/lab/net-up.sh"
lab_virsh version >/dev/null || lab_die "libvirtd does not answer on $LAB_URI: run scripts/lab/libvirtd-up.sh"

mkdir -p "$LAB_DISK_DIR" "$LAB_CONSOLE_DIR" "$LAB_XML_DIR"

# gen_xml NAME SLUG IP VCPUS [UUID]: print the domain XML. Redefining an existing
# domain needs its UUID in the XML, else libvirt refuses ("already exists with uuid").
gen_xml() {
  local name=$1 slug=$2 ip=$3 vcpus=$4 uuid=${5:-}
  local mac; mac=$(lab_mac "$ip")
  cat <<XML
<domain type='qemu'>
  <!-- TCG, not KVM: KVM guests hang in early boot on these nested VMs (lab.md) -->
  <name>$(lab_xml_escape "$name")</name>
${uuid:+  <uuid>$uuid</uuid>
}  <title>hvexporter lab guest $slug</title>
  <memory unit='MiB'>128</memory>
  <currentMemory unit='MiB'>128</currentMemory>
  <vcpu placement='static'>$vcpus</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$(lab_xml_escape "$KERNEL")</kernel>
    <initrd>$(lab_xml_escape "$INITRD")</initrd>
    <cmdline>console=ttyS0 loglevel=4 panic=-1 hv.ip=$ip/$LAB_PREFIX hv.peer=$LAB_PEER_IP hv.name=$slug</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$(lab_xml_escape "$LAB_ROOT/$LAB_DISK_DIR/$slug.qcow2")'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='bridge'>
      <mac address='$mac'/>
      <source bridge='$LAB_BRIDGE'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'>
      <source path='$(lab_xml_escape "$LAB_ROOT/$LAB_CONSOLE_DIR/$slug.log")'/>
      <target port='0'/>
    </serial>
    <console type='file'>
      <source path='$(lab_xml_escape "$LAB_ROOT/$LAB_CONSOLE_DIR/$slug.log")'/>
      <target type='serial' port='0'/>
    </console>
    <memballoon model='virtio'>
      <stats period='5'/>
    </memballoon>
  </devices>
</domain>
XML
}

# dom_state NAME: running | paused | shut off | ... | absent
dom_state() {
  local s
  if s=$(lab_virsh domstate -- "$1" 2>/dev/null); then
    printf '%s\n' "$s" | head -n1
  else
    echo absent
  fi
}
# (Output captured first: "virsh | grep -q" under pipefail fails when grep quits
# early and virsh dies of SIGPIPE.)
dom_persistent() {
  local info
  info=$(lab_virsh dominfo -- "$1" 2>/dev/null) || return 1
  grep -q '^Persistent: *yes' <<<"$info"
}

# Guests started by this run; we wait for their load loop before suspending.
declare -a started=() to_suspend=()

start_guest() {  # start_guest NAME SLUG [transient-xml]
  local name=$1 slug=$2 xml=${3:-}
  rm -f "$LAB_CONSOLE_DIR/$slug.log"   # fresh console: the wait below greps it
  if [[ -n "$xml" ]]; then
    lab_virsh create "$xml" >/dev/null
  else
    lab_virsh start -- "$name" >/dev/null
  fi
  started+=("$name|$slug|$xml")
}

# boot_once NAME SLUG XML SECONDS: wait until the guest's console shows its first load
# round; false after SECONDS.
boot_once() {
  local name=$1 slug=$2 secs=$4 log="$LAB_CONSOLE_DIR/$2.log"
  local until=$((SECONDS + secs))
  until grep -q '^hvload round=1 ' "$log" 2>/dev/null; do
    (( SECONDS < until )) || return 1
    sleep 0.5
  done
}

for g in "${LAB_GUESTS[@]}"; do
  IFS='|' read -r key name slug ip vcpus want <<<"$g"
  disk="$LAB_DISK_DIR/$slug.qcow2"
  [[ -e "$disk" ]] || qemu-img create -q -f qcow2 "$disk" 64M

  state=$(dom_state "$name")
  uuid=""
  [[ "$state" == absent ]] || uuid=$(lab_virsh domuuid -- "$name")
  xml="$LAB_XML_DIR/$slug.xml"
  gen_xml "$name" "$slug" "$ip" "$vcpus" "$uuid" >"$xml"
  # A guest of the wrong kind (transient vs persistent) is removed and remade.
  if [[ "$state" != absent ]]; then
    if [[ "$want" == transient ]] && dom_persistent "$name"; then
      lab_log "$key: $name is persistent, expected transient: recreating"
      [[ "$state" == "shut off" ]] || lab_virsh destroy -- "$name" >/dev/null
      lab_virsh undefine -- "$name" >/dev/null
      state=absent
      gen_xml "$name" "$slug" "$ip" "$vcpus" >"$xml"
    elif [[ "$want" != transient ]] && ! dom_persistent "$name"; then
      lab_log "$key: $name is transient, making it persistent"
      lab_virsh define "$xml" >/dev/null
    fi
  fi

  # A live guest started from another checkout (CI clones the repo afresh, while libvirt
  # keeps the old definition and autostarts it) points at that checkout's kernel and disk:
  # stop it so it is redefined and started from this one.
  if [[ "$state" == running || "$state" == paused ]]; then
    live=$(lab_virsh dumpxml -- "$name" 2>/dev/null || true)
    if ! grep -qF "<kernel>$(lab_xml_escape "$KERNEL")</kernel>" <<<"$live"; then
      lab_log "$key: $name runs from another checkout's files: restarting it from $LAB_ROOT"
      lab_virsh destroy -- "$name" >/dev/null
      if [[ "$want" == transient ]]; then state=absent; gen_xml "$name" "$slug" "$ip" "$vcpus" >"$xml"; else state="shut off"; fi
    fi
  fi

  case "$want" in
    running|paused)
      case "$state" in
        absent|"shut off"|crashed)
          # Redefining a shut-off guest picks up XML changes made in this script.
          lab_virsh define "$xml" >/dev/null
          lab_log "$key: starting $name"
          start_guest "$name" "$slug"
          [[ "$want" == paused ]] && to_suspend+=("$name")
          ;;
        running)
          [[ "$want" == paused ]] && to_suspend+=("$name")
          ;;
        paused)
          if [[ "$want" == running ]]; then
            lab_log "$key: resuming $name"
            lab_virsh resume -- "$name" >/dev/null
          fi
          ;;
        *) lab_die "$key: $name is in state '$state', cannot handle it" ;;
      esac
      ;;
    shutoff)
      case "$state" in
        absent|"shut off") ;;
        *) lab_log "$key: stopping $name"; lab_virsh destroy -- "$name" >/dev/null ;;
      esac
      lab_virsh define "$xml" >/dev/null
      ;;
    transient)
      case "$state" in
        absent) lab_log "$key: creating transient $name"; start_guest "$name" "$slug" "$xml" ;;
        running) ;;
        paused) lab_log "$key: resuming $name"; lab_virsh resume -- "$name" >/dev/null ;;
        *) lab_die "$key: $name is in state '$state', cannot handle it" ;;
      esac
      ;;
  esac

  if [[ "$want" != transient ]]; then
    if [[ "$key" == RUN1 ]]; then
      lab_virsh autostart -- "$name" >/dev/null
    else
      lab_virsh autostart --disable -- "$name" >/dev/null
    fi
  fi
done

# Bounded wait until every guest started here has finished its first load round
# (the console shows "hvload round=1"). TCG boots in ~2-3 s of CPU per guest, but now
# and then a TCG guest stops early in its kernel's timer check (the console's last line
# is "MP-BIOS bug: 8254 timer not connected to IO-APIC" and the guest burns no CPU):
# such a guest is destroyed and started once more.
if (( ${#started[@]} > 0 )); then
  lab_log "waiting up to ${BOOT_TIMEOUT}s per try for ${#started[@]} guest(s) to start their load loop"
  for s in "${started[@]}"; do
    IFS='|' read -r name slug xml <<<"$s"
    log="$LAB_CONSOLE_DIR/$slug.log"
    if ! boot_once "$name" "$slug" "$xml" "$BOOT_TIMEOUT"; then
      lab_log "console of $name ($log), last lines:"
      tail -n 20 "$log" >&2 2>/dev/null || true
      lab_log "$name did not start its load loop within ${BOOT_TIMEOUT}s: destroying and starting it again"
      lab_virsh destroy -- "$name" >/dev/null 2>&1 || true
      rm -f "$log"
      if [[ -n "$xml" ]]; then lab_virsh create "$xml" >/dev/null; else lab_virsh start -- "$name" >/dev/null; fi
      if ! boot_once "$name" "$slug" "$xml" "$BOOT_TIMEOUT"; then
        tail -n 20 "$log" >&2 2>/dev/null || true
        lab_die "guest $name did not start its load loop within ${BOOT_TIMEOUT}s, twice"
      fi
    fi
    lab_log "$name: $(grep -m1 '^hvload round=1 ' "$log")"
  done
fi

for name in "${to_suspend[@]}"; do
  lab_log "suspending $name"
  lab_virsh suspend -- "$name" >/dev/null
done

# If the bridge was deleted and recreated under running guests (net-down.sh then
# net-up.sh), their tap devices lost their master: put them back on the bridge.
for g in "${LAB_GUESTS[@]}"; do
  IFS='|' read -r key name _ <<<"$g"
  [[ "$(dom_state "$name")" == "shut off" ]] && continue
  while read -r tap type source _; do
    [[ "$type" == bridge && "$source" == "$LAB_BRIDGE" && "$tap" != - ]] || continue
    if ! grep -q "master $LAB_BRIDGE " <<<"$(ip link show dev "$tap")"; then
      lab_log "$key: re-attaching $tap to $LAB_BRIDGE"
      ip link set dev "$tap" master "$LAB_BRIDGE" up
    fi
  done <<<"$(lab_virsh domiflist -- "$name")"
done

# Final check: every guest is in its wanted state.
for g in "${LAB_GUESTS[@]}"; do
  IFS='|' read -r key name slug ip vcpus want <<<"$g"
  state=$(dom_state "$name")
  case "$want" in
    running|transient) expect=running ;;
    paused) expect=paused ;;
    shutoff) expect="shut off" ;;
  esac
  [[ "$state" == "$expect" ]] || lab_die "$key: $name is '$state', expected '$expect'"
done
lab_log "guests up: ${#LAB_GUESTS[@]} lab guests in their wanted state"
