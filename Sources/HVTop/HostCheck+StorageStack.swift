import HVModel

extension HostCheck {
    /// `check raid`: the md arrays (`mdRaid`) and, when present, DRBD volumes, multipath maps
    /// and ZFS pools from their storage findings: failed is CRITICAL (split brain, lost local
    /// disk, no active path, pool FAULTED/UNAVAIL/SUSPENDED), degraded is WARNING (resync,
    /// disconnected peer, failed path, pool DEGRADED, data errors), and a failing drbdsetup,
    /// multipathd or zpool is WARNING (its figures are stale). `--array` narrows the check
    /// to those md arrays only.
    func raid(_ s: Snapshot) -> CheckResult {
        let md = mdRaid(s)
        guard options.only.isEmpty else { return md }
        var findings: [StorageFinding] = []
        findings += (s.drbd?.resources ?? []).flatMap(\.storageFindings)
        findings += (s.multipath?.maps ?? []).map(\.storageFinding)
        findings += (s.zfs?.pools ?? []).map(\.storageFinding)
        let runs = (s.drbd?.toolRuns ?? []) + (s.multipath?.toolRuns ?? []) + (s.zfs?.toolRuns ?? [])
        guard !findings.isEmpty || !runs.isEmpty else { return md }

        var status = md.status
        var problems: [String] = md.status == .ok ? [] : [md.summary]
        var details = md.details
        var perf = md.perfdata
        for f in findings {
            let st: CheckStatus = f.severity == .failed ? .critical : f.severity == .degraded ? .warning : .ok
            status = max(status, st)
            let text = f.layer + (f.reason.isEmpty ? " ok" : ": \(f.reason)")
            if st != .ok { problems.append(text) }
            details.append("\(st): \(text)")
        }
        for r in runs where !r.success && r.lastRunSeconds == nil {
            // Not run yet (the daemon just started): nothing is known about its layers.
            status = max(status, .unknown)
            let text = "\(r.tool): no result yet"
            problems.append(text)
            details.append("\(CheckStatus.unknown): \(text)")
        }
        for r in runs where !r.success && r.lastRunSeconds != nil {
            status = max(status, .warning)
            let text = "\(r.tool) failing: \(r.error ?? "no result yet")\(r.stale ? " (figures from its last good run)" : "")"
            problems.append(text)
            details.append("\(CheckStatus.warning): \(text)")
        }
        var counts: [String] = []
        for (source, noun) in [("drbd", "DRBD volume"), ("multipath", "multipath map"), ("zfs", "ZFS pool")] {
            let fs = findings.filter { $0.source == source }
            guard !fs.isEmpty else { continue }
            perf.append(PerfDatum("\(source)_layers", Double(fs.count)))
            perf.append(PerfDatum("\(source)_not_ok", Double(fs.filter { $0.severity != .ok }.count), min: 0))
            counts.append("\(fs.count) \(noun)\(fs.count == 1 ? "" : "s")")
        }
        let summary =
            problems.isEmpty ? ([md.summary] + counts.map { $0 + " ok" }).joined(separator: ", ") : problems.joined(separator: "; ")
        return CheckResult(service: md.service, status: status, summary: summary, perfdata: perf, details: details)
    }
}
