import HVModel

/// libvirt families. Names follow the libvirt exporters users already run
/// (`libvirt_domain_info_*`, `libvirt_domain_vcpu_*`, `libvirt_domain_block_stats_*`,
/// `libvirt_domain_interface_stats_*`, `libvirt_domain_memory_stats_*`), so their
/// dashboards keep working; their label for the guest is `domain`. New families are `hv_*`.
extension SnapshotMetrics {
    // MARK: health
    static let libvirtUp = MetricDescriptor(
        "libvirt_up", .gauge,
        "1 if the libvirt daemon answered in this scrape, 0 if not.")
    static let libvirtVersions = MetricDescriptor(
        "libvirt_versions_info", .gauge,
        "Versions of the hypervisor, libvirt daemon and libvirt library, as labels; value 1.",
        labels: ["hypervisor_type", "hypervisor_running", "libvirtd_running", "libvirt_library"])
    static let domainTimedOut = MetricDescriptor(
        "libvirt_domain_timed_out", .gauge,
        "1 if libvirt did not answer for this domain within the scrape deadline (its data is missing or stale).",
        labels: ["domain"])
    static let domainStatsAge = MetricDescriptor(
        "hv_domain_stats_age_seconds", .gauge,
        "Age of the statistics shown for this domain, seconds: 0 when fresh; more when libvirt could not give them this scrape (the domain's job held by another client, or a hung QEMU) and its last complete figures are shown.",
        labels: ["domain"])
    static let guests = MetricDescriptor(
        "hv_guests", .gauge,
        "Number of guests by kind and state.", labels: ["kind", "state"])
    static let nameConflicts = MetricDescriptor(
        "hv_guests_name_conflicts", .gauge,
        "Guests left out of the per-guest hv_guest_* families because another guest has the same name and driver (QEMU guests of one name under two libvirt daemons); they keep hv_guest_info, their figures are in /json."
    )

    // MARK: identity
    static let guestInfo = MetricDescriptor(
        "hv_guest_info", .gauge,
        "Guest identity and state as labels; value 1. Join on guest and driver (hv_*) or domain (libvirt_*).",
        labels: ["guest", "uuid", "kind", "driver", "state"])
    static let guestPersistent = MetricDescriptor(
        "hv_guest_persistent", .gauge,
        "1 if the guest has a persistent definition, 0 if transient (gone when it stops).", labels: ["guest", "driver"])
    static let guestAutostart = MetricDescriptor(
        "hv_guest_autostart", .gauge,
        "1 if the guest starts when the host boots.", labels: ["guest", "driver"])
    static let vstate = MetricDescriptor(
        "libvirt_domain_info_vstate", .gauge,
        "Domain state code: 0 nostate, 1 running, 2 blocked, 3 paused, 4 shutdown, 5 shutoff, 6 crashed, 7 pmsuspended.",
        labels: ["domain"])
    /// The Debian package's libvirt exporter names these two; kept so its dashboards work.
    static let stateCode = MetricDescriptor(
        "libvirt_domain_state_code", .gauge,
        "State code of an active domain (as libvirt_domain_info_vstate), with its UUID.", labels: ["domain", "uuid"])
    static let activeDomains = MetricDescriptor(
        "libvirt_domains_number", .gauge,
        "Number of active (running or paused) libvirt domains.")
    static let stateReason = MetricDescriptor(
        "hv_guest_state_reason", .gauge,
        "libvirt's reason code for the current state (see virDomain<State>Reason).", labels: ["guest", "driver"])
    static let maxMemory = MetricDescriptor(
        "libvirt_domain_info_maximum_memory_bytes", .gauge,
        "Maximum memory the domain may use, bytes.", labels: ["domain"])
    static let memoryUsage = MetricDescriptor(
        "libvirt_domain_info_memory_usage_bytes", .gauge,
        "Memory currently given to the domain (balloon size), bytes.", labels: ["domain"])
    static let virtualCPUs = MetricDescriptor(
        "libvirt_domain_info_virtual_cpus", .gauge,
        "Number of virtual CPUs currently online in the domain.", labels: ["domain"])
    static let vcpuMaximum = MetricDescriptor(
        "libvirt_domain_vcpu_maximum", .gauge,
        "Maximum number of virtual CPUs of the domain.", labels: ["domain"])
    static let cpuTime = MetricDescriptor(
        "libvirt_domain_info_cpu_time_seconds_total", .counter,
        "CPU time used by the domain, seconds.", labels: ["domain"])

