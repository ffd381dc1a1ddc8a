extension Snapshot {
    /// Every storage health finding in this snapshot, from each source that has any (one
    /// line per source; a new storage collector adds its own here). The guest-disk roll-up
    /// and `hvtop check storage` read this list, never the sources one by one.
    public var storageFindings: [StorageFinding] {
        var all: [StorageFinding] = []
        all += mdArrays.map(\.storageFinding)
        all += raidControllers.flatMap(\.storageFindings)
        all += smartDisks.compactMap(\.storageFinding)
        all += btrfsFilesystems.flatMap(\.storageFindings)
        all += (drbd?.resources ?? []).flatMap(\.storageFindings)
        all += (multipath?.maps ?? []).map(\.storageFinding)
        all += (zfs?.pools ?? []).map(\.storageFinding)
        return all
    }
}

extension MDArray {
    /// This array's health as a storage finding, keyed by its kernel name: failed when
    /// inactive, degraded when any member is missing (how many the level tolerates is not
    /// judged here), ok otherwise.
    public var storageFinding: StorageFinding {
        let severity: StorageFinding.Severity
        var reason = ""
        if arrayState == "inactive" {
            severity = .failed
            reason = "array inactive"
        } else if let d = degraded, d > 0 {
            severity = .degraded
            reason = "\(d) of \(raidDisks.map(String.init) ?? "?") members missing"
        } else {
            severity = .ok
        }
        return StorageFinding(keys: [.blockDevice(device)], source: "mdraid", layer: device, severity: severity, reason: reason)
    }
}
