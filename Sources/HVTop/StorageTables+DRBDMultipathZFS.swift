import HVModel

/// The storage view's DRBD, multipath and ZFS sections.
extension StorageTables {
    /// One row per DRBD volume and peer.
    public static func drbd(_ s: Snapshot) -> TextTable {
        let cols: [TextTable.Column] = [
            .init("RESOURCE", .left, flexible: true, minWidth: 8, maxWidth: 32), .init("VOL"), .init("DEVICE", .left),
            .init("ROLE", .left), .init("DISK", .left), .init("PEER", .left, flexible: true, minWidth: 4, maxWidth: 24),
            .init("CONNECTION", .left), .init("PEER DISK", .left), .init("REPLICATION", .left), .init("OOS"), .init("SYNC%"),
            .init("SPEED"), .init("LEFT"),
        ]
        var rows: [[String]] = []
        for r in s.drbd?.resources ?? [] {
            for v in r.volumes {
                let dev = v.blockDevice ?? "-"
                let disk = (v.diskState ?? "-") + (v.client ? " (client)" : "")
                if r.peers.isEmpty {
                    rows.append([
                        Format.printable(r.name), String(v.volume), dev, r.role ?? "-", disk, "-", "-", "-", "-", "-", "-", "-", "-",
                    ])
                }
                for p in r.peers {
                    let pv = p.volumes.first { $0.volume == v.volume }
                    rows.append([
                        Format.printable(r.name), String(v.volume), dev, r.role ?? "-", disk, Format.printable(p.name),
                        (p.connectionState ?? "-") + (p.splitBrain ? " SPLIT-BRAIN?" : ""), pv?.diskState ?? "-",
                        pv?.replicationState ?? "-", Format.bytes(pv?.outOfSyncBytes),
                        Format.percent(pv.flatMap { $0.syncing ? $0.syncRatio.map { $0 * 100 } : nil }),
                        pv?.syncSpeedBytesPerSecond.map { Format.bytes(UInt64(max(0, $0))) + "/s" } ?? "-",
                        Format.duration(pv?.syncRemainingSeconds),
                    ])
                }
            }
        }
        return TextTable(columns: cols, rows: rows)
    }

    /// One row per multipath map.
    public static func multipath(_ s: Snapshot) -> TextTable {
        let cols: [TextTable.Column] = [
            .init("MAP", .left, flexible: true, minWidth: 8, maxWidth: 36), .init("DM", .left),
            .init("WWID", .left, flexible: true, minWidth: 8, maxWidth: 34),
            .init("ACTIVE"), .init("FAILED"), .init("QUEUEING", .left), .init("FAULTS"),
            .init("PATHS", .left, flexible: true, minWidth: 8, maxWidth: 60),
        ]
        let rows = (s.multipath?.maps ?? []).map { m -> [String] in
            let paths = m.paths.map { p in p.device + (p.isActive ? "" : "(\(p.checkerState ?? p.dmState ?? "?"))") }.joined(separator: " ")
            return [
                Format.printable(m.name), m.dmDevice ?? "-", m.wwid ?? "-", m.activePaths.map(String.init) ?? "-",
                m.paths.isEmpty ? "-" : String(m.failedPaths), m.queueing ?? "-", m.pathFaults.map(String.init) ?? "-",
                paths.isEmpty ? "-" : paths,
            ]
        }
        return TextTable(columns: cols, rows: rows)
    }

    /// One row per ZFS pool.
    public static func zfs(_ s: Snapshot) -> TextTable {
        let cols: [TextTable.Column] = [
            .init("POOL", .left, flexible: true, minWidth: 8, maxWidth: 32), .init("STATE", .left), .init("SIZE"), .init("ALLOC"),
            .init("FREE"), .init("FRAG%"), .init("SCAN", .left), .init("DONE%"), .init("ERRORS"),
            .init("PROBLEM DEVICES", .left, flexible: true, minWidth: 8, maxWidth: 60),
        ]
        let rows = (s.zfs?.pools ?? []).map { p -> [String] in
            let scan = p.scan.map { "\($0.kind) \($0.state)" } ?? "-"
            let problems = p.vdevs.filter {
                ($0.state != nil && $0.state != "ONLINE" && $0.state != "AVAIL" && $0.state != "INUSE")
                    || ($0.readErrors ?? 0) + ($0.writeErrors ?? 0) + ($0.checksumErrors ?? 0) > 0
            }.map { v in
                let errs = (v.readErrors ?? 0) + (v.writeErrors ?? 0) + (v.checksumErrors ?? 0)
                return "\(v.name) \(v.state ?? "?")"
                    + (errs > 0 ? " r\(v.readErrors ?? 0)/w\(v.writeErrors ?? 0)/c\(v.checksumErrors ?? 0)" : "")
            }.joined(separator: ", ")
            return [
                Format.printable(p.name), p.state, Format.bytes(p.sizeBytes), Format.bytes(p.allocatedBytes), Format.bytes(p.freeBytes),
                Format.percent(p.fragmentationRatio.map { $0 * 100 }), scan, Format.percent(p.scan?.progressRatio.map { $0 * 100 }),
                p.dataErrors.map(String.init) ?? "-", problems.isEmpty ? "-" : problems,
            ]
        }
        return TextTable(columns: cols, rows: rows)
    }

    /// The three sections for the storage view: a header and a table each, for the
    /// subsystems present on the host (nothing for those not loaded).
    public static func storageStackSections(_ s: Snapshot, width: Int) -> [TopScreen.Line] {
        var lines: [TopScreen.Line] = []
        func add(_ title: String, _ t: TextTable, bad: [Bool], runs: [ToolRunStatus]) {
            lines.append(TopScreen.Line(""))
            lines.append(TopScreen.Line(title, .header))
            for r in runs where !r.success {
                lines.append(
                    TopScreen.Line(
                        "\(r.tool): \(r.error ?? "failed")\(r.stale ? " (figures below are from the last good run)" : "")", .alert))
            }
            if t.rows.isEmpty {
                lines.append(TopScreen.Line("none"))
                return
            }
            let (h, l) = t.render(width: width)
            lines.append(TopScreen.Line(h, .dim))
            for (i, text) in l.enumerated() { lines.append(TopScreen.Line(text, i < bad.count && bad[i] ? .alert : .plain)) }
        }
        if let d = s.drbd {
            var bad: [Bool] = []
            for r in d.resources {
                let findings = r.storageFindings
                for (vi, _) in r.volumes.enumerated() {
                    let b = vi < findings.count && findings[vi].severity != .ok
                    bad += Array(repeating: b, count: max(1, r.peers.count))
                }
            }
            add(
                "DRBD (\(d.source), \(d.resources.count) resource\(d.resources.count == 1 ? "" : "s"))", drbd(s), bad: bad, runs: d.toolRuns
            )
        }
        if let m = s.multipath {
            add("Multipath maps (\(m.maps.count))", multipath(s), bad: m.maps.map { $0.storageFinding.severity != .ok }, runs: m.toolRuns)
        }
        if let z = s.zfs {
            add(
                "ZFS pools (\(z.pools.count), \(z.source))", zfs(s), bad: z.pools.map { $0.storageFinding.severity != .ok },
                runs: z.toolRuns)
        }
        return lines
    }
}
