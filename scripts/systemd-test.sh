#!/usr/bin/env bash
# Proof that the packaged unit works under a real systemd on real (emulated) disks:
#   scripts/systemd-test.sh [bookworm|trixie] [path/to/hvexporter_*.deb]
# Makes a Debian 12 (default) or 13 system from the cached minimal root (scripts/debian-root.sh) with systemd,
# udev, smartmontools, mdadm, libvirtd (libvirt-daemon-system: socket activation,
# systemd-machined), QEMU and the package, enables hv-exporter.service as an admin would,
# and boots it as a TCG guest (systemd as PID 1) with the lab's Debian cloud kernel
# (.lab/image, scripts/lab/guest-image.sh) and three disks QEMU emulates with SMART: the root on
# NVMe (nvme0n1) and two PIIX IDE disks (sda, sdb; libata, so smartctl speaks SAT to them).
# Inside, a probe unit builds an md RAID1 over sda and sdb with mdadm, starts a nested guest
# paused through the real libvirtd (its QEMU in machine.slice), waits for hv-exporter (run by
# systemd with the unit's sandbox: DynamicUser, capabilities, device policy, system call
# filter) to serve smartctl's figures and the guest, scrapes /metrics, runs `hvtop pid` on the
# guest's QEMU, fails sdb out of the array, scrapes again, runs `hvtop check raid` and powers
# off; it writes all that on the guest's second serial port. Here the sections are checked
# (scripts/systemd-check.py): the three disks' SMART state "passed", the array clean and then
# degraded, libvirt up through the read-only socket, the guest's process, vCPU thread and
# cgroup memory mapped, the service running as its dynamic user, no sandbox denial in its
# journal. About a minute once the root's packages are cached.
# HV_SYSTEMD_TEST_UNIT=packaging/hv-exporter.service tries that unit file instead of the
# package's (a unit change without a package build), HV_SYSTEMD_TEST_DROPIN=FILE adds FILE as
# the unit's drop-in (expect the checks it narrows to fail); HV_SYSTEMD_TEST_KEEP=1 keeps the work folder.
# Needs root (chroot, mounts), network to the Debian archive the first time, qemu-system-x86,
# e2fsprogs, python3. Last line: "systemd-test <release>: PASS" or "... FAIL: <why>".
set -euo pipefail
cd "$(dirname "$0")/.."
release=bookworm
case "${1:-}" in bookworm | trixie) release=$1; shift ;; esac
deb=${1:-$(ls -t hvexporter_*.deb 2>/dev/null | head -1 || true)}
image=${LAB_IMAGE_DIR:-$PWD/.lab/image}
cache=${HV_PKGTEST_CACHE:-/var/cache/hvexporter-test}/$release-root
# The booted system's apt downloads are kept apart from the package test's root cache.
debs=${HV_PKGTEST_CACHE:-/var/cache/hvexporter-test}/systemd-test-$release-debs

me="systemd-test $release"
# shellcheck source=scripts/steps.sh
. scripts/steps.sh

[[ "$(id -u)" -eq 0 ]] || fail "needs root (chroot, mounts)"
[[ -n "$deb" && -f "$deb" ]] || fail "no package: build it with scripts/package.sh, or give its path"
for tool in qemu-system-x86_64 mkfs.ext4 python3 flock; do command -v "$tool" >/dev/null || fail "needs $tool on the host"; done
[[ -s "$image/vmlinuz" && -s "$image/kernel.pkg" ]] || fail "no lab kernel in $image: run scripts/lab/guest-image.sh"
kver=$(sed 's/^linux-image-//' "$image/kernel.pkg")
[[ -d "$image/kernel/lib/modules/$kver" ]] || fail "no modules for $kver in $image/kernel"
[[ "$(scripts/debian-root.sh "$release")" == "$cache" ]] || fail "no cached $release root in $cache"

work=$(mktemp -d /var/tmp/hvexporter-systemd.XXXXXX)
root=$work/root
qpid=""
cleanup() {
    trap - ERR
    [[ -n "$qpid" ]] && kill "$qpid" 2>/dev/null || true
    unmount_root
    [[ -n "${HV_SYSTEMD_TEST_KEEP:-}" ]] && { log "kept $work"; return; }
    rm -rf "$work"
}
trap cleanup EXIT

