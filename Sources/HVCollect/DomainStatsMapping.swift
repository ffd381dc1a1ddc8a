import HVLibvirt
import HVModel

/// Pure mapping from libvirt bulk-stats parameters ("state.state", "vcpu.0.time",
/// "block.1.rd.bytes", ...) onto a `Guest`. Units: libvirt gives ns and KiB; the model
/// holds seconds and bytes.
enum DomainStatsMapping {
    static func apply(_ params: TypedParameters, to g: inout Guest) {
        var vcpus: [Int: VCPUStats] = [:]
        var blocks: [Int: BlockDevice] = [:]
        var nets: [Int: NetInterface] = [:]
        var balloon = BalloonStats()
        var hasBalloon = false

        for (key, value) in params.items {
            let parts = key.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2 else { continue }
            let group = parts[0]
            switch group {
            case "state":
                if parts[1] == "state", let v = value.int64 { g.state = GuestState(code: Int(v)) }
                if parts[1] == "reason", let v = value.int64 { g.stateReason = Int(v) }
            case "cpu":
                let ns = value.double.map { $0 / 1e9 }
                switch parts[1] {
                case "time": g.cpuTimeSeconds = ns
                case "user": g.cpuUserSeconds = ns
                case "system": g.cpuSystemSeconds = ns
                default: break
                }
            case "balloon":
                hasBalloon = true
                let kib = value.uint64.map { $0 &* 1024 }
                switch parts[1] {
                case "current": balloon.currentBytes = kib
                case "maximum": balloon.maximumBytes = kib
                case "swap_in": balloon.swapInBytes = kib
                case "swap_out": balloon.swapOutBytes = kib
                case "major_fault": balloon.majorFaults = value.uint64
                case "minor_fault": balloon.minorFaults = value.uint64
                case "unused": balloon.unusedBytes = kib
                case "available": balloon.availableBytes = kib
                case "usable": balloon.usableBytes = kib
                case "rss": balloon.rssBytes = kib
                case "disk_caches": balloon.diskCachesBytes = kib
                case "hugetlb_pgalloc": balloon.hugetlbPgAlloc = value.uint64
                case "hugetlb_pgfail": balloon.hugetlbPgFail = value.uint64
                case "last-update": balloon.lastUpdateSeconds = value.uint64
                default: break
                }
            case "vcpu":
                if parts.count == 2 {
                    if parts[1] == "current" { g.vcpuCurrent = value.int64.map { Int($0) } }
                    if parts[1] == "maximum" { g.vcpuMaximum = value.int64.map { Int($0) } }
                } else if let idx = Int(parts[1]) {
                    var v = vcpus[idx] ?? VCPUStats(index: idx)
                    switch parts[2] {
                    case "state": v.state = value.int64.map { Int($0) }
                    case "time": v.timeSeconds = value.double.map { $0 / 1e9 }
                    case "wait": v.waitSeconds = value.double.map { $0 / 1e9 }
                    case "delay": v.delaySeconds = value.double.map { $0 / 1e9 }
                    default: break
                    }
                    vcpus[idx] = v
                }
            case "block":
                guard parts.count == 3, let idx = Int(parts[1]) else { continue }
                var b = blocks[idx] ?? BlockDevice(target: "", source: "")
                switch parts[2] {
                case "name": b.target = value.string ?? ""
                case "path": b.source = value.string ?? ""
                case "rd.reqs": b.readRequests = value.uint64
                case "rd.bytes": b.readBytes = value.uint64
                case "rd.times": b.readTimeSeconds = value.double.map { $0 / 1e9 }
                case "wr.reqs": b.writeRequests = value.uint64
                case "wr.bytes": b.writeBytes = value.uint64
                case "wr.times": b.writeTimeSeconds = value.double.map { $0 / 1e9 }
                case "fl.reqs": b.flushRequests = value.uint64
                case "fl.times": b.flushTimeSeconds = value.double.map { $0 / 1e9 }
                case "errors": b.errors = value.uint64
                case "allocation": b.allocationBytes = value.uint64
                case "capacity": b.capacityBytes = value.uint64
                case "physical": b.physicalBytes = value.uint64
                default: break
                }
                blocks[idx] = b
            case "net":
                guard parts.count == 3, let idx = Int(parts[1]) else { continue }
                var n = nets[idx] ?? NetInterface(target: "")
                switch parts[2] {
                case "name": n.target = value.string ?? ""
                case "rx.bytes": n.rxBytes = value.uint64
                case "rx.pkts": n.rxPackets = value.uint64
                case "rx.errs": n.rxErrors = value.uint64
                case "rx.drop": n.rxDrops = value.uint64
                case "tx.bytes": n.txBytes = value.uint64
                case "tx.pkts": n.txPackets = value.uint64
                case "tx.errs": n.txErrors = value.uint64
                case "tx.drop": n.txDrops = value.uint64
                default: break
                }
                nets[idx] = n
            default:
                break
            }
        }
        if hasBalloon {
            g.balloon = balloon
            g.memoryBytes = balloon.currentBytes
            g.maxMemoryBytes = balloon.maximumBytes
        }
        g.vcpus = vcpus.keys.sorted().map { vcpus[$0]! }
        g.blockDevices = blocks.keys.sorted().map { blocks[$0]! }.filter { !$0.target.isEmpty }
        g.interfaces = nets.keys.sorted().map { nets[$0]! }
    }

    /// True when an active domain's record lacks what only a domain job (QEMU monitor) can
    /// give: libvirt skipped it under NOWAIT because another call holds the job.
    static func missingJobStats(_ g: Guest) -> Bool {
        guard g.state == .running || g.state == .paused || g.state == .blocked else { return false }
        if g.driver != "qemu" { return false }
        if !g.blockDevices.isEmpty, g.blockDevices.allSatisfy({ $0.readRequests == nil }) { return true }
        return false
    }

    /// Adds XML metadata (bus, cache, interface type, MAC...) to the devices from the stats.
    static func merge(_ desc: DomainDescription, into g: inout Guest) {
        for i in g.blockDevices.indices {
            guard let d = desc.disks.first(where: { $0.target == g.blockDevices[i].target }) else { continue }
            g.blockDevices[i].bus = d.bus
            g.blockDevices[i].cache = d.cache.isEmpty ? "default" : d.cache
            g.blockDevices[i].diskType = d.type
            g.blockDevices[i].device = d.device
            g.blockDevices[i].format = d.driverType
            g.blockDevices[i].serial = d.serial
            g.blockDevices[i].readOnly = d.readOnly
            if g.blockDevices[i].source.isEmpty { g.blockDevices[i].source = d.source }
        }
        // Interfaces: the stats list those with a host-side device; the XML adds the rest
        // (hostdev / SR-IOV interfaces have no counters but matter: they block live migration).
        var seen = Set<String>()
        for i in g.interfaces.indices {
            guard let d = desc.interfaces.first(where: { $0.target == g.interfaces[i].target && !$0.target.isEmpty }) else { continue }
            seen.insert(d.target)
            g.interfaces[i].type = d.type
            g.interfaces[i].source = d.source
            g.interfaces[i].mac = d.mac
            g.interfaces[i].model = d.model
        }
        for d in desc.interfaces where d.target.isEmpty || !seen.contains(d.target) {
            guard !g.interfaces.contains(where: { $0.target == d.target && !d.target.isEmpty }) else { continue }
            var n = NetInterface(target: d.target)
            n.type = d.type
            n.source = d.source
            n.mac = d.mac
            n.model = d.model
            g.interfaces.append(n)
        }
    }
}