    // MARK: vCPUs
    static let vcpuState = MetricDescriptor(
        "libvirt_domain_vcpu_state", .gauge,
        "vCPU state: 0 offline, 1 running, 2 blocked.", labels: ["domain", "vcpu"])
    static let vcpuTime = MetricDescriptor(
        "libvirt_domain_vcpu_time_seconds_total", .counter,
        "Time the vCPU spent running on a host CPU, seconds.", labels: ["domain", "vcpu"])
    static let vcpuWait = MetricDescriptor(
        "libvirt_domain_vcpu_wait_seconds_total", .counter,
        "Time the vCPU spent waiting on I/O or other resources, seconds.", labels: ["domain", "vcpu"])
    static let vcpuDelay = MetricDescriptor(
        "libvirt_domain_vcpu_delay_seconds_total", .counter,
        "Time the vCPU was runnable but waited for a host CPU (steal time as the guest sees it), seconds.",
        labels: ["domain", "vcpu"])

    // MARK: balloon
    static let memActual = MetricDescriptor(
        "libvirt_domain_memory_stats_actual_balloon_bytes", .gauge,
        "Current balloon size, bytes.", labels: ["domain"])
    static let memUnused = MetricDescriptor(
        "libvirt_domain_memory_stats_unused_bytes", .gauge,
        "Memory left completely unused by the guest, bytes.", labels: ["domain"])
    static let memAvailable = MetricDescriptor(
        "libvirt_domain_memory_stats_available_bytes", .gauge,
        "Memory the guest sees as total, bytes.", labels: ["domain"])
    static let memUsable = MetricDescriptor(
        "libvirt_domain_memory_stats_usable_bytes", .gauge,
        "Memory the guest can use without swapping (MemAvailable), bytes.", labels: ["domain"])
    static let memRSS = MetricDescriptor(
        "libvirt_domain_memory_stats_rss_bytes", .gauge,
        "Resident set size of the domain's process on the host, bytes.", labels: ["domain"])
    static let memDiskCache = MetricDescriptor(
        "libvirt_domain_memory_stats_disk_cache_bytes", .gauge,
        "Guest memory that can be reclaimed without I/O (page cache), bytes.", labels: ["domain"])
    static let memMajorFault = MetricDescriptor(
        "libvirt_domain_memory_stats_major_fault_total", .counter,
        "Page faults in the guest that needed disk I/O.", labels: ["domain"])
    static let memMinorFault = MetricDescriptor(
        "libvirt_domain_memory_stats_minor_fault_total", .counter,
        "Page faults in the guest served without disk I/O.", labels: ["domain"])
    static let memSwapIn = MetricDescriptor(
        "libvirt_domain_memory_stats_swap_in_bytes_total", .counter,
        "Memory the guest read from its swap, bytes.", labels: ["domain"])
    static let memSwapOut = MetricDescriptor(
        "libvirt_domain_memory_stats_swap_out_bytes_total", .counter,
        "Memory the guest wrote to its swap, bytes.", labels: ["domain"])
    static let memUsedRatio = MetricDescriptor(
        "hv_guest_memory_used_ratio", .gauge,
        "1 - usable/available as the guest's balloon driver reports it (0..1).", labels: ["guest", "driver"])

    // MARK: block
    static let blockInfo = MetricDescriptor(
        "libvirt_domain_block_stats_info", .gauge,
        "Block device metadata from the domain XML; value 1.",
        labels: ["domain", "target_device", "source_file", "disk_type", "device", "bus", "cache", "driver_type", "serial"])
    static let blockReadBytes = MetricDescriptor(
        "libvirt_domain_block_stats_read_bytes_total", .counter,
        "Bytes read from the block device.", labels: ["domain", "target_device"])
    static let blockReadReqs = MetricDescriptor(
        "libvirt_domain_block_stats_read_requests_total", .counter,
        "Read requests on the block device.", labels: ["domain", "target_device"])
    static let blockReadTime = MetricDescriptor(
        "libvirt_domain_block_stats_read_time_seconds_total", .counter,
        "Time spent on reads from the block device, seconds.", labels: ["domain", "target_device"])
    static let blockWriteBytes = MetricDescriptor(
        "libvirt_domain_block_stats_write_bytes_total", .counter,
        "Bytes written to the block device.", labels: ["domain", "target_device"])
    static let blockWriteReqs = MetricDescriptor(
        "libvirt_domain_block_stats_write_requests_total", .counter,
        "Write requests on the block device.", labels: ["domain", "target_device"])
    static let blockWriteTime = MetricDescriptor(
        "libvirt_domain_block_stats_write_time_seconds_total", .counter,
        "Time spent on writes to the block device, seconds.", labels: ["domain", "target_device"])
    static let blockFlushReqs = MetricDescriptor(
        "libvirt_domain_block_stats_flush_requests_total", .counter,
        "Flush requests on the block device.", labels: ["domain", "target_device"])
    static let blockFlushTime = MetricDescriptor(
        "libvirt_domain_block_stats_flush_time_seconds_total", .counter,
        "Time spent on flushes of the block device, seconds.", labels: ["domain", "target_device"])
    static let blockErrors = MetricDescriptor(
        "libvirt_domain_block_stats_errors_total", .counter,
        "I/O errors reported for the block device (Xen only; QEMU reports none).", labels: ["domain", "target_device"])
    static let blockCapacity = MetricDescriptor(
        "libvirt_domain_block_stats_capacity_bytes", .gauge,
        "Logical size of the block device as the guest sees it, bytes.", labels: ["domain", "target_device"])
    static let blockAllocation = MetricDescriptor(
        "libvirt_domain_block_stats_allocation_bytes", .gauge,
        "Highest allocated extent of the image on the host, bytes.", labels: ["domain", "target_device"])
    static let blockPhysical = MetricDescriptor(
        "libvirt_domain_block_stats_physical_bytes", .gauge,
        "Size of the image file or device on the host, bytes.", labels: ["domain", "target_device"])

