import HVModel

/// Host-side per-guest families from cgroups and the guest mapper (`hv_guest_*`), for VMs and
/// containers alike. Label `guest` is the guest name; kind, driver and UUID are in
/// `hv_guest_info`. Guests are written in snapshot order; roles sorted by name.
extension SnapshotMetrics {
    static let guestCPUUser = MetricDescriptor("hv_guest_cpu_user_seconds_total", .counter,
        "CPU time the guest's cgroup spent in user mode, seconds.", labels: ["guest"])
    static let guestCPUSystem = MetricDescriptor("hv_guest_cpu_system_seconds_total", .counter,
        "CPU time the guest's cgroup spent in kernel mode, seconds.", labels: ["guest"])
    static let guestThrottledPeriods = MetricDescriptor("hv_guest_cpu_throttled_periods_total", .counter,
        "CFS bandwidth periods in which the guest's cgroup was throttled.", labels: ["guest"])
    static let guestThrottledSeconds = MetricDescriptor("hv_guest_cpu_throttled_seconds_total", .counter,
        "Time the guest's cgroup was throttled by its CPU quota, seconds.", labels: ["guest"])
    static let guestHostCPU = MetricDescriptor("hv_guest_host_cpu_seconds_total", .counter,
        "Host CPU time used by the guest's threads by role (vcpu, emulator, iothread, vhost, worker, kvm, helper, container), seconds. Counted by the exporter from per-thread times; exited threads keep what was last seen.",
        labels: ["guest", "role"])
    static let guestMemoryUsage = MetricDescriptor("hv_guest_memory_usage_bytes", .gauge,
        "Memory charged to the guest's cgroup, bytes.", labels: ["guest"])
    static let guestMemoryWorkingSet = MetricDescriptor("hv_guest_memory_working_set_bytes", .gauge,
        "Memory charged to the guest's cgroup minus inactive file cache, bytes.", labels: ["guest"])
    static let guestMemoryLimit = MetricDescriptor("hv_guest_memory_limit_bytes", .gauge,
        "Memory limit of the guest's cgroup, bytes (absent when unlimited).", labels: ["guest"])
    static let guestMemorySwap = MetricDescriptor("hv_guest_memory_swap_bytes", .gauge,
        "Swap used by the guest's cgroup, bytes.", labels: ["guest"])
    static let guestOOMKills = MetricDescriptor("hv_guest_memory_oom_kills_total", .counter,
        "Processes the OOM killer killed in the guest's cgroup.", labels: ["guest"])
    static let guestBlockReadBytes = MetricDescriptor("hv_guest_block_read_bytes_total", .counter,
        "Bytes the guest's cgroup read from block devices.", labels: ["guest"])
    static let guestBlockWriteBytes = MetricDescriptor("hv_guest_block_write_bytes_total", .counter,
        "Bytes the guest's cgroup wrote to block devices.", labels: ["guest"])
    static let guestBlockReadOps = MetricDescriptor("hv_guest_block_read_operations_total", .counter,
        "Read operations of the guest's cgroup on block devices.", labels: ["guest"])
    static let guestBlockWriteOps = MetricDescriptor("hv_guest_block_write_operations_total", .counter,
        "Write operations of the guest's cgroup on block devices.", labels: ["guest"])
    static let guestPressureCPUSome = MetricDescriptor("hv_guest_pressure_cpu_some_seconds_total", .counter,
        "Time at least one task of the guest's cgroup waited for CPU (PSI), seconds.", labels: ["guest"])
    static let guestPressureCPUFull = MetricDescriptor("hv_guest_pressure_cpu_full_seconds_total", .counter,
        "Time all non-idle tasks of the guest's cgroup waited for CPU (PSI), seconds.", labels: ["guest"])
    static let guestPressureMemorySome = MetricDescriptor("hv_guest_pressure_memory_some_seconds_total", .counter,
        "Time at least one task of the guest's cgroup stalled on memory (PSI), seconds.", labels: ["guest"])
    static let guestPressureMemoryFull = MetricDescriptor("hv_guest_pressure_memory_full_seconds_total", .counter,
        "Time all non-idle tasks of the guest's cgroup stalled on memory (PSI), seconds.", labels: ["guest"])
    static let guestPressureIOSome = MetricDescriptor("hv_guest_pressure_io_some_seconds_total", .counter,
        "Time at least one task of the guest's cgroup stalled on I/O (PSI), seconds.", labels: ["guest"])
    static let guestPressureIOFull = MetricDescriptor("hv_guest_pressure_io_full_seconds_total", .counter,
        "Time all non-idle tasks of the guest's cgroup stalled on I/O (PSI), seconds.", labels: ["guest"])
    static let guestProcesses = MetricDescriptor("hv_guest_processes", .gauge,
        "Host processes of the guest (qemu, helpers, per-VM kernel threads, container processes).", labels: ["guest"])
    static let guestThreads = MetricDescriptor("hv_guest_threads", .gauge,
        "Host threads of the guest by role (vcpu, emulator, iothread, vhost, worker, kvm, helper, container).",
        labels: ["guest", "role"])
    static let guestNetRxBytes = MetricDescriptor("hv_guest_network_receive_bytes_total", .counter,
        "Bytes received in the container's network namespace (all interfaces but lo).", labels: ["guest"])
    static let guestNetTxBytes = MetricDescriptor("hv_guest_network_transmit_bytes_total", .counter,
        "Bytes transmitted in the container's network namespace (all interfaces but lo).", labels: ["guest"])
    static let guestNetRxPackets = MetricDescriptor("hv_guest_network_receive_packets_total", .counter,
        "Packets received in the container's network namespace (all interfaces but lo).", labels: ["guest"])
    static let guestNetTxPackets = MetricDescriptor("hv_guest_network_transmit_packets_total", .counter,
        "Packets transmitted in the container's network namespace (all interfaces but lo).", labels: ["guest"])

