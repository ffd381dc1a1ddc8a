import HVModel

extension ZabbixItem {
    /// Every key, in documentation order.
    public static let catalog: [ZabbixItem] = [
        ZabbixItem(
            name: "hv.snapshot", params: [], units: "", help: "The whole /json document (master item for dependent items).", eval: .snapshot
        ),
        value("hv.libvirt.up", [], "", "1 when the libvirt connection answers, else 0.") { s, _ throws(ZabbixError) in
            guard let l = s.libvirt else { throw ZabbixError("no data (collector libvirt not enabled/available)") }
            return bool(l.up)
        },
        value(
            "hv.collector.success", ["COLLECTOR"], "",
            "1 when the named collector succeeded in this collection, 0 when it failed or did not run."
        ) { s, p throws(ZabbixError) in
            bool(s.collectors.first { $0.name == p[0] }?.success ?? false)
        },
        value("hv.guests.count", ["STATE?"], "", "Number of guests, or of guests in STATE (running, paused, shutoff, crashed...).") {
            s, p throws(ZabbixError) in
            let st = p.first ?? ""
            if st.isEmpty || st == "all" { return String(s.guests.count) }
            guard GuestState(rawValue: st) != nil else {
                throw ZabbixError("unknown state '\(st)'; one of \(GuestState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return String(s.guests.filter { $0.state.rawValue == st }.count)
        },
        value("hv.host.vcpu.overcommit", [], "", "vCPUs of running guests per host CPU.") { s, _ throws(ZabbixError) in
            try num(HostSummary(s, rows: []).vcpuOvercommit, "host CPU count (collector host)")
        },
        value("hv.host.memory.overcommit", [], "", "Memory of running guests over host memory.") { s, _ throws(ZabbixError) in
            try num(HostSummary(s, rows: []).memoryOvercommit, "host memory (collector host)")
        },

        // Guests: NAME is the guest's name, UUID or key.
        value(
            "hv.guest.state", ["NAME"], "",
            "virDomainState: 0 nostate, 1 running, 2 blocked, 3 paused, 4 shutdown, 5 shutoff, 6 crashed, 7 pmsuspended."
        ) { s, p throws(ZabbixError) in
            String(try guest(s, p).state.code)
        },
        value("hv.guest.state.text", ["NAME"], "", "State name: running, paused, shutoff...") { s, p throws(ZabbixError) in
            try guest(s, p).state.rawValue
        },
        value("hv.guest.persistent", ["NAME"], "", "1 when the guest is defined (survives a stop), 0 when transient.") {
            s, p throws(ZabbixError) in
            let g = try guest(s, p)
            guard let v = g.persistent else { throw ZabbixError("no data: persistence of \(g.name) unknown") }
            return bool(v)
        },
        value("hv.guest.autostart", ["NAME"], "", "1 when the guest starts with the host.") { s, p throws(ZabbixError) in
            let g = try guest(s, p)
            guard let v = g.autostart else { throw ZabbixError("no data: autostart of \(g.name) unknown") }
            return bool(v)
        },
        value("hv.guest.timed_out", ["NAME"], "", "1 when libvirt did not answer for the guest in time.") { s, p throws(ZabbixError) in
            bool(try guest(s, p).timedOut)
        },
        value("hv.guest.vcpus", ["NAME"], "", "vCPUs online.") { s, p throws(ZabbixError) in
            let g = try guest(s, p)
            return try num((g.vcpuCurrent ?? g.vcpuMaximum).map { Double($0) }, "vCPU count of \(g.name)")
        },
        value("hv.guest.cpu.time", ["NAME"], "s", "CPU time used, seconds (counter).") { s, p throws(ZabbixError) in
            let g = try guest(s, p)
            return try num(GuestCounters(g).cpuSeconds, "CPU time of \(g.name)")
        },
        ZabbixItem(
            name: "hv.guest.cpu.util", params: ["NAME"], units: "%",
            help: "CPU use, percent of one host CPU (200 = two CPUs busy), averaged since the previous call (or over 1 s).",
            eval: .guestRate { _, now, before, dt in RateMath.cpuPercent(before.cpuSeconds, now.cpuSeconds, seconds: dt) }),
        ZabbixItem(
            name: "hv.guest.cpu.steal", params: ["NAME"], units: "%",
            help: "Steal: percent of the guest's vCPU time spent runnable but waiting for a host CPU, averaged like cpu.util.",
            eval: .guestRate { g, now, before, dt in
                RateMath.stealPercent(before.stealSeconds, now.stealSeconds, seconds: dt, vcpus: g.vcpus.count)
            }),
        value("hv.guest.memory", ["NAME"], "B", "Memory given to the guest (current balloon size), bytes.") { s, p throws(ZabbixError) in
            let g = try guest(s, p)
            return try num(GuestRow(guest: g, previous: nil, seconds: nil).memoryBytes.map { Double($0) }, "memory of \(g.name)")
        },
        value("hv.guest.memory.max", ["NAME"], "B", "Configured maximum memory, bytes.") { s, p throws(ZabbixError) in
            let g = try guest(s, p)
            return try num(g.maxMemoryBytes.map { Double($0) }, "maximum memory of \(g.name)")
        },
        value("hv.guest.memory.rss", ["NAME"], "B", "Host memory the guest occupies (QEMU RSS; container: cgroup usage), bytes.") {
            s, p throws(ZabbixError) in
            let g = try guest(s, p)
            var rss: UInt64?
            for e in s.processes where e.guestKey == g.key && e.pid == e.tid { rss = (rss ?? 0) &+ e.rssBytes }
            return try num(GuestRow(guest: g, previous: nil, seconds: nil, processRSS: rss).rssBytes.map { Double($0) }, "RSS of \(g.name)")
        },
        value("hv.guest.memory.usable", ["NAME"], "B", "Memory the guest could use without swapping (balloon driver), bytes.") {
            s, p throws(ZabbixError) in
            let g = try guest(s, p)
            return try num(g.balloon?.usableBytes.map { Double($0) }, "balloon usable memory of \(g.name)")
        },
        diskValue("hv.guest.disk.read.bytes", "B", "Bytes read from disk DEV (counter).") { $0.readBytes },
        diskValue("hv.guest.disk.write.bytes", "B", "Bytes written to disk DEV (counter).") { $0.writeBytes },
        diskValue("hv.guest.disk.read.ops", "", "Read requests on disk DEV (counter).") { $0.readRequests },
        diskValue("hv.guest.disk.write.ops", "", "Write requests on disk DEV (counter).") { $0.writeRequests },
        diskValue("hv.guest.disk.capacity", "B", "Size of disk DEV as the guest sees it, bytes.") { $0.capacityBytes },
        diskValue("hv.guest.disk.allocation", "B", "Host bytes allocated to disk DEV.") { $0.allocationBytes },
        netValue("hv.guest.net.rx.bytes", "B", "Bytes received on interface DEV (counter).") { $0.rxBytes },
        netValue("hv.guest.net.tx.bytes", "B", "Bytes sent on interface DEV (counter).") { $0.txBytes },
        netValue("hv.guest.net.rx.packets", "", "Packets received on DEV (counter).") { $0.rxPackets },
        netValue("hv.guest.net.tx.packets", "", "Packets sent on DEV (counter).") { $0.txPackets },
        netValue("hv.guest.net.rx.errors", "", "Receive errors on DEV (counter).") { $0.rxErrors },
        netValue("hv.guest.net.tx.errors", "", "Transmit errors on DEV (counter).") { $0.txErrors },
        netValue("hv.guest.net.rx.drops", "", "Received packets dropped on DEV (counter).") { $0.rxDrops },
        netValue("hv.guest.net.tx.drops", "", "Sent packets dropped on DEV (counter).") { $0.txDrops },
        value("hv.guest.job.active", ["NAME"], "", "1 while a libvirt job (migration, save, dump...) or block job runs.") {
            s, p throws(ZabbixError) in
            let g = try guest(s, p)
            return bool((g.job.map { $0.type == 1 || $0.type == 2 } ?? false) || !g.blockJobs.isEmpty)
        },
        value("hv.guest.job.progress", ["NAME"], "%", "Progress of the running job, percent; 0 when none runs.") {
            s, p throws(ZabbixError) in
            let g = try guest(s, p)
            return Format.number((GuestRow(guest: g, previous: nil, seconds: nil).jobProgress ?? 0) * 100)
        },
        value("hv.guest.processes", ["NAME"], "", "Host processes belonging to the guest (guest mapper).") { s, p throws(ZabbixError) in
            let g = try guest(s, p)
            if let n = g.cgroup?.processes { return String(n) }
            guard CollectorNames.noData(s, CollectorNames.processes) == nil else {
                throw ZabbixError(CollectorNames.noData(s, CollectorNames.processes)!)
            }
            return String(Set(s.processes.filter { $0.guestKey == g.key }.map(\.pid)).count)
        },

        // md RAID: DEV is "md0" or "/dev/md0".
        value("hv.md.degraded", ["DEV"], "", "Members missing or failed (0 = complete).") { s, p throws(ZabbixError) in
            String(ArrayHealth.degradedCount(try array(s, p[0])))
        },
        value("hv.md.state", ["DEV"], "", "md array_state: clean, active, inactive, read-auto...") { s, p throws(ZabbixError) in
            let a = try array(s, p[0])
            guard let st = a.arrayState else { throw ZabbixError("no data: array_state of \(a.device)") }
            return st
        },
        value(
            "hv.md.status", ["DEV"], "",
            "hvtop's judgement: 0 OK, 1 WARNING (rebuilding, faulty spare), 2 CRITICAL (degraded, inactive), 3 UNKNOWN."
        ) { s, p throws(ZabbixError) in
            String(ArrayHealth(try array(s, p[0])).status.rawValue)
        },
        value("hv.md.sync.action", ["DEV"], "", "Running sync operation: idle, resync, recover, check, repair, reshape, frozen.") {
            s, p throws(ZabbixError) in
            try array(s, p[0]).syncAction ?? "idle"
        },
        value("hv.md.sync.progress", ["DEV"], "%", "Progress of the running sync operation, percent; 100 when none runs.") {
            s, p throws(ZabbixError) in
            Format.number((try array(s, p[0]).syncCompletedRatio ?? 1) * 100)
        },
        value("hv.md.mismatch", ["DEV"], "", "Sectors found inconsistent by the last check (mismatch_cnt).") { s, p throws(ZabbixError) in
            let a = try array(s, p[0])
            return try num(a.mismatchSectors.map { Double($0) }, "mismatch count of \(a.device)")
        },

        // Storage pools: NAME is the pool's name or UUID.
        poolValue("hv.pool.capacity", "B", "Pool size, bytes.") { $0.capacityBytes.map { Double($0) } },
        poolValue("hv.pool.allocation", "B", "Bytes allocated in the pool.") { $0.allocationBytes.map { Double($0) } },
        poolValue("hv.pool.available", "B", "Bytes still free in the pool.") { $0.availableBytes.map { Double($0) } },
        poolValue("hv.pool.used.pct", "%", "allocation / capacity, percent.") { PoolHealth.usedPercent($0) },
        poolValue("hv.pool.state", "", "virStoragePoolState: 0 inactive, 1 building, 2 running, 3 degraded, 4 inaccessible.") {
            Double($0.state)
        },
    ]

    // MARK: builders

    static func value(
        _ name: String, _ params: [String], _ units: String, _ help: String,
        _ f: @escaping @Sendable (Snapshot, [String]) throws(ZabbixError) -> String
    ) -> ZabbixItem {
        ZabbixItem(name: name, params: params, units: units, help: help, eval: .value(f))
    }

    static func diskValue(_ name: String, _ units: String, _ help: String, _ f: @escaping @Sendable (BlockDevice) -> UInt64?) -> ZabbixItem
    {
        value(name, ["NAME", "DEV"], units, help) { s, p throws(ZabbixError) in
            let g = try guest(s, p)
            guard let d = g.blockDevices.first(where: { $0.target == p[1] }) else {
                throw ZabbixError("guest \(g.name) has no disk '\(p[1])' (disks: \(g.blockDevices.map(\.target).joined(separator: ", ")))")
            }
            return try num(f(d).map { Double($0) }, "\(name) of \(g.name) \(d.target)")
        }
    }

    static func netValue(_ name: String, _ units: String, _ help: String, _ f: @escaping @Sendable (NetInterface) -> UInt64?) -> ZabbixItem
    {
        value(name, ["NAME", "DEV"], units, help) { s, p throws(ZabbixError) in
            let g = try guest(s, p)
            guard let n = g.interfaces.first(where: { $0.target == p[1] || ($0.mac != nil && $0.mac == p[1].lowercased()) }) else {
                throw ZabbixError(
                    "guest \(g.name) has no interface '\(p[1])' (interfaces: \(g.interfaces.map(\.target).joined(separator: ", ")))")
            }
            return try num(f(n).map { Double($0) }, "\(name) of \(g.name) \(n.target)")
        }
    }

    static func poolValue(_ name: String, _ units: String, _ help: String, _ f: @escaping @Sendable (StoragePool) -> Double?) -> ZabbixItem
    {
        value(name, ["NAME"], units, help) { s, p throws(ZabbixError) in
            guard
                let pool = s.storagePools.first(where: { $0.name == p[0] }) ?? s.storagePools.first(where: { $0.uuid == p[0].lowercased() })
            else {
                throw ZabbixError(
                    CollectorNames.noData(s, CollectorNames.pools)
                        ?? "no storage pool '\(p[0])' (pools: \(s.storagePools.map(\.name).joined(separator: ", ")))")
            }
            return try num(f(pool), "\(name) of pool \(pool.name)")
        }
    }

    /// The guest a key's NAME parameter names; a name several guests share (a VM and a
    /// container) is an error listing them, to be replaced by a UUID or driver:name.
    static func guest(_ s: Snapshot, _ p: [String]) throws(ZabbixError) -> Guest {
        switch GuestLookup.match(s, p[0]) {
        case .one(let g): return g
        case .ambiguous(let candidates): throw ZabbixError(GuestLookup.ambiguous(s, p[0], candidates))
        case .none: throw ZabbixError(GuestLookup.notFound(s, p[0]))
        }
    }

    static func array(_ s: Snapshot, _ name: String) throws(ZabbixError) -> MDArray {
        let dev = name.hasPrefix("/dev/") ? String(name.dropFirst(5)) : name
        guard let a = s.mdArrays.first(where: { $0.device == dev }) else {
            throw ZabbixError(
                CollectorNames.noData(s, CollectorNames.mdraid)
                    ?? "no md array '\(name)' (arrays: \(s.mdArrays.map(\.device).joined(separator: ", ")))")
        }
        return a
    }

    static func num(_ v: Double?, _ what: String) throws(ZabbixError) -> String {
        guard let v else { throw ZabbixError("no data: \(what) is not known") }
        return Format.number(v)
    }

    static func bool(_ b: Bool) -> String { b ? "1" : "0" }
}
