import HVModel

extension HostCheck {
    /// Names of the guests with a disk whose stack holds the block device `device`, sorted
    /// ("md1 degraded -> guests a, b, c").
    static func guests(on device: String, _ s: Snapshot) -> [String] {
        Set(s.guestDiskStacks.filter { d in d.layers.contains { $0.device == device } }.map(\.guest)).sorted()
    }

    /// " -> guests a, b" when guests sit on `device`, else "".
    static func guestsSuffix(_ device: String, _ s: Snapshot) -> String {
        let g = guests(on: device, s)
        return g.isEmpty ? "" : " -> guest\(g.count == 1 ? "" : "s") " + g.map { Format.printable($0) }.joined(separator: ", ")
    }

    /// Every guest disk on an unhealthy storage stack (`Snapshot.guestDiskStacks` health
    /// rolled up from md, btrfs, SMART... findings): CRITICAL when a layer failed, WARNING
    /// when one is degraded; UNKNOWN when the storage collector did not run. Disks whose stack
    /// could not be resolved are listed in the details only.
    func storage(_ s: Snapshot) -> CheckResult {
        if s.guestDiskStacks.isEmpty, let missing = CollectorNames.noData(s, CollectorNames.storage) {
            return CheckResult(service: kind.service, status: .unknown, summary: missing)
        }
        let bad = s.unhealthyGuestDisks
        var status = CheckStatus.ok
        var problems: [String] = []
        var details: [String] = []
        for d in bad {
            let st: CheckStatus = d.health.severity == .failed ? .critical : .warning
            status = max(status, st)
            let text =
                "\(Format.printable(d.guest)) \(Format.printable(d.targetDevice)) on \(d.health.severity.name) "
                + Format.printable(d.health.reason ?? d.health.layer ?? "storage")
            problems.append(text)
            details.append("\(st): \(text)" + (d.health.source.map { " (\($0))" } ?? ""))
        }
        for d in s.guestDiskStacks where d.error != nil || d.layers.contains(where: { $0.problem != nil }) {
            let why = d.error ?? d.layers.compactMap(\.problem).joined(separator: ", ")
            details.append("unresolved: \(Format.printable(d.guest)) \(Format.printable(d.targetDevice)): \(Format.printable(why))")
        }
        let guests = Set(bad.map(\.guestKey)).count
        let perf = [
            PerfDatum("disks", Double(s.guestDiskStacks.count), min: 0),
            PerfDatum("unhealthy", Double(bad.count), min: 0),
            PerfDatum("guests_affected", Double(guests), min: 0),
        ]
        let n = s.guestDiskStacks.count
        let summary =
            problems.isEmpty
            ? "\(n) guest disk\(n == 1 ? "" : "s") on healthy storage"
            : problems.joined(separator: "; ")
        return CheckResult(service: kind.service, status: status, summary: summary, perfdata: perf, details: details)
    }
}
