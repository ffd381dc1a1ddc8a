import HVModel

/// Host-side per-guest families from cgroups and the guest mapper (`hv_guest_*`), for VMs and
/// containers alike. Labels `guest` (the name) and `driver` (qemu, lxc, lxc-tools, lxd, incus,
/// nspawn...): a VM and a container may share a name, and names are unique per driver, so the
/// pair identifies the guest (see `seriesOwners`); kind and UUID are in `hv_guest_info`.
/// Guests are written in snapshot order; roles sorted by name.
extension SnapshotMetrics {
    static let guestCPUUser = MetricDescriptor(
        "hv_guest_cpu_user_seconds_total", .counter,
        "CPU time the guest's cgroup spent in user mode, seconds.", labels: ["guest", "driver"])
    static let guestCPUSystem = MetricDescriptor(
        "hv_guest_cpu_system_seconds_total", .counter,
        "CPU time the guest's cgroup spent in kernel mode, seconds.", labels: ["guest", "driver"])
    static let guestThrottledPeriods = MetricDescriptor(
        "hv_guest_cpu_throttled_periods_total", .counter,
        "CFS bandwidth periods in which the guest's cgroup was throttled.", labels: ["guest", "driver"])
    static let guestThrottledSeconds = MetricDescriptor(
        "hv_guest_cpu_throttled_seconds_total", .counter,
        "Time the guest's cgroup was throttled by its CPU quota, seconds.", labels: ["guest", "driver"])
    static let guestHostCPU = MetricDescriptor(
        "hv_guest_host_cpu_seconds_total", .counter,
        "Host CPU time used by the guest's threads by role (vcpu, emulator, iothread, vhost, worker, kvm, helper, container), seconds. Counted by the exporter from per-thread times; exited threads keep what was last seen.",
        labels: ["guest", "driver", "role"])
    static let guestMemoryUsage = MetricDescriptor(
        "hv_guest_memory_usage_bytes", .gauge,
        "Memory charged to the guest's cgroup, bytes.", labels: ["guest", "driver"])
    static let guestMemoryWorkingSet = MetricDescriptor(
        "hv_guest_memory_working_set_bytes", .gauge,
        "Memory charged to the guest's cgroup minus inactive file cache, bytes.", labels: ["guest", "driver"])
    static let guestMemoryLimit = MetricDescriptor(
        "hv_guest_memory_limit_bytes", .gauge,
        "Memory limit of the guest's cgroup, bytes (absent when unlimited).", labels: ["guest", "driver"])
    static let guestMemorySwap = MetricDescriptor(
        "hv_guest_memory_swap_bytes", .gauge,
        "Swap used by the guest's cgroup, bytes.", labels: ["guest", "driver"])
    static let guestOOMKills = MetricDescriptor(
        "hv_guest_memory_oom_kills_total", .counter,
        "Processes the OOM killer killed in the guest's cgroup.", labels: ["guest", "driver"])
    static let guestBlockReadBytes = MetricDescriptor(
        "hv_guest_block_read_bytes_total", .counter,
        "Bytes the guest's cgroup read from block devices.", labels: ["guest", "driver"])
    static let guestBlockWriteBytes = MetricDescriptor(
        "hv_guest_block_write_bytes_total", .counter,
        "Bytes the guest's cgroup wrote to block devices.", labels: ["guest", "driver"])
    static let guestBlockReadOps = MetricDescriptor(
        "hv_guest_block_read_operations_total", .counter,
        "Read operations of the guest's cgroup on block devices.", labels: ["guest", "driver"])
    static let guestBlockWriteOps = MetricDescriptor(
        "hv_guest_block_write_operations_total", .counter,
        "Write operations of the guest's cgroup on block devices.", labels: ["guest", "driver"])
    static let guestPressureCPUSome = MetricDescriptor(
        "hv_guest_pressure_cpu_some_seconds_total", .counter,
        "Time at least one task of the guest's cgroup waited for CPU (PSI), seconds.", labels: ["guest", "driver"])
    static let guestPressureCPUFull = MetricDescriptor(
        "hv_guest_pressure_cpu_full_seconds_total", .counter,
        "Time all non-idle tasks of the guest's cgroup waited for CPU (PSI), seconds.", labels: ["guest", "driver"])
    static let guestPressureMemorySome = MetricDescriptor(
        "hv_guest_pressure_memory_some_seconds_total", .counter,
        "Time at least one task of the guest's cgroup stalled on memory (PSI), seconds.", labels: ["guest", "driver"])
    static let guestPressureMemoryFull = MetricDescriptor(
        "hv_guest_pressure_memory_full_seconds_total", .counter,
        "Time all non-idle tasks of the guest's cgroup stalled on memory (PSI), seconds.", labels: ["guest", "driver"])
    static let guestPressureIOSome = MetricDescriptor(
        "hv_guest_pressure_io_some_seconds_total", .counter,
        "Time at least one task of the guest's cgroup stalled on I/O (PSI), seconds.", labels: ["guest", "driver"])
    static let guestPressureIOFull = MetricDescriptor(
        "hv_guest_pressure_io_full_seconds_total", .counter,
        "Time all non-idle tasks of the guest's cgroup stalled on I/O (PSI), seconds.", labels: ["guest", "driver"])
    static let guestProcesses = MetricDescriptor(
        "hv_guest_processes", .gauge,
        "Host processes of the guest (qemu, helpers, per-VM kernel threads, container processes).", labels: ["guest", "driver"])
    static let guestThreads = MetricDescriptor(
        "hv_guest_threads", .gauge,
        "Host threads of the guest by role (vcpu, emulator, iothread, vhost, worker, kvm, helper, container).",
        labels: ["guest", "driver", "role"])
    static let guestNetRxBytes = MetricDescriptor(
        "hv_guest_network_receive_bytes_total", .counter,
        "Bytes received in the container's network namespace (all interfaces but lo).", labels: ["guest", "driver"])
    static let guestNetTxBytes = MetricDescriptor(
        "hv_guest_network_transmit_bytes_total", .counter,
        "Bytes transmitted in the container's network namespace (all interfaces but lo).", labels: ["guest", "driver"])
    static let guestNetRxPackets = MetricDescriptor(
        "hv_guest_network_receive_packets_total", .counter,
        "Packets received in the container's network namespace (all interfaces but lo).", labels: ["guest", "driver"])
    static let guestNetTxPackets = MetricDescriptor(
        "hv_guest_network_transmit_packets_total", .counter,
        "Packets transmitted in the container's network namespace (all interfaces but lo).", labels: ["guest", "driver"])

