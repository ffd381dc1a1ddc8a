#!/usr/bin/env bash
# Assembles host/ (proc, sys, cgroup, run) for GoldenTests from the real-host fixtures of
# Tests/HVSystemTests/Fixtures (see README.md here for what comes from where). Every file is
# a byte copy of a fixture file; the only things written here are what the kernel derives
# from those files: cgroup.procs / cgroup.threads / tasks lists (which processes' and
# threads' /proc/<pid>/cgroup name that directory), empty cgroup.controllers of the hybrid
# host's v2 tree, the ns/* links (readlink targets from ns/*.link) and the pidfile.
# Run it after changing those fixtures, then regenerate the golden files (README.md).
set -euo pipefail
cd "$(dirname "$0")"
F=../../HVSystemTests/Fixtures
rm -rf host
P=host/proc S=host/sys C=host/cgroup R=host/run
mkdir -p "$P" "$S" "$C" "$R/libvirt/qemu"
cp "$F/procstat/host.stat" "$P/stat"
cp "$F/meminfo/host.meminfo" "$P/meminfo"

link() { ln -s "$(tr -d '\n' <"$1")" "$2"; }     # ns/<type> -> "pid:[inode]", as readlink shows

# kthreadd (PID 2): stat, status, empty cmdline; the host's PID namespace.
k=$P/2; mkdir -p "$k/ns"
cp "$F/stat/kthreadd.stat" "$k/stat"; cp "$F/status/kthreadd.status" "$k/status"
cp "$F/cmdline/kernel-thread.cmdline" "$k/cmdline"; link "$F/ns/host-pid.link" "$k/ns/pid"

# The QEMU of guest hv-run2 (PID 26040) and the four of its threads that were captured.
q=26040; Q=$P/$q; mkdir -p "$Q/ns"
cp "$F/stat/qemu-main.stat" "$Q/stat"; cp "$F/status/qemu-main.status" "$Q/status"
cp "$F/cmdline/qemu-libvirt.cmdline" "$Q/cmdline"
cp "$F/cgroup/real-libvirt-nosystemd-hybrid-emulator.cgroup" "$Q/cgroup"
link "$F/ns/host-pid.link" "$Q/ns/pid"
# The lab host's mount table as the QEMU's (the same mount namespace): local or shared storage.
cp "$F/mountinfo/lab-host" "$Q/mountinfo"
# libvirt's qemu.conf (lock_manager), read with --path.libvirt-qemu-conf.
mkdir -p host/etc/libvirt; cp "$F/libvirt/qemu.conf-lab" host/etc/libvirt/qemu.conf
thread() {   # tid stat-fixture cgroup-fixture [comm-fixture]
  local t=$Q/task/$1; mkdir -p "$t"
  cp "$F/stat/$2" "$t/stat"; cp "$F/cgroup/$3" "$t/cgroup"
  if [[ -n "${4:-}" ]]; then cp "$F/comm/$4" "$t/comm"; fi
}
thread 26040 qemu-main.stat real-libvirt-nosystemd-hybrid-emulator.cgroup
thread 26048 io-mon-iothread.stat real-libvirt-nosystemd-hybrid-emulator.cgroup io-mon-iothread.comm
thread 26050 vcpu-tcg.stat real-libvirt-nosystemd-hybrid-vcpu1.cgroup vcpu-tcg.comm
thread 26674 worker.stat real-libvirt-nosystemd-hybrid-emulator.cgroup
cp "$F/pidfile/hv-run2.pid" "$R/libvirt/qemu/hv-run2.pid"

# The init of LXC container hv-ct1 (PID 27512): its own PID and network namespaces.
c=27512; L=$P/$c; mkdir -p "$L/ns" "$L/net"
cp "$F/stat/lxc-init.stat" "$L/stat"; cp "$F/status/lxc-init.status" "$L/status"
cp "$F/cgroup/real-lxc-payload-hybrid.cgroup" "$L/cgroup"
cp "$F/netdev/lxc-container.netdev" "$L/net/dev"
link "$F/ns/container-pid.link" "$L/ns/pid"; link "$F/ns/container-net.link" "$L/ns/net"

# A host process whose comm has spaces and parentheses (PID 1342): its stat only.
mkdir -p "$P/1342"; cp "$F/stat/comm-parens.stat" "$P/1342/stat"