    // MARK: interfaces
    static let ifInfo = MetricDescriptor(
        "libvirt_domain_interface_stats_info", .gauge,
        "Network interface metadata from the domain XML; value 1. interface_type: bridge, network, direct (macvtap), hostdev, user, ethernet, vhostuser.",
        labels: ["domain", "target_device", "interface_type", "source", "mac", "model"])
    static let ifRxBytes = MetricDescriptor(
        "libvirt_domain_interface_stats_receive_bytes_total", .counter,
        "Bytes received by the guest on the interface.", labels: ["domain", "target_device"])
    static let ifRxPackets = MetricDescriptor(
        "libvirt_domain_interface_stats_receive_packets_total", .counter,
        "Packets received by the guest on the interface.", labels: ["domain", "target_device"])
    static let ifRxErrors = MetricDescriptor(
        "libvirt_domain_interface_stats_receive_errors_total", .counter,
        "Receive errors on the interface.", labels: ["domain", "target_device"])
    static let ifRxDrops = MetricDescriptor(
        "libvirt_domain_interface_stats_receive_drops_total", .counter,
        "Received packets dropped on the interface.", labels: ["domain", "target_device"])
    static let ifTxBytes = MetricDescriptor(
        "libvirt_domain_interface_stats_transmit_bytes_total", .counter,
        "Bytes transmitted by the guest on the interface.", labels: ["domain", "target_device"])
    static let ifTxPackets = MetricDescriptor(
        "libvirt_domain_interface_stats_transmit_packets_total", .counter,
        "Packets transmitted by the guest on the interface.", labels: ["domain", "target_device"])
    static let ifTxErrors = MetricDescriptor(
        "libvirt_domain_interface_stats_transmit_errors_total", .counter,
        "Transmit errors on the interface.", labels: ["domain", "target_device"])
    static let ifTxDrops = MetricDescriptor(
        "libvirt_domain_interface_stats_transmit_drops_total", .counter,
        "Transmitted packets dropped on the interface.", labels: ["domain", "target_device"])

    static func addLibvirtFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        // Guest counts and identity cover containers too.
        var counts: [String: Int] = [:]
        for g in s.guests { counts["\(g.kind.rawValue)\u{0}\(g.state.rawValue)", default: 0] += 1 }
        for key in counts.keys.sorted() {
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
            set.add(guests, [String(parts[0]), String(parts[1])], counts[key]!)
        }
        let owners = seriesOwners(s.guests)
        var infoKeys = Set<String>()
        for (i, g) in s.guests.enumerated() {
            // hv_guest_info carries the UUID: unique even for QEMU twins (one per guest key).
            if infoKeys.insert(g.key).inserted {
                set.add(guestInfo, [g.name, g.uuid ?? "", g.kind.rawValue, g.driver, g.state.rawValue], 1)
            }
            guard owners[i] else { continue }
            if let p = g.persistent { set.add(guestPersistent, [g.name, g.driver], p) }
            if let a = g.autostart { set.add(guestAutostart, [g.name, g.driver], a) }
        }
        set.add(nameConflicts, [], owners.count(where: { !$0 }))