    static func addGuestCgroupFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        for g in s.guests {
            guard let c = g.cgroup else { continue }
            let l = [g.name]
            set.add(guestCPUUser, l, ifPresent: c.cpuUserSeconds)
            set.add(guestCPUSystem, l, ifPresent: c.cpuSystemSeconds)
            set.add(guestThrottledPeriods, l, ifPresent: c.throttledPeriods)
            set.add(guestThrottledSeconds, l, ifPresent: c.throttledSeconds)
            for role in c.cpuSecondsByRole.keys.sorted() {
                set.add(guestHostCPU, [g.name, role], c.cpuSecondsByRole[role]!)
            }
            set.add(guestMemoryUsage, l, ifPresent: c.memoryUsageBytes)
            set.add(guestMemoryWorkingSet, l, ifPresent: c.memoryWorkingSetBytes)
            set.add(guestMemoryLimit, l, ifPresent: c.memoryLimitBytes)
            set.add(guestMemorySwap, l, ifPresent: c.memorySwapBytes)
            set.add(guestOOMKills, l, ifPresent: c.oomKills)
            set.add(guestBlockReadBytes, l, ifPresent: c.blockReadBytes)
            set.add(guestBlockWriteBytes, l, ifPresent: c.blockWriteBytes)
            set.add(guestBlockReadOps, l, ifPresent: c.blockReadOps)
            set.add(guestBlockWriteOps, l, ifPresent: c.blockWriteOps)
            set.add(guestPressureCPUSome, l, ifPresent: c.cpuPressureSomeSeconds)
            set.add(guestPressureCPUFull, l, ifPresent: c.cpuPressureFullSeconds)
            set.add(guestPressureMemorySome, l, ifPresent: c.memoryPressureSomeSeconds)
            set.add(guestPressureMemoryFull, l, ifPresent: c.memoryPressureFullSeconds)
            set.add(guestPressureIOSome, l, ifPresent: c.ioPressureSomeSeconds)
            set.add(guestPressureIOFull, l, ifPresent: c.ioPressureFullSeconds)
            set.add(guestProcesses, l, ifPresent: c.processes)
            for role in c.threadsByRole.keys.sorted() {
                set.add(guestThreads, [g.name, role], c.threadsByRole[role]!)
            }
            set.add(guestNetRxBytes, l, ifPresent: c.netRxBytes)
            set.add(guestNetTxBytes, l, ifPresent: c.netTxBytes)
            set.add(guestNetRxPackets, l, ifPresent: c.netRxPackets)
            set.add(guestNetTxPackets, l, ifPresent: c.netTxPackets)
        }
    }
}