# md arrays: the degraded-faulty tree (mdstat and sysfs).
cp "$F/md/degraded-faulty/proc/mdstat" "$P/mdstat"
# /proc/self is how a procfs is told from another directory (--path.procfs checks): here a
# link to the QEMU process, as a real /proc/self links to the reader's own PID.
ln -sfn 26040 "$P/self"
cp -R "$F/md/degraded-faulty/sys/block" "$S/block"
# KSM.
mkdir -p "$S/kernel/mm"; cp -R "$F/sysfs-ksm/kernel/mm/ksm" "$S/kernel/mm/ksm"

# cgroups, hybrid as on the captured host: v2 at unified/ (no controllers), v1 hierarchies.
mkdir -p "$C/unified"; : >"$C/unified/cgroup.controllers"
g=/machine/qemu-2-hv-run2.libvirt-qemu
V1=$F/cgroupfs/v1 V2=$F/cgroupfs/v2
# v2: the guest is a threaded domain (cgroup.procs lists the QEMU), emulator and vcpu1 are
# threaded children listing their threads (cgroup.threads), as on the captured host.
mkdir -p "$C/unified$g/emulator" "$C/unified$g/vcpu1"
: >"$C/unified/machine/cgroup.procs"
echo $q >"$C/unified$g/cgroup.procs"
cp "$V2/qemu-hybrid-cpu.stat" "$C/unified$g/cpu.stat"
for p in cpu memory io; do cp "$V2/qemu-hybrid-$p.pressure" "$C/unified$g/$p.pressure"; done
printf '%s\n' 26040 26048 26674 >"$C/unified$g/emulator/cgroup.threads"
echo 26050 >"$C/unified$g/vcpu1/cgroup.threads"
# v1 cpu: emulator and vcpu1 below the guest (v1 cgroup.procs lists a process with any thread there).
mkdir -p "$C/cpu$g/emulator" "$C/cpu$g/vcpu1"
: >"$C/cpu/machine/cgroup.procs"; : >"$C/cpu$g/cgroup.procs"
cp "$V1/qemu-cpu.stat" "$C/cpu$g/cpu.stat"
echo $q >"$C/cpu$g/emulator/cgroup.procs"; printf '%s\n' 26040 26048 26674 >"$C/cpu$g/emulator/tasks"
echo $q >"$C/cpu$g/vcpu1/cgroup.procs"; echo 26050 >"$C/cpu$g/vcpu1/tasks"
# v1 memory and blkio: the guest level.
for h in memory blkio; do mkdir -p "$C/$h$g"; : >"$C/$h/machine/cgroup.procs"; echo $q >"$C/$h$g/cgroup.procs"; done
for f in usage_in_bytes limit_in_bytes stat oom_control; do cp "$V1/qemu-memory.$f" "$C/memory$g/memory.$f"; done
for f in io_service_bytes io_serviced; do cp "$V1/qemu-blkio.throttle.$f" "$C/blkio$g/blkio.throttle.$f"; done
# The container: the same cgroup in every hierarchy (its /proc/<pid>/cgroup), listing the
# processes of the captured v2 cgroup.procs.
l=/lxc.payload.hv-ct1
for h in unified cpuacct memory blkio; do mkdir -p "$C/$h$l"; cp "$V2/lxc-cgroup.procs" "$C/$h$l/cgroup.procs"; done
for h in cpuacct memory blkio; do : >"$C/$h/cgroup.procs"; done
: >"$C/unified/cgroup.procs"
cp "$V1/lxc-cpuacct.stat" "$C/cpuacct$l/cpuacct.stat"; cp "$V1/lxc-cpuacct.usage" "$C/cpuacct$l/cpuacct.usage"
cp "$V1/lxc-memory.stat" "$C/memory$l/memory.stat"
cp "$V1/lxc-memory.memsw.usage_in_bytes" "$C/memory$l/memory.memsw.usage_in_bytes"
cp "$V1/lxc-blkio.throttle.io_service_bytes_recursive" "$C/blkio$l/blkio.throttle.io_service_bytes_recursive"
: >"$C/cpu/cgroup.procs"
echo "assembled $(pwd)/host"
