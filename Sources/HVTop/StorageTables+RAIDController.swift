import HVModel

/// The storage view's hardware RAID controller part: controllers, their logical drives and
/// physical drives.
extension StorageTables {
    public static func raidControllers(_ s: Snapshot) -> TextTable {
        let cols: [TextTable.Column] = [
            .init("CONTROLLER", .left), .init("MODEL", .left, flexible: true, minWidth: 8, maxWidth: 32), .init("STATUS", .left),
            .init("BATTERY", .left), .init("CACHE", .left), .init("FIRMWARE", .left),
            .init("RUN", .left, flexible: true, minWidth: 6, maxWidth: 60),
        ]
        let rows = s.raidControllers.map { c -> [String] in
            [
                c.name, Format.printable(c.model), c.statusWord.isEmpty ? c.status.rawValue : c.statusWord,
                c.batteryWord ?? "-", c.cacheWord ?? "-", c.firmware.isEmpty ? "-" : c.firmware,
                c.toolRun.stale ? "stale: " + Format.printable(c.toolRun.error ?? "") : "ok",
            ]
        }
        return TextTable(columns: cols, rows: rows)
    }

    public static func raidLogicalDrives(_ s: Snapshot) -> TextTable {
        let cols: [TextTable.Column] = [
            .init("LOGICAL DRIVE", .left), .init("LEVEL", .left), .init("STATE", .left), .init("VENDOR STATE", .left),
            .init("SIZE"), .init("DONE%"), .init("DEVICE", .left), .init("STATUS", .left),
        ]
        var rows: [[String]] = []
        for c in s.raidControllers {
            for ld in c.logicalDrives {
                rows.append([
                    "\(c.name)/\(ld.id)", ld.raidLevel.isEmpty ? "-" : ld.raidLevel, ld.state.rawValue,
                    ld.stateWord.isEmpty ? "-" : Format.printable(ld.stateWord), Format.bytes(ld.sizeBytes),
                    Format.percent(ld.rebuildRatio.map { $0 * 100 }), ld.device ?? "-",
                    RAIDControllerHealth.status(ld).description,
                ])
            }
        }
        return TextTable(columns: cols, rows: rows)
    }

    public static func raidPhysicalDrives(_ s: Snapshot) -> TextTable {
        let cols: [TextTable.Column] = [
            .init("DRIVE", .left), .init("STATE", .left), .init("VENDOR STATE", .left),
            .init("MODEL", .left, flexible: true, minWidth: 8, maxWidth: 32), .init("SERIAL", .left), .init("SIZE"),
            .init("MEDIA"), .init("OTHER"), .init("PRED"),
        ]
        var rows: [[String]] = []
        for c in s.raidControllers {
            for pd in c.physicalDrives {
                rows.append([
                    "\(c.name) \(pd.slot)", pd.state.rawValue, pd.stateWord.isEmpty ? "-" : Format.printable(pd.stateWord),
                    Format.printable(pd.model), pd.serial.isEmpty ? "-" : Format.printable(pd.serial), Format.bytes(pd.sizeBytes),
                    pd.mediaErrors.map(String.init) ?? "-", pd.otherErrors.map(String.init) ?? "-",
                    pd.predictiveFailures.map(String.init) ?? "-",
                ])
            }
        }
        return TextTable(columns: cols, rows: rows)
    }

    /// The lines of the storage view's controller section (nothing on a host without
    /// controller tools), problems highlighted.
    public static func raidControllerLines(_ s: Snapshot, width: Int) -> [TopScreen.Line] {
        guard !s.raidControllers.isEmpty || !s.raidControllerTools.isEmpty else { return [] }
        var lines: [TopScreen.Line] = [TopScreen.Line(""), TopScreen.Line("RAID controllers (\(s.raidControllers.count))", .header)]
        for t in s.raidControllerTools where !t.success {
            lines.append(TopScreen.Line("\(t.tool): \(Format.printable(t.error ?? "first run pending"))", .alert))
        }
        guard !s.raidControllers.isEmpty else { return lines }
        var (h, l) = raidControllers(s).render(width: width)
        lines.append(TopScreen.Line(h, .dim))
        for (i, c) in s.raidControllers.enumerated() {
            let bad = !RAIDControllerHealth.controllerProblems(c).isEmpty
            lines.append(TopScreen.Line(l[i], bad ? .alert : .plain))
        }
        (h, l) = raidLogicalDrives(s).render(width: width)
        lines.append(TopScreen.Line(h, .dim))
        let lds = s.raidControllers.flatMap(\.logicalDrives)
        for (i, ld) in lds.enumerated() { lines.append(TopScreen.Line(l[i], RAIDControllerHealth.status(ld) == .ok ? .plain : .alert)) }
        (h, l) = raidPhysicalDrives(s).render(width: width)
        lines.append(TopScreen.Line(h, .dim))
        let pds = s.raidControllers.flatMap(\.physicalDrives)
        for (i, pd) in pds.enumerated() {
            let bad = [.failed, .missing, .offline, .predictiveFailure, .rebuilding].contains(pd.state)
            lines.append(TopScreen.Line(l[i], bad ? .alert : .plain))
        }
        return lines
    }
}
