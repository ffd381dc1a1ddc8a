import Glibc
import HVLibvirt
import HVModel

/// Pure mapping from libvirt bulk-stats parameters ("state.state", "vcpu.0.time",
/// "block.1.rd.bytes", ...) onto a `Guest`. Units: libvirt gives ns and KiB; the model
/// holds seconds and bytes.
enum DomainStatsMapping {
    /// Device and vCPU indices above this are ignored (no guest has so many; a bad index
    /// must not allocate a huge table).
    static let maxIndex = 16384

    /// Runs once per parameter of every domain every scrape (about 60 per guest): keys are
    /// split and compared as bytes, records kept in arrays by index (a String split and
    /// switch, and dictionaries by index, were 6% of the exporter's CPU).
    static func apply(_ params: TypedParameters, to g: inout Guest) {
        var vcpus: [VCPUStats?] = []
        var blocks: [BlockDevice?] = []
        var nets: [NetInterface?] = []
        var balloon = BalloonStats()
        var hasBalloon = false

        for (key, value) in params.items {
            var key = key
            key.withUTF8 { k in
                guard let dot = k.firstIndex(of: 0x2E) else { return }
                let group = UnsafeBufferPointer(rebasing: k[..<dot])
                let rest = UnsafeBufferPointer(rebasing: k[(dot + 1)...])
                // "<group>.<index>.<field>" for vcpu, block, net.
                func indexed() -> (Int, UnsafeBufferPointer<UInt8>)? {
                    guard let d = rest.firstIndex(of: 0x2E), d > 0, d <= 6 else { return nil }
                    var idx = 0
                    for b in rest[..<d] {
                        guard b >= 0x30 && b <= 0x39 else { return nil }
                        idx = idx * 10 + Int(b - 0x30)
                    }
                    guard idx <= maxIndex else { return nil }
                    return (idx, UnsafeBufferPointer(rebasing: rest[(d + 1)...]))
                }
                if eq(group, "state") {
                    if eq(rest, "state"), let v = value.int64 { g.state = GuestState(code: Int(v)) }
                    if eq(rest, "reason"), let v = value.int64 { g.stateReason = Int(v) }
                } else if eq(group, "cpu") {
                    let ns = value.double.map { $0 / 1e9 }
                    if eq(rest, "time") {
                        g.cpuTimeSeconds = ns
                    } else if eq(rest, "user") {
                        g.cpuUserSeconds = ns
                    } else if eq(rest, "system") {
                        g.cpuSystemSeconds = ns
                    }
                } else if eq(group, "balloon") {
                    hasBalloon = true
                    let kib = value.uint64.map { $0 &* 1024 }
                    if eq(rest, "current") {
                        balloon.currentBytes = kib
                    } else if eq(rest, "maximum") {
                        balloon.maximumBytes = kib
                    } else if eq(rest, "swap_in") {
                        balloon.swapInBytes = kib
                    } else if eq(rest, "swap_out") {
                        balloon.swapOutBytes = kib
                    } else if eq(rest, "major_fault") {
                        balloon.majorFaults = value.uint64
                    } else if eq(rest, "minor_fault") {
                        balloon.minorFaults = value.uint64
                    } else if eq(rest, "unused") {
                        balloon.unusedBytes = kib
                    } else if eq(rest, "available") {
                        balloon.availableBytes = kib
                    } else if eq(rest, "usable") {
                        balloon.usableBytes = kib
                    } else if eq(rest, "rss") {
                        balloon.rssBytes = kib
                    } else if eq(rest, "disk_caches") {
                        balloon.diskCachesBytes = kib
                    } else if eq(rest, "hugetlb_pgalloc") {
                        balloon.hugetlbPgAlloc = value.uint64
                    } else if eq(rest, "hugetlb_pgfail") {
                        balloon.hugetlbPgFail = value.uint64
                    } else if eq(rest, "last-update") {
                        balloon.lastUpdateSeconds = value.uint64
                    }
                } else if eq(group, "vcpu") {
                    if eq(rest, "current") { g.vcpuCurrent = value.int64.map { Int($0) }; return }
                    if eq(rest, "maximum") { g.vcpuMaximum = value.int64.map { Int($0) }; return }
                    guard let (idx, field) = indexed() else { return }
                    var v = slot(&vcpus, idx) ?? VCPUStats(index: idx)
                    if eq(field, "state") {
                        v.state = value.int64.map { Int($0) }
                    } else if eq(field, "time") {
                        v.timeSeconds = value.double.map { $0 / 1e9 }
                    } else if eq(field, "wait") {
                        v.waitSeconds = value.double.map { $0 / 1e9 }
                    } else if eq(field, "delay") {
                        v.delaySeconds = value.double.map { $0 / 1e9 }
                    }
                    vcpus[idx] = v
                } else if eq(group, "block") {
                    guard let (idx, field) = indexed() else { return }
                    var b = slot(&blocks, idx) ?? BlockDevice(target: "", source: "")
                    if eq(field, "name") {
                        b.target = value.string ?? ""
                    } else if eq(field, "path") {
                        b.source = value.string ?? ""
                    } else if eq(field, "rd.reqs") {
                        b.readRequests = value.uint64
                    } else if eq(field, "rd.bytes") {
                        b.readBytes = value.uint64
                    } else if eq(field, "rd.times") {
                        b.readTimeSeconds = value.double.map { $0 / 1e9 }
                    } else if eq(field, "wr.reqs") {
                        b.writeRequests = value.uint64
                    } else if eq(field, "wr.bytes") {
                        b.writeBytes = value.uint64
                    } else if eq(field, "wr.times") {
                        b.writeTimeSeconds = value.double.map { $0 / 1e9 }
                    } else if eq(field, "fl.reqs") {
                        b.flushRequests = value.uint64
                    } else if eq(field, "fl.times") {
                        b.flushTimeSeconds = value.double.map { $0 / 1e9 }
                    } else if eq(field, "errors") {
                        b.errors = value.uint64
                    } else if eq(field, "allocation") {
                        b.allocationBytes = value.uint64
                    } else if eq(field, "capacity") {
                        b.capacityBytes = value.uint64
                    } else if eq(field, "physical") {
                        b.physicalBytes = value.uint64
                    }
                    blocks[idx] = b
                } else if eq(group, "net") {
                    guard let (idx, field) = indexed() else { return }
                    var n = slot(&nets, idx) ?? NetInterface(target: "")
                    if eq(field, "name") {
                        n.target = value.string ?? ""
                    } else if eq(field, "rx.bytes") {
                        n.rxBytes = value.uint64
                    } else if eq(field, "rx.pkts") {
                        n.rxPackets = value.uint64
                    } else if eq(field, "rx.errs") {
                        n.rxErrors = value.uint64
                    } else if eq(field, "rx.drop") {
                        n.rxDrops = value.uint64
                    } else if eq(field, "tx.bytes") {
                        n.txBytes = value.uint64
                    } else if eq(field, "tx.pkts") {
                        n.txPackets = value.uint64
                    } else if eq(field, "tx.errs") {
                        n.txErrors = value.uint64
                    } else if eq(field, "tx.drop") {
                        n.txDrops = value.uint64
                    }
                    nets[idx] = n
                }
            }
        }
        if hasBalloon {
            g.balloon = balloon
            g.memoryBytes = balloon.currentBytes
            g.maxMemoryBytes = balloon.maximumBytes
        }
        g.vcpus = vcpus.compactMap { $0 }
        g.blockDevices = blocks.compactMap { $0 }.filter { !$0.target.isEmpty }
        g.interfaces = nets.compactMap { $0 }
    }

    /// The record at `idx`, growing the table to hold it.
    @inline(__always)
    static func slot<T>(_ table: inout [T?], _ idx: Int) -> T? {
        if idx >= table.count { table.append(contentsOf: repeatElement(nil, count: idx + 1 - table.count)) }
        return table[idx]
    }

    /// Byte-wise equality of a key part and an ASCII literal.
    @inline(__always)
    static func eq(_ a: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
        a.count == s.utf8CodeUnitCount && (a.count == 0 || memcmp(a.baseAddress!, s.utf8Start, a.count) == 0)
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
            g.blockDevices[i].shareable = d.shareable
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
