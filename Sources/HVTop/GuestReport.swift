import Foundation
import HVModel

/// `hvtop guest NAME`: everything hvtop knows about one guest, for a human or (`--json`)
/// the guest's object from `/json` with its processes added.
public struct GuestReport {
    public let guest: Guest
    public let snapshot: Snapshot

    public init(guest: Guest, snapshot: Snapshot) {
        self.guest = guest
        self.snapshot = snapshot
    }

    /// The guest's `/json` object plus `"processes"` (its entries from the snapshot's
    /// `processes[]`) and `"disk_stacks"` (its `guest_disk_stacks[]`), keys sorted.
    public static func json(_ sample: Sample, guestKey: String) throws(SnapshotDecodeError) -> String {
        let root = try SnapshotDecoder.object(sample.json)
        guard var g = root.objects("guests").first(where: { $0.string("key") == guestKey })?.dict else {
            throw SnapshotDecodeError(reason: "guest \(guestKey) vanished")
        }
        g["processes"] = (root.dict["processes"] as? [Any] ?? []).filter { ($0 as? [String: Any])?["guest"] as? String == guestKey }
        g["disk_stacks"] = (root.dict["guest_disk_stacks"] as? [Any] ?? []).filter {
            ($0 as? [String: Any])?["guest_key"] as? String == guestKey
        }
        do {
            let data = try JSONSerialization.data(withJSONObject: g, options: [.sortedKeys, .prettyPrinted])
            return String(decoding: data, as: UTF8.self) + "\n"
        } catch {
            throw SnapshotDecodeError(reason: "cannot encode: \(error)")
        }
    }

