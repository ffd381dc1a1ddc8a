extension RAIDController {
    /// This controller's health as storage findings: one per logical drive, keyed by the
    /// block device the OS sees and its WWN when the tool tells them (degraded while degraded
    /// or rebuilding, failed when failed or offline; a controller that is not optimal or whose
    /// battery/cache failed makes each of its logical drives at least degraded), and one per
    /// physical drive keyed by serial and WWN (failed, missing or offline: failed; predictive
    /// failure or rebuilding: degraded).
    public var storageFindings: [StorageFinding] {
        var controllerSeverity = StorageFinding.Severity.ok
        var controllerReasons: [String] = []
        switch status {
        case .failed:
            controllerSeverity = .failed
            controllerReasons.append("controller \(statusWord)")
        case .degraded:
            controllerSeverity = .degraded
            controllerReasons.append("controller \(statusWord)")
        case .optimal, .unknown: break
        }
        if battery == .failed || battery == .degraded {
            controllerSeverity = max(controllerSeverity, .degraded)
            controllerReasons.append("battery/cache backup \(batteryWord ?? battery?.rawValue ?? "")")
        }
        if cache == .failed || cache == .disabled && (battery == .failed || battery == .degraded) {
            controllerSeverity = max(controllerSeverity, .degraded)
            controllerReasons.append("cache \(cacheWord ?? cache?.rawValue ?? "")")
        }

        var all: [StorageFinding] = []
        for ld in logicalDrives {
            var keys: [StorageFinding.Key] = []
            if let d = ld.device { keys.append(.blockDevice(d)) }
            if let w = ld.wwn { keys.append(.wwn(w)) }
            var severity = StorageFinding.Severity.ok
            var reasons: [String] = []
            switch ld.state {
            case .failed, .offline:
                severity = .failed
                reasons.append("logical drive \(ld.stateWord)")
            case .degraded:
                severity = .degraded
                reasons.append("logical drive \(ld.stateWord)")
            case .rebuilding:
                severity = .degraded
                let pct = ld.rebuildRatio.map { " \(Int(($0 * 100).rounded()))%" } ?? ""
                reasons.append("logical drive rebuilding\(pct)")
            case .optimal, .initializing, .unknown: break
            }
            severity = max(severity, controllerSeverity)
            reasons += controllerReasons
            all.append(
                StorageFinding(
                    keys: keys, source: "raid_controller", layer: "\(name) ld \(ld.id)", severity: severity,
                    reason: reasons.joined(separator: "; ")))
        }
        for pd in physicalDrives {
            var keys: [StorageFinding.Key] = []
            if !pd.serial.isEmpty { keys.append(.serial(pd.serial)) }
            if let w = pd.wwn { keys.append(.wwn(w)) }
            let severity: StorageFinding.Severity
            switch pd.state {
            case .failed, .missing, .offline: severity = .failed
            case .predictiveFailure, .rebuilding: severity = .degraded
            case .online, .spare, .unconfigured, .jbod, .unknown: severity = .ok
            }
            all.append(
                StorageFinding(
                    keys: keys, source: "raid_controller", layer: "\(name) pd \(pd.slot)", severity: severity,
                    reason: severity == .ok ? "" : "drive \(pd.stateWord.isEmpty ? pd.state.rawValue : pd.stateWord)"))
        }
        return all
    }
}