        guard let lv = s.libvirt else { return }
        set.add(libvirtUp, [], lv.up)
        if lv.up {
            set.add(
                libvirtVersions,
                [
                    lv.hypervisorType ?? "", lv.hypervisorVersion ?? "",
                    lv.daemonVersion ?? "", lv.libraryVersion ?? "",
                ], 1)
        }
        set.declare(domainTimedOut)
        set.declare(domainStatsAge)
        var active = 0
        var domains = Set<String>()
        for (i, g) in s.guests.enumerated() where g.listedByLibvirt {
            // One libvirt URI: domain names are unique; the set only makes it so by construction.
            guard g.uuid != nil, domains.insert(g.name).inserted else { continue }
            let d = [g.name]
            let gd = [g.name, g.driver]
            set.add(domainTimedOut, d, g.timedOut)
            if g.domainID != nil { set.add(domainStatsAge, d, g.statsAgeSeconds ?? 0) }
            set.add(vstate, d, g.state.code)
            if g.domainID != nil, let u = g.uuid {
                active += 1
                set.add(stateCode, [g.name, u], g.state.code)
            }
            if owners[i] { set.add(stateReason, gd, g.stateReason) }
            set.add(maxMemory, d, ifPresent: g.maxMemoryBytes)
            set.add(memoryUsage, d, ifPresent: g.memoryBytes)
            set.add(virtualCPUs, d, ifPresent: g.vcpuCurrent)
            set.add(vcpuMaximum, d, ifPresent: g.vcpuMaximum)
            set.add(cpuTime, d, ifPresent: g.cpuTimeSeconds)

            for v in g.vcpus {
                let l = [g.name, String(v.index)]
                set.add(vcpuState, l, ifPresent: v.state)
                set.add(vcpuTime, l, ifPresent: v.timeSeconds)
                set.add(vcpuWait, l, ifPresent: v.waitSeconds)
                set.add(vcpuDelay, l, ifPresent: v.delaySeconds)
            }

            if let b = g.balloon {
                set.add(memActual, d, ifPresent: b.currentBytes)
                set.add(memUnused, d, ifPresent: b.unusedBytes)
                set.add(memAvailable, d, ifPresent: b.availableBytes)
                set.add(memUsable, d, ifPresent: b.usableBytes)
                set.add(memRSS, d, ifPresent: b.rssBytes)
                set.add(memDiskCache, d, ifPresent: b.diskCachesBytes)
                set.add(memMajorFault, d, ifPresent: b.majorFaults)
                set.add(memMinorFault, d, ifPresent: b.minorFaults)
                set.add(memSwapIn, d, ifPresent: b.swapInBytes)
                set.add(memSwapOut, d, ifPresent: b.swapOutBytes)
                if owners[i], let avail = b.availableBytes, avail > 0, let usable = b.usableBytes {
                    set.add(memUsedRatio, gd, max(0, min(1, 1 - Double(usable) / Double(avail))))
                }
            }

            for b in g.blockDevices {
                set.add(
                    blockInfo,
                    [
                        g.name, b.target, b.source, b.diskType ?? "", b.device ?? "", b.bus ?? "",
                        b.cache ?? "", b.format ?? "", b.serial ?? "",
                    ], 1)
                let l = [g.name, b.target]
                set.add(blockReadBytes, l, ifPresent: b.readBytes)
                set.add(blockReadReqs, l, ifPresent: b.readRequests)
                set.add(blockReadTime, l, ifPresent: b.readTimeSeconds)
                set.add(blockWriteBytes, l, ifPresent: b.writeBytes)
                set.add(blockWriteReqs, l, ifPresent: b.writeRequests)
                set.add(blockWriteTime, l, ifPresent: b.writeTimeSeconds)
                set.add(blockFlushReqs, l, ifPresent: b.flushRequests)
                set.add(blockFlushTime, l, ifPresent: b.flushTimeSeconds)
                set.add(blockErrors, l, ifPresent: b.errors)
                set.add(blockCapacity, l, ifPresent: b.capacityBytes)
                set.add(blockAllocation, l, ifPresent: b.allocationBytes)
                set.add(blockPhysical, l, ifPresent: b.physicalBytes)
            }

            for n in g.interfaces {
                set.add(ifInfo, [g.name, n.target, n.type ?? "", n.source ?? "", n.mac ?? "", n.model ?? ""], 1)
                let l = [g.name, n.target]
                set.add(ifRxBytes, l, ifPresent: n.rxBytes)
                set.add(ifRxPackets, l, ifPresent: n.rxPackets)
                set.add(ifRxErrors, l, ifPresent: n.rxErrors)
                set.add(ifRxDrops, l, ifPresent: n.rxDrops)
                set.add(ifTxBytes, l, ifPresent: n.txBytes)
                set.add(ifTxPackets, l, ifPresent: n.txPackets)
                set.add(ifTxErrors, l, ifPresent: n.txErrors)
                set.add(ifTxDrops, l, ifPresent: n.txDrops)
            }
        }
        if lv.up { set.add(activeDomains, [], active) }
    }
}
