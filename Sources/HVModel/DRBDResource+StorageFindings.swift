extension DRBDResource {
    /// One finding per local volume, keyed by its block device ("drbd<minor>"): failed when
    /// the local disk is gone (Diskless not by intent, Failed) or a peer is StandAlone (split
    /// brain); degraded when the local or a peer's disk is not UpToDate, a resync runs, or a
    /// peer is not Connected; ok otherwise.
    public var storageFindings: [StorageFinding] {
        volumes.compactMap { v -> StorageFinding? in
            guard let device = v.blockDevice else { return nil }
            var failed: [String] = []
            var degraded: [String] = []
            switch v.diskState {
            case "Diskless"? where !v.client: failed.append("local disk Diskless")
            case "Failed"?: failed.append("local disk Failed")
            case "UpToDate"?, nil: break
            case "Diskless"?: break
            case let s?: degraded.append("local disk \(s)")
            }
            for p in peers {
                if p.splitBrain {
                    failed.append("StandAlone against \(p.name) (split brain?)")
                    continue
                }
                if let c = p.connectionState, c != "Connected" {
                    degraded.append("\(c) to \(p.name)")
                    continue
                }
                guard let pv = p.volumes.first(where: { $0.volume == v.volume }) else { continue }
                if pv.syncing {
                    let pct = pv.syncRatio.map { " \(Int(($0 * 100).rounded(.down)))%" } ?? ""
                    degraded.append("\(pv.replicationState ?? "sync") with \(p.name)\(pct)")
                } else if let d = pv.diskState, d != "UpToDate", !(d == "Diskless" && pv.client) {
                    degraded.append("\(p.name) disk \(d)")
                }
            }
            let severity: StorageFinding.Severity = !failed.isEmpty ? .failed : !degraded.isEmpty ? .degraded : .ok
            return StorageFinding(
                keys: [.blockDevice(device)], source: "drbd", layer: "drbd \(name)/\(v.volume)", severity: severity,
                reason: (failed + degraded).joined(separator: "; "))
        }
    }
}