    /// The human report.
    public var text: String {
        let g = guest
        var out: [String] = []
        func kv(_ k: String, _ v: String?) { if let v { out.append("  " + k.padding(16) + v) } }
        out.append("\(Format.printable(g.name))  (\(g.kind.rawValue), \(g.driver), \(g.state.rawValue))")
        kv("uuid", g.uuid)
        kv("key", g.key)
        kv("domain id", g.domainID.map(String.init))
        kv("state reason", String(g.stateReason))
        kv("persistent", g.persistent.map { $0 ? "yes" : "no (transient: gone after it stops)" })
        kv("autostart", g.autostart.map { $0 ? "yes" : "no" })
        if g.timedOut { kv("libvirt", "did not answer for this guest in time (figures missing)") }
        if let blockers = g.migrationBlockers {
            if blockers.isEmpty {
                kv("migration", "nothing blocks live migration")
            } else {
                kv("migration", "blocked: " + Set(blockers.map(\.reason.rawValue)).sorted().joined(separator: ", "))
                for b in blockers { out.append("    - " + Format.printable(b.text)) }
            }
        }

        out.append("CPU")
        kv("vCPUs", [g.vcpuCurrent.map { "\($0) online" }, g.vcpuMaximum.map { "\($0) max" }].compactMap { $0 }.joined(separator: ", "))
        kv("cpu time", g.cpuTimeSeconds.map { Format.fixed($0, 2) + " s" })
        kv("user / system", g.cpuUserSeconds.map { u in Format.fixed(u, 2) + " / " + Format.fixed(g.cpuSystemSeconds ?? 0, 2) + " s" })
        if !g.vcpus.isEmpty {
            let t = TextTable(
                columns: [.init("VCPU"), .init("STATE", .left), .init("TIME s"), .init("WAIT s"), .init("DELAY s"), .init("TID")],
                rows: g.vcpus.map { v in
                    [
                        String(v.index), v.state.map(vcpuState) ?? "-", v.timeSeconds.map { Format.fixed($0, 2) } ?? "-",
                        v.waitSeconds.map { Format.fixed($0, 2) } ?? "-", v.delaySeconds.map { Format.fixed($0, 2) } ?? "-",
                        v.threadID.map(String.init) ?? "-",
                    ]
                }
            ).render()
            out.append("    " + t.header)
            out.append(contentsOf: t.lines.map { "    " + $0 })
        }

        out.append("Memory")
        kv("current", g.memoryBytes.map(bytes))
        kv("maximum", g.maxMemoryBytes.map(bytes))
        if let b = g.balloon {
            kv("balloon", b.currentBytes.map(bytes))
            kv("rss (host)", b.rssBytes.map(bytes))
            kv("usable", b.usableBytes.map(bytes))
            kv("unused", b.unusedBytes.map(bytes))
            kv("available", b.availableBytes.map(bytes))
            kv("disk caches", b.diskCachesBytes.map(bytes))
            kv("swap in / out", b.swapInBytes.map { bytes($0) + " / " + bytes(b.swapOutBytes ?? 0) })
            kv("faults maj/min", b.majorFaults.map { "\($0) / \(b.minorFaults ?? 0)" })
        }

        if !g.blockDevices.isEmpty {
            out.append("Block devices")
            let t = TextTable(
                columns: [
                    .init("DEV", .left), .init("BUS", .left), .init("FORMAT", .left), .init("READ"), .init("R-REQ"),
                    .init("WRITTEN"), .init("W-REQ"), .init("CAPACITY"), .init("ALLOC"), .init("SOURCE", .left),
                ],
                rows: g.blockDevices.map { b in
                    [
                        b.target, b.bus ?? "-", b.format ?? "-", Format.bytes(b.readBytes), b.readRequests.map(String.init) ?? "-",
                        Format.bytes(b.writeBytes), b.writeRequests.map(String.init) ?? "-", Format.bytes(b.capacityBytes),
                        Format.bytes(b.allocationBytes), Format.printable(b.source) + (b.readOnly ? " (ro)" : ""),
                    ]
                }
            ).render()
            out.append("    " + t.header)
            out.append(contentsOf: t.lines.map { "    " + $0 })
        }
        if !g.interfaces.isEmpty {
            out.append("Interfaces")
            let t = TextTable(
                columns: [
                    .init("DEV", .left), .init("TYPE", .left), .init("SOURCE", .left), .init("MODEL", .left), .init("MAC", .left),
                    .init("RX"), .init("TX"), .init("RX-PK"), .init("TX-PK"), .init("ERRS"), .init("DROPS"),
                ],
                rows: g.interfaces.map { n in
                    [
                        n.target.isEmpty ? "-" : n.target, n.type ?? "-", Format.printable(n.source ?? "-"), n.model ?? "-", n.mac ?? "-",
                        Format.bytes(n.rxBytes), Format.bytes(n.txBytes), n.rxPackets.map(String.init) ?? "-",
                        n.txPackets.map(String.init) ?? "-", RateMath.sum([n.rxErrors, n.txErrors]).map(String.init) ?? "-",
                        RateMath.sum([n.rxDrops, n.txDrops]).map(String.init) ?? "-",
                    ]
                }
            ).render()
            out.append("    " + t.header)
            out.append(contentsOf: t.lines.map { "    " + $0 })
        }

        out.append(contentsOf: storageLines())
        out.append("Host side (cgroup)")
        if let c = g.cgroup {
            kv("cgroup", c.path.isEmpty ? "(none found)" : c.path)
            kv("cpu usage", c.cpuUsageSeconds.map { Format.fixed($0, 2) + " s" })
            kv("throttled", c.throttledSeconds.map { Format.fixed($0, 2) + " s in \(c.throttledPeriods ?? 0) periods" })
            kv("memory usage", c.memoryUsageBytes.map(bytes))
            kv("working set", c.memoryWorkingSetBytes.map(bytes))
            kv("memory limit", c.memoryLimitBytes.map(bytes))
            kv("swap", c.memorySwapBytes.map(bytes))
            kv("oom kills", c.oomKills.map(String.init))
            kv("block read", c.blockReadBytes.map(bytes))
            kv("block written", c.blockWriteBytes.map(bytes))
            kv("net rx / tx", c.netRxBytes.map { bytes($0) + " / " + bytes(c.netTxBytes ?? 0) })
            kv("processes", c.processes.map(String.init))
            if !c.threadsByRole.isEmpty {
                kv("threads", c.threadsByRole.keys.sorted().map { "\(c.threadsByRole[$0]!) \($0)" }.joined(separator: ", "))
            }
            if !c.cpuSecondsByRole.isEmpty {
                kv(
                    "cpu by role",
                    c.cpuSecondsByRole.keys.sorted().map { "\($0) \(Format.fixed(c.cpuSecondsByRole[$0]!, 1))s" }.joined(separator: ", "))
            }
        } else {
            out.append("  " + (CollectorNames.noData(snapshot, CollectorNames.cgroup) ?? "no cgroup found for this guest"))
        }

        out.append("Jobs")
        if let j = g.job, j.type == 1 || j.type == 2 { out.append("  running: " + jobText(j)) }
        for b in g.blockJobs {
            out.append(
                "  block job: \(b.typeName) \(b.disk) \(Format.bytes(b.currentBytes))/\(Format.bytes(b.endBytes))"
                    + (b.progressRatio.map { " (\(Format.percent($0 * 100))%)" } ?? ""))
        }
        if let j = g.lastJob { out.append("  last: " + j.typeName + " " + jobText(j)) }
        if g.job == nil && g.blockJobs.isEmpty && g.lastJob == nil {
            out.append("  " + (CollectorNames.noData(snapshot, CollectorNames.jobs) ?? "none"))
        }

        out.append("Processes")
        if let missing = CollectorNames.noData(snapshot, CollectorNames.processes) {
            out.append("  " + missing)
        } else {
            let mine = snapshot.processes.filter { $0.guestKey == g.key }
            if mine.isEmpty {
                out.append("  none attributed")
            } else {
                let rows = mine.sorted { ($0.pid, $0.tid) < ($1.pid, $1.tid) }.map { ProcessTable.Row(entry: $0, cpuPercent: nil) }
                out.append("  " + ProcessTable.summary(rows))
                let t = ProcessTable.table(rows).render()
                out.append("    " + t.header)
                out.append(contentsOf: t.lines.map { "    " + $0 })
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    func jobText(_ j: DomainJob) -> String {
        var parts = [j.operationName]
        if let p = j.progressRatio { parts.append("\(Format.percent(p * 100))%") }
        if let e = j.elapsedSeconds { parts.append("elapsed \(Format.duration(e))") }
        if let r = j.dataRemainingBytes { parts.append("remaining \(bytes(r))") }
        if let b = j.memoryBandwidthBytesPerSecond { parts.append("bandwidth \(bytes(b))/s") }
        if let d = j.memoryDirtyRateBytesPerSecond { parts.append("dirty \(bytes(d))/s") }
        if let i = j.memoryIteration { parts.append("iteration \(i)") }
        if let d = j.downtimeSeconds { parts.append("downtime \(Format.fixed(d * 1000, 0))ms") }
        return parts.joined(separator: ", ")
    }

    func bytes(_ v: UInt64) -> String { "\(Format.bytes(v)) (\(v) bytes)" }

    func vcpuState(_ s: Int) -> String {
        switch s {
        case 0: "offline"
        case 1: "running"
        case 2: "blocked"
        default: String(s)
        }
    }
}

extension String {
    /// Left-aligned in `n` characters.
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
