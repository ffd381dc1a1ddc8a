extension BtrfsFilesystem {
    /// Health of this filesystem and each present member, as storage findings:
    /// - the filesystem (keyed by its UUID): failed when more devices are missing than the
    ///   least redundant profile in use survives, degraded when any device is missing, any
    ///   device's error counters are above zero, or the last scrub left uncorrectable errors;
    /// - each member present (keyed by its block device name): degraded when its error
    ///   counters are above zero.
    /// The error counters persist until `btrfs device stats -z`: a finding stays degraded
    /// after a scrub repaired the damage, until an operator has looked and reset them.
    public var storageFindings: [StorageFinding] {
        let layer = "btrfs " + (label.map { "\($0) (\(uuid.prefix(8)))" } ?? String(uuid.prefix(8)))
        var severity = StorageFinding.Severity.ok
        var reasons: [String] = []
        let missing = missingDevices
        if missing > 0 {
            let tolerated = toleratedMissingDevices ?? 0
            severity = missing > tolerated ? .failed : .degraded
            var r = "\(missing) of \(devices.count) devices missing"
            if missing > tolerated {
                let weak = allocation.flatMap { a in
                    a.profiles.filter { ($0.totalBytes ?? 0) > 0 && (Self.toleratedFailures($0.name) ?? 0) < missing }
                        .map { "\(a.type) \($0.name)" }
                }
                if !weak.isEmpty { r += "; no copy left for \(weak.joined(separator: ", "))" }
            }
            reasons.append(r)
        }
        var members: [StorageFinding] = []
        for d in devices {
            var memberReason = ""
            if let e = d.errors, e.any {
                let counts = e.byType.filter { $0.count > 0 }.map { "\($0.type) \($0.count)" }.joined(separator: ", ")
                memberReason = "device errors: \(counts)"
                severity = max(severity, .degraded)
                reasons.append("devid \(d.devid)\(d.device.map { " (\($0))" } ?? ""): \(counts) errors")
            }
            if let name = d.device, !d.missing {
                members.append(
                    StorageFinding(
                        keys: [.blockDevice(name)], source: "btrfs", layer: "\(layer) devid \(d.devid) \(name)",
                        severity: memberReason.isEmpty ? .ok : .degraded, reason: memberReason))
            }
        }
        if let s = lastScrub, s.uncorrectableErrors > 0 {
            severity = max(severity, .degraded)
            reasons.append("last scrub: \(s.uncorrectableErrors) uncorrectable errors")
        }
        let fs = StorageFinding(
            keys: [.filesystemUUID(uuid)], source: "btrfs", layer: layer, severity: severity,
            reason: reasons.joined(separator: "; "))
        return [fs] + members
    }
}
