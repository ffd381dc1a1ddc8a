import HVModel

extension HostCheck {
    /// md arrays: CRITICAL when degraded (per thresholds), inactive or broken; WARNING while
    /// rebuilding, with a faulty member kept, or with mismatches over `mismatchWarning`. Hardware
    /// RAID controllers' logical drives join them (`RAIDControllerHealth`).
    func mdRaid(_ s: Snapshot) -> CheckResult {
        var arrays = s.mdArrays.filter { !$0.isContainer }
        let controllers = controllerRAID(s, only: Set(options.only.map { $0.hasPrefix("/dev/") ? String($0.dropFirst(5)) : $0 }))
        if !options.only.isEmpty {
            let want = Set(options.only.map { $0.hasPrefix("/dev/") ? String($0.dropFirst(5)) : $0 })
            let missing = want.subtracting(arrays.map(\.device)).subtracting(controllers.matched)
            if !missing.isEmpty {
                return CheckResult(
                    service: kind.service, status: .critical, summary: "array not found: \(missing.sorted().joined(separator: ", "))",
                    perfdata: [PerfDatum("arrays", Double(arrays.count))])
            }
            arrays = arrays.filter { want.contains($0.device) }
        }
        if arrays.isEmpty && (controllers.logicalDrives > 0 || !controllers.problems.isEmpty) {
            return CheckResult(
                service: kind.service, status: controllers.status,
                summary: controllers.problems.isEmpty
                    ? "\(controllers.logicalDrives) controller logical drive\(controllers.logicalDrives == 1 ? "" : "s") ok"
                    : controllers.problems.joined(separator: "; "),
                perfdata: controllers.perf, details: controllers.details)
        }
        if arrays.isEmpty {
            if let missing = CollectorNames.noData(s, CollectorNames.mdraid) {
                return CheckResult(service: kind.service, status: .unknown, summary: missing)
            }
            return CheckResult(
                service: kind.service, status: .ok, summary: "no md arrays",
                perfdata: [PerfDatum("arrays", 0), PerfDatum("degraded", 0)])
        }
        let crit = options.critical ?? ArrayHealth.anyMissing
        var status = CheckStatus.ok
        var problems: [String] = []
        var details: [String] = []
        var perf = [PerfDatum("arrays", Double(arrays.count))]
        var degradedArrays = 0
        for a in arrays {
            let h = ArrayHealth(a, degradedWarning: options.warning, degradedCritical: crit)
            var st = h.status
            if h.degraded > 0 { degradedArrays += 1 }
            if let mw = options.mismatchWarning, let m = a.mismatchSectors, mw.alerts(Double(m)) { st = max(st, .warning) }
            status = max(status, st)
            let on = st != .ok || h.degraded > 0 ? Self.guestsSuffix(a.device, s) : ""
            if st != .ok { problems.append("\(a.device) \(h.text)\(on)") }
            details.append("\(st): \(a.device) \(h.text)\(on)")
        }
        perf.append(PerfDatum("degraded", Double(degradedArrays)))
        for a in arrays {
            let h = ArrayHealth(a)
            perf.append(PerfDatum("\(a.device)_missing", Double(h.degraded), warning: options.warning, critical: crit, min: 0))
            if let p = h.syncProgress { perf.append(PerfDatum("\(a.device)_sync", p * 100, unit: "%", min: 0, max: 100)) }
            if let m = a.mismatchSectors {
                perf.append(PerfDatum("\(a.device)_mismatch", Double(m), warning: options.mismatchWarning, min: 0))
            }
        }
        status = max(status, controllers.status)
        problems += controllers.problems
        details += controllers.details
        perf += controllers.perf
        let summary: String
        if problems.isEmpty {
            let clean = arrays.allSatisfy { ($0.arrayState ?? "") == "clean" || $0.arrayState == "active" }
            summary =
                "\(arrays.count) array\(arrays.count == 1 ? "" : "s") \(clean ? "clean" : "ok")"
                + (controllers.logicalDrives > 0 ? ", \(controllers.logicalDrives) controller logical drives ok" : "")
        } else {
            summary = problems.joined(separator: "; ")
        }
        return CheckResult(service: kind.service, status: status, summary: summary, perfdata: perf, details: details)
    }

    /// Storage pools: used percent against thresholds (default warning 80, critical 90);
    /// CRITICAL when degraded or inaccessible, or inactive though set to autostart;
    /// UNKNOWN when libvirt did not answer for a pool.
    func pools(_ s: Snapshot) -> CheckResult {
        var pools = s.storagePools
        if !options.only.isEmpty {
            let want = Set(options.only)
            let missing = want.filter { w in !pools.contains { $0.name == w || $0.uuid == w.lowercased() } }
            if !missing.isEmpty {
                return CheckResult(
                    service: kind.service, status: .critical, summary: "pool not found: \(missing.sorted().joined(separator: ", "))")
            }
            pools = pools.filter { want.contains($0.name) || want.contains($0.uuid ?? "\u{0}") }
        }
        if pools.isEmpty {
            if let missing = CollectorNames.noData(s, CollectorNames.pools) {
                return CheckResult(service: kind.service, status: .unknown, summary: missing)
            }
            return CheckResult(service: kind.service, status: .ok, summary: "no storage pools", perfdata: [PerfDatum("pools", 0)])
        }
        let warn = options.warning ?? (try? NagiosRange("80"))
        let crit = options.critical ?? (try? NagiosRange("90"))
        var status = CheckStatus.ok
        var problems: [String] = []
        var details: [String] = []
        var perf = [PerfDatum("pools", Double(pools.count))]
        for p in pools {
            var st = CheckStatus.ok
            var text = "\(p.name) (\(p.type ?? "?")) \(p.stateName)"
            if p.timedOut {
                st = .unknown
                text += ": libvirt did not answer in time"
            } else if p.state == 3 || p.state == 4 {
                st = .critical
            } else if p.state == 0 {
                if p.autostart == true { st = .critical; text += " but set to autostart" }
            } else if let used = PoolHealth.usedPercent(p) {
                st = CheckStatus.evaluate(used, warning: warn, critical: crit)
                text += ", \(Format.percent(used))% used, \(Format.bytes(p.availableBytes)) free of \(Format.bytes(p.capacityBytes))"
                perf.append(
                    PerfDatum("\(p.name)_used", (used * 100).rounded() / 100, unit: "%", warning: warn, critical: crit, min: 0, max: 100))
                if let a = p.availableBytes {
                    perf.append(PerfDatum("\(p.name)_available", Double(a), unit: "B", min: 0, max: p.capacityBytes.map { Double($0) }))
                }
            }
            status = max(status, st)
            if st != .ok { problems.append(text) }
            details.append("\(st): \(text)")
        }
        let summary = problems.isEmpty ? "\(pools.count) pool\(pools.count == 1 ? "" : "s") ok" : problems.joined(separator: "; ")
        return CheckResult(service: kind.service, status: status, summary: summary, perfdata: perf, details: details)
    }
}
