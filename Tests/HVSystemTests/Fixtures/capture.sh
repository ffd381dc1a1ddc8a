#!/usr/bin/env bash
# Copies real /proc, /sys and cgroup files from THIS host into the fixture folders.
# Run as root with the lab up (scripts/lab/up.sh); see README.md for what each file is.
# Files are copied byte for byte (cat), except ns/*.link which hold readlink output.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../../.. && pwd)
# shellcheck source=/dev/null
source "$ROOT/.lab/state.env"
CG=/sys/fs/cgroup
# Current PIDs (the state file may be older than a guest restart).
LAB_PID_RUN2=$(cat /run/libvirt/qemu/hv-run2.pid)
LAB_PIDFILE_RUN2=/run/libvirt/qemu/hv-run2.pid
LAB_PID_WEIRD=$(pgrep -f 'guest=we"ird' | head -1)
LAB_LXC_PID=$(lxc-info -n "$LAB_LXC_NAME" -p -H)
LAB_ID_RUN2=$(virsh -q -c qemu:///system domid hv-run2)
mkdir -p stat status cgroup cmdline meminfo procstat netdev ns pidfile cgroupfs/v1 cgroupfs/v2 comm

grab() { cat "$1" > "$2"; }   # byte copy (procfs files have size 0, so no cp)

q=$LAB_PID_RUN2                                  # a running 2-vCPU TCG guest
grab /proc/$q/stat stat/qemu-main.stat
grab /proc/$q/status status/qemu-main.status
grab /proc/$q/cgroup cgroup/real-libvirt-nosystemd-hybrid-emulator.cgroup
grab /proc/$q/cmdline cmdline/qemu-libvirt.cmdline
grab /proc/$LAB_PID_WEIRD/cmdline cmdline/qemu-weird-name.cmdline
grab "$LAB_PIDFILE_RUN2" pidfile/hv-run2.pid
for t in /proc/$q/task/*; do
  c=$(cat "$t/comm")
  case "$c" in
    "CPU 1/TCG") grab "$t/stat" stat/vcpu-tcg.stat; grab "$t/cgroup" cgroup/real-libvirt-nosystemd-hybrid-vcpu1.cgroup
                 grab "$t/comm" comm/vcpu-tcg.comm ;;
    "worker")    grab "$t/stat" stat/worker.stat ;;
    "IO mon_iothread") grab "$t/stat" stat/io-mon-iothread.stat; grab "$t/comm" comm/io-mon-iothread.comm ;;
  esac
done
grab /proc/2/stat stat/kthreadd.stat
grab /proc/2/status status/kthreadd.status
grab /proc/2/cmdline cmdline/kernel-thread.cmdline

c=$LAB_LXC_PID                                   # the LXC container's init
grab /proc/$c/stat stat/lxc-init.stat
grab /proc/$c/status status/lxc-init.status
grab /proc/$c/cgroup cgroup/real-lxc-payload-hybrid.cgroup
grab /proc/$c/net/dev netdev/lxc-container.netdev
readlink /proc/$c/ns/pid > ns/container-pid.link
readlink /proc/self/ns/pid > ns/host-pid.link
readlink /proc/$c/ns/net > ns/container-net.link
mon=$(awk '{print $4}' /proc/$c/stat)            # lxc-start monitor, argv rewritten with spaces
grab /proc/$mon/cmdline cmdline/lxc-monitor.cmdline
grab /proc/$mon/cgroup cgroup/real-lxc-monitor-hybrid.cgroup

# A process whose comm has spaces and parentheses: a copy of sleep named ") (x y) (".
d=$(mktemp -d); cp /bin/sleep "$d/) (x y) ("; "$d/) (x y) (" 30 & w=$!; sleep 0.2
grab /proc/$w/stat stat/comm-parens.stat; kill $w; rm -rf "$d"

grab /proc/meminfo meminfo/host.meminfo
grab /proc/stat procstat/host.stat
grab /proc/self/net/dev netdev/host.netdev
grab /proc/pressure/cpu cgroupfs/v2/proc-pressure-cpu
grab /proc/pressure/memory cgroupfs/v2/proc-pressure-memory
mkdir -p sysfs-ksm/kernel/mm/ksm
for f in pages_shared pages_sharing full_scans run; do grab /sys/kernel/mm/ksm/$f sysfs-ksm/kernel/mm/ksm/$f; done

g=/machine/qemu-${LAB_ID_RUN2}-${LAB_GUEST_RUN2}.libvirt-qemu
grab $CG/cpu$g/cpu.stat cgroupfs/v1/qemu-cpu.stat
grab $CG/memory$g/memory.usage_in_bytes cgroupfs/v1/qemu-memory.usage_in_bytes
grab $CG/memory$g/memory.limit_in_bytes cgroupfs/v1/qemu-memory.limit_in_bytes
grab $CG/memory$g/memory.stat cgroupfs/v1/qemu-memory.stat
grab $CG/memory$g/memory.oom_control cgroupfs/v1/qemu-memory.oom_control
grab $CG/blkio$g/blkio.throttle.io_service_bytes cgroupfs/v1/qemu-blkio.throttle.io_service_bytes
grab $CG/blkio$g/blkio.throttle.io_serviced cgroupfs/v1/qemu-blkio.throttle.io_serviced
grab $CG/unified$g/cpu.stat cgroupfs/v2/qemu-hybrid-cpu.stat
for p in cpu memory io; do grab $CG/unified$g/$p.pressure cgroupfs/v2/qemu-hybrid-$p.pressure; done
l=/lxc.payload.$LAB_LXC_NAME
grab $CG/cpuacct$l/cpuacct.stat cgroupfs/v1/lxc-cpuacct.stat
grab $CG/cpuacct$l/cpuacct.usage cgroupfs/v1/lxc-cpuacct.usage
grab $CG/blkio$l/blkio.throttle.io_service_bytes_recursive cgroupfs/v1/lxc-blkio.throttle.io_service_bytes_recursive
grab $CG/memory$l/memory.stat cgroupfs/v1/lxc-memory.stat
[ -r $CG/memory$l/memory.memsw.usage_in_bytes ] && grab $CG/memory$l/memory.memsw.usage_in_bytes cgroupfs/v1/lxc-memory.memsw.usage_in_bytes
grab $CG/unified$l/cgroup.procs cgroupfs/v2/lxc-cgroup.procs
echo "captured into $(pwd)"
