import HVModel

extension HostCheck {
    /// The hardware RAID controller part of `check raid`: logical drives (selected by `only`
    /// through their device name, "sda", or "<controller>/<id>") and controller problems, plus
    /// tools that never gave a result.
    struct ControllerPart {
        var status = CheckStatus.ok
        var logicalDrives = 0
        var problems: [String] = []
        var details: [String] = []
        var perf: [PerfDatum] = []
        /// The `only` names this part answers for.
        var matched: Set<String> = []
    }

    func controllerRAID(_ s: Snapshot, only: Set<String>) -> ControllerPart {
        var part = ControllerPart()
        var degraded = 0
        for c in s.raidControllers {
            var selected = false
            for ld in c.logicalDrives {
                let names = [ld.device, "\(c.name)/\(ld.id)"].compactMap { $0 }
                if !only.isEmpty {
                    let hit = only.intersection(names)
                    guard !hit.isEmpty else { continue }
                    part.matched.formUnion(hit)
                }
                selected = true
                part.logicalDrives += 1
                let st = RAIDControllerHealth.status(ld)
                if st != .ok { degraded += 1 }
                part.status = max(part.status, st)
                let text = RAIDControllerHealth.text(c, ld)
                if st != .ok { part.problems.append(text) }
                part.details.append("\(st): \(text)")
                if let r = ld.rebuildRatio {
                    part.perf.append(PerfDatum("\(c.name)/\(ld.id)_rebuild", (r * 1000).rounded() / 10, unit: "%", min: 0, max: 100))
                }
            }
            guard selected || only.isEmpty else { continue }
            for (st, text) in RAIDControllerHealth.controllerProblems(c) {
                part.status = max(part.status, st)
                part.problems.append(text)
                part.details.append("\(st): \(text)")
            }
        }
        if only.isEmpty {
            let reported = Set(s.raidControllers.map(\.tool))
            for t in s.raidControllerTools where !t.success && !reported.contains(t.tool) {
                part.status = max(part.status, .unknown)
                let text = "\(t.tool) gave no result: \(Format.printable(t.error ?? "first run pending"))"
                part.problems.append(text)
                part.details.append("UNKNOWN: \(text)")
            }
        }
        if part.logicalDrives > 0 {
            part.perf.insert(PerfDatum("controller_lds_degraded", Double(degraded), min: 0), at: 0)
            part.perf.insert(PerfDatum("controller_lds", Double(part.logicalDrives), min: 0), at: 0)
        }
        return part
    }
}
