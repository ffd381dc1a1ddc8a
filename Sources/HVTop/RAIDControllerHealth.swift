import HVModel

/// How hvtop judges hardware RAID controllers (the storage view and `check raid`): a logical
/// drive failed or offline is CRITICAL, degraded CRITICAL (redundancy lost, as for md), rebuilding
/// or initializing WARNING; the controller not optimal, its battery or cache failed, a
/// physical drive failed, missing or predicting failure, and figures served stale after a
/// failed tool run are WARNING (a failed controller CRITICAL).
public enum RAIDControllerHealth {
    /// A logical drive's own state as a check state.
    public static func status(_ ld: RAIDLogicalDrive) -> CheckStatus {
        switch ld.state {
        case .optimal: .ok
        case .rebuilding, .initializing: .warning
        case .degraded, .failed, .offline: .critical
        case .unknown: .unknown
        }
    }

    /// A logical drive in a few words: "RAID5 Dgrd (degraded), sdb".
    public static func text(_ c: RAIDController, _ ld: RAIDLogicalDrive) -> String {
        var t = "\(c.name) ld \(ld.id) \(ld.raidLevel.isEmpty ? "" : ld.raidLevel + " ")\(ld.state.rawValue)"
        if !ld.stateWord.isEmpty, ld.stateWord.lowercased() != ld.state.rawValue { t += " (\(ld.stateWord))" }
        if let r = ld.rebuildRatio { t += " \(Format.percent(r * 100))%" }
        if let d = ld.device { t += ", \(d)" }
        return t
    }

    /// What is wrong with the controller itself, its physical drives and its tool run.
    public static func controllerProblems(_ c: RAIDController) -> [(status: CheckStatus, text: String)] {
        var out: [(CheckStatus, String)] = []
        switch c.status {
        case .failed: out.append((.critical, "\(c.name) controller \(c.statusWord)"))
        case .degraded: out.append((.warning, "\(c.name) controller \(c.statusWord)"))
        case .optimal, .unknown: break
        }
        if let b = c.battery, b == .failed || b == .degraded {
            out.append((.warning, "\(c.name) battery \(c.batteryWord ?? b.rawValue)"))
        }
        if c.cache == .failed { out.append((.warning, "\(c.name) cache \(c.cacheWord ?? "failed")")) }
        for pd in c.physicalDrives {
            switch pd.state {
            case .failed, .missing, .offline, .predictiveFailure:
                let word = pd.stateWord.isEmpty || pd.stateWord.lowercased() == pd.state.rawValue ? "" : " (\(pd.stateWord))"
                out.append((.warning, "\(c.name) drive \(pd.slot) \(pd.state.rawValue)\(word)"))
            default: break
            }
        }
        if c.toolRun.stale {
            out.append((.warning, "\(c.name) figures stale: \(Format.printable(c.toolRun.error ?? "the tool did not run again"))"))
        }
        return out
    }
}