    static func addGuestCgroupFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        let owners = seriesOwners(s.guests)
        for (i, g) in s.guests.enumerated() where owners[i] {
            guard let c = g.cgroup else { continue }
            let l = [g.name, g.driver]
            set.add(guestCPUUser, l, ifPresent: c.cpuUserSeconds)
            set.add(guestCPUSystem, l, ifPresent: c.cpuSystemSeconds)
            set.add(guestThrottledPeriods, l, ifPresent: c.throttledPeriods)
            set.add(guestThrottledSeconds, l, ifPresent: c.throttledSeconds)
            for role in c.cpuSecondsByRole.keys.sorted() {
                set.add(guestHostCPU, [g.name, g.driver, role], c.cpuSecondsByRole[role]!)
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
                set.add(guestThreads, [g.name, g.driver, role], c.threadsByRole[role]!)
            }
            set.add(guestNetRxBytes, l, ifPresent: c.netRxBytes)
            set.add(guestNetTxBytes, l, ifPresent: c.netTxBytes)
            set.add(guestNetRxPackets, l, ifPresent: c.netRxPackets)
            set.add(guestNetTxPackets, l, ifPresent: c.netTxPackets)
        }
    }

    /// For each guest, whether it gets the per-guest `hv_guest_*` series (all but
    /// `hv_guest_info`): the first guest of each (name, driver), those libvirt lists first.
    ///
    /// libvirt and every container manager keep names unique per driver, so (guest, driver)
    /// is unique by construction except in one case: QEMU guests of one name run by two
    /// libvirt daemons on the host (qemu:///system and a qemu:///session, a second daemon in
    /// its own namespace), which the guest mapper finds by their `-uuid`. The later one keeps
    /// its `hv_guest_info` series (which carries its UUID) and is counted in
    /// `hv_guests_name_conflicts`; its figures stay in /json.
    static func seriesOwners(_ guests: [Guest]) -> [Bool] {
        var owners = [Bool](repeating: false, count: guests.count)
        var taken = Set<String>()
        for listedPass in [true, false] {
            for (i, g) in guests.enumerated() where g.listedByLibvirt == listedPass {
                owners[i] = taken.insert("\(g.driver)\u{0}\(g.name)").inserted
            }
        }
        return owners
    }
}
