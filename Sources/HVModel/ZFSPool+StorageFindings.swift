extension ZFSPool {
    /// This pool's health keyed by its name and each leaf's block device: failed when
    /// FAULTED, UNAVAIL or SUSPENDED, degraded when DEGRADED (or ONLINE with data errors),
    /// ok otherwise.
    public var storageFinding: StorageFinding {
        var keys: [StorageFinding.Key] = [.zpool(name)]
        for v in vdevs where v.leaf { if let d = v.blockDevice { keys.append(.blockDevice(d)) } }
        let severity: StorageFinding.Severity
        var reason = ""
        let bad = vdevs.filter { $0.leaf && $0.state != nil && $0.state != "ONLINE" && $0.section != "spares" }.map {
            "\($0.name) \($0.state!)"
        }
        switch state {
        case "FAULTED", "UNAVAIL", "SUSPENDED":
            severity = .failed
            reason = "pool \(state)"
        case "DEGRADED", "REMOVED", "OFFLINE":
            severity = .degraded
            reason = "pool \(state)" + (bad.isEmpty ? "" : ": " + bad.joined(separator: ", "))
        default:
            if let e = dataErrors, e > 0 {
                severity = .degraded
                reason = "\(e) data errors"
            } else {
                severity = .ok
            }
        }
        return StorageFinding(keys: keys, source: "zfs", layer: "zpool \(name)", severity: severity, reason: reason)
    }
}
