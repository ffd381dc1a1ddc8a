extension MultipathMap {
    /// This map's health keyed by its dm device ("dm-3") and the WWN of its LUN: failed when
    /// no path is usable (I/O queues or fails), degraded when a path failed, ok otherwise.
    public var storageFinding: StorageFinding {
        var keys: [StorageFinding.Key] = []
        if let d = dmDevice { keys.append(.blockDevice(d)) }
        if let w = wwn { keys.append(.wwn(w)) }
        let severity: StorageFinding.Severity
        var reason = ""
        let total = paths.isEmpty ? nil : paths.count
        if paths.isEmpty && reportedActivePaths == nil {
            severity = .ok
            reason = "path count unknown"
        } else if activePaths == 0 {
            severity = .failed
            reason = "no active path\(queueingEnabled ? " (I/O queued: \(queueing ?? "queue_if_no_path"))" : "")"
        } else if failedPaths > 0 {
            severity = .degraded
            reason = "\(failedPaths) of \(total.map(String.init) ?? "?") paths failed"
        } else {
            severity = .ok
        }
        return StorageFinding(keys: keys, source: "multipath", layer: "multipath \(name)", severity: severity, reason: reason)
    }
}