# MARK: the system: cached root + systemd, udev, the storage tools and the package
exec 9> "$cache.lock"
flock 9
cp -a "$cache" "$root"
flock -u 9
mkdir -p "$debs"
cp -n "$debs"/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
mount_root
cp "$deb" "$root/tmp/"
debname=$(basename "$deb")
# What an admin's KVM host has: systemd as init (with its NSS module for the dynamic user),
# udev, smartmontools, mdadm, libvirtd (socket-activated, with systemd-machined: guests in
# machine.slice) and QEMU.
wanted=(systemd systemd-sysv libnss-systemd udev kmod smartmontools mdadm curl
    libvirt-daemon-system libvirt-daemon-driver-qemu qemu-system-x86 "/tmp/$debname")
install_all() { in_root apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 "${wanted[@]}"; }
if ! install_all > "$work/install.log" 2>&1; then
    log "install from the cached lists failed; apt-get update and retry"
    retry 3 in_root apt-get update -q > "$work/update.log" 2>&1 || { cat "$work/update.log" >&2; fail "apt-get update failed"; }
    retry 3 install_all > "$work/install.log" 2>&1 || { tail -30 "$work/install.log" >&2; fail "apt-get install failed"; }
fi
cp -n "$root"/var/cache/apt/archives/*.deb "$debs/" 2>/dev/null || true
rm -f "$root"/var/cache/apt/archives/*.deb
log "    $(grep -c '^Setting up ' "$work/install.log") packages set up; $(in_root dpkg-query -W -f '${Package} ${Version}, ' systemd smartmontools mdadm | tr '\n' ' ')"
unmount_root
step "root with systemd, udev, smartmontools, mdadm, libvirtd, QEMU, $debname"

# MARK: configure as an admin would, plus the probe
mkdir -p "$root/usr/lib/modules"
cp -a "$image/kernel/lib/modules/$kver" "$root/usr/lib/modules/"
chroot "$root" depmod "$kver"
echo hvtest > "$root/etc/hostname"
# The disk drivers load early, as from a real host's initramfs: the disks are there when
# hv-exporter starts (the cloud kernel has them as modules).
printf '%s\n' ata_piix sd_mod md_mod raid1 > "$root/etc/modules-load.d/hvtest.conf"
# A nested guest for the probe to start paused (TCG in TCG would boot slowly; paused, its
# QEMU process, threads and cgroup are all there): the lab's kernel and busybox initramfs.
mkdir -p "$root/var/lib/libvirt/images"
cp "$image/vmlinuz" "$image/initrd.img" "$root/var/lib/libvirt/images/"
cat > "$root/etc/hvtest-nested.xml" << 'EOF'
<domain type='qemu'>
  <name>hvnested</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/var/lib/libvirt/images/vmlinuz</kernel><initrd>/var/lib/libvirt/images/initrd.img</initrd>
    <cmdline>console=ttyS0</cmdline></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><serial type='pty'/><memballoon model='none'/></devices>
</domain>
EOF
if [[ -n "${HV_SYSTEMD_TEST_UNIT:-}" ]]; then # trying a unit change without building the package again
    sed 's|/usr/local/bin/hv-exporter|/usr/bin/hv-exporter|g' "$HV_SYSTEMD_TEST_UNIT" > "$root/etc/systemd/system/hv-exporter.service"
    log "    unit: $HV_SYSTEMD_TEST_UNIT (not the package's)"
fi
if [[ -n "${HV_SYSTEMD_TEST_DROPIN:-}" ]]; then # a drop-in as `systemctl edit hv-exporter` writes it
    mkdir -p "$root/etc/systemd/system/hv-exporter.service.d"
    cp "$HV_SYSTEMD_TEST_DROPIN" "$root/etc/systemd/system/hv-exporter.service.d/override.conf"
    log "    drop-in: $HV_SYSTEMD_TEST_DROPIN"
fi
chroot "$root" systemctl enable -q hv-exporter.service
# Quiet and quick under TCG: no gettys, timers or smartd; the probe powers the guest off.
rm -f "$root/etc/libvirt/qemu/networks/autostart/default.xml" # no dnsmasq, no bridge
chroot "$root" systemctl mask -q serial-getty@ttyS0.service getty@tty1.service smartd.service \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer dpkg-db-backup.timer \
    mdmonitor-oneshot.timer mdcheck_start.timer mdcheck_continue.timer systemd-tmpfiles-clean.timer 2>/dev/null || true
install -m 0755 scripts/systemd-probe.sh "$root/usr/local/sbin/hvtest-probe"
cat > "$root/etc/systemd/system/hvtest-probe.service" << 'EOF'
[Unit]
Description=hv-exporter systemd test probe
Wants=hv-exporter.service
After=hv-exporter.service systemd-udev-settle.service
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/hvtest-probe
TimeoutStartSec=400

[Install]
WantedBy=multi-user.target
EOF
chroot "$root" systemctl enable -q hvtest-probe.service
echo '/dev/nvme0n1 / ext4 rw,noatime 0 1' > "$root/etc/fstab"
size_mib=$(( $(du -sm "$root" | cut -f1) + 512 ))
truncate -s "${size_mib}M" "$work/root.img"
mkfs.ext4 -q -F -L hvtest -d "$root" "$work/root.img"
step "unit enabled, probe installed, root image ${size_mib} MiB"

# MARK: boot
# One boot normally takes under a minute; the probe gives up by itself after 400 s (its unit's
# TimeoutStartSec, then FailureAction powers off). A guest still up after that hung (seen
# once in about twenty boots, before anything was kept to tell where): it is killed, its
# console and probe output shown, and booted once more from fresh disks.
timeout_s=${HV_SYSTEMD_TEST_TIMEOUT:-480}
cp --sparse=always "$work/root.img" "$work/root.pristine"
boot() { # $1: attempt number; 0 when the guest powered off by itself
    rm -f "$work/console.log" "$work/probe.log" "$work/sda.img" "$work/sdb.img"
    truncate -s 256M "$work/sda.img" "$work/sdb.img"
    [[ $1 -eq 1 ]] || cp --sparse=always "$work/root.pristine" "$work/root.img"
    qemu-system-x86_64 -machine pc,accel=tcg -cpu max -smp 2 -m 1536 -display none -no-reboot \
        -kernel "$image/vmlinuz" \
        -append "root=/dev/nvme0n1 rw console=ttyS0 panic=-1 systemd.show_status=1 loglevel=4" \
        -drive file="$work/root.img",format=raw,if=none,id=root -device nvme,drive=root,serial=HVROOT0001 \
        -drive file="$work/sda.img",format=raw,if=ide,index=0,media=disk \
        -drive file="$work/sdb.img",format=raw,if=ide,index=1,media=disk \
        -nic none -serial file:"$work/console.log" -serial file:"$work/probe.log" &
    qpid=$!
    local waited=0
    while kill -0 "$qpid" 2>/dev/null; do
        if ((waited >= timeout_s)); then
            kill -9 "$qpid" 2>/dev/null || true
            wait "$qpid" 2>/dev/null || true
            qpid=""
            log "attempt $1: the guest did not power off within $timeout_s s; console (last 30 lines), then the probe's (last 15):"
            tail -30 "$work/console.log" | sed 's/^/    | /' >&2
            tail -15 "$work/probe.log" | tr -d '\r' | sed 's/^/    > /' >&2
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    wait "$qpid" || true
    qpid=""
}
boot 1 || boot 2 || fail "the guest did not power off within $timeout_s s, twice"
step "booted, probed, powered off"

# MARK: check
python3 scripts/systemd-check.py "$work/probe.log" || {
    echo "--- probe output" >&2; cat "$work/probe.log" >&2
    echo "--- console (last 40 lines)" >&2; tail -40 "$work/console.log" >&2
    fail "the checks above failed"
}
step "checked"
total
echo "systemd-test $release: PASS"
