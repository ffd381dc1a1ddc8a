import Glibc
import HVModel

extension HostCheck {
    /// Guests: counts by state against thresholds (crashed: critical on any by default;
    /// timed out: warning on any), and the guests that must be running (`--running`).
    func guests(_ s: Snapshot) -> CheckResult {
        if s.guests.isEmpty, let missing = CollectorNames.noData(s, CollectorNames.libvirt) {
            return CheckResult(service: kind.service, status: .unknown, summary: missing)
        }
        let count = { (st: GuestState) in s.guests.filter { $0.state == st }.count }
        let running = count(.running)
        let paused = count(.paused)
        let crashed = count(.crashed)
        let shutoff = count(.shutoff)
        let timedOut = s.guests.filter(\.timedOut).count
        let transient = s.guests.filter { $0.persistent == false }.count
        var status = CheckStatus.ok
        var problems: [String] = []
        var details: [String] = []
        func judge(_ n: Int, _ w: NagiosRange?, _ c: NagiosRange?, _ what: String, _ names: [String]) {
            let st = CheckStatus.evaluate(Double(n), warning: w, critical: c)
            status = max(status, st)
            if st != .ok { problems.append("\(n) \(what)" + (names.isEmpty ? "" : " (\(names.joined(separator: ", ")))")) }
        }
        func names(_ f: (Guest) -> Bool) -> [String] { s.guests.filter(f).map(\.name).sorted() }
        // Doubt (UNKNOWN) outranks OK and WARNING, never a definite CRITICAL, whichever came first.
        func doubt() { if status != .critical { status = .unknown } }
        judge(crashed, options.crashedWarning, options.crashedCritical, "crashed", names { $0.state == .crashed })
        judge(paused, options.pausedWarning, options.pausedCritical, "paused", names { $0.state == .paused })
        judge(timedOut, options.timedOutWarning, nil, "not answering libvirt", names(\.timedOut))
        judge(transient, options.transientWarning, nil, "transient (gone after stop)", names { $0.persistent == false })
        var named = Set<String>()
        for want in options.running {
            switch GuestLookup.match(s, want) {
            case .one(let g):
                named.insert(g.key)
                if g.state == .nostate {
                    // libvirt gave no state this scrape (its statistics did not come): not known
                    // to be down.
                    doubt()
                    problems.append("\(g.name)'s state is not known (libvirt gave none this scrape), expected running")
                    details.append("UNKNOWN: \(g.name) nostate")
                    continue
                }
                if g.state != .running {
                    status = .critical
                    problems.append("\(g.name) is \(g.state.rawValue), expected running")
                }
                details.append("\(g.state == .running ? "OK" : "CRITICAL"): \(g.name) \(g.state.rawValue)")
            case .ambiguous(let candidates):
                // Which one must run is the operator's call: UNKNOWN until --running names it.
                doubt()
                problems.append(
                    "\(want) is ambiguous, name it by UUID or driver:name ("
                        + candidates.map { "\(GuestLookup.candidateLine($0)): \(GuestLookup.selector($0))" }.joined(separator: ", ") + ")")
                details.append(
                    "UNKNOWN: \(want) names \(candidates.count) guests: "
                        + candidates.map(GuestLookup.candidateLine).joined(separator: ", "))
            case .none:
                status = .critical
                problems.append("\(want) not found, expected running")
                details.append("CRITICAL: \(want) not found")
            }
        }
        for g in s.guests.sorted(by: { $0.name < $1.name }) where !named.contains(g.key) {
            details.append(
                "\(g.name): \(g.kind.rawValue) \(g.state.rawValue)" + (g.persistent == false ? ", transient" : "")
                    + (g.timedOut ? ", timed out" : ""))
        }
        let perf = [
            PerfDatum("guests", Double(s.guests.count), min: 0), PerfDatum("running", Double(running), min: 0),
            PerfDatum("paused", Double(paused), warning: options.pausedWarning, critical: options.pausedCritical, min: 0),
            PerfDatum("shutoff", Double(shutoff), min: 0),
            PerfDatum("crashed", Double(crashed), warning: options.crashedWarning, critical: options.crashedCritical, min: 0),
            PerfDatum("timed_out", Double(timedOut), warning: options.timedOutWarning, min: 0),
            PerfDatum("transient", Double(transient), warning: options.transientWarning, min: 0),
        ]
        let summary =
            problems.isEmpty
            ? "\(s.guests.count) guests: \(running) running, \(paused) paused, \(shutoff) shut off, \(crashed) crashed"
            : problems.joined(separator: "; ")
        return CheckResult(service: kind.service, status: status, summary: summary, perfdata: perf, details: details)
    }

    /// libvirt: CRITICAL when the connection is down (UNKNOWN when a direct collection
    /// lacks the privileges to open it), WARNING when guests timed out; thresholds on the
    /// duration of the libvirt part of the collection, seconds.
    func libvirt(_ sample: Sample) -> CheckResult {
        let s = sample.snapshot
        guard let l = s.libvirt else {
            return CheckResult(
                service: kind.service, status: .unknown, summary: CollectorNames.noData(s, CollectorNames.libvirt) ?? "no libvirt status")
        }
        let timedOut = s.guests.filter(\.timedOut)
        let perf = [
            PerfDatum("up", l.up ? 1 : 0, min: 0, max: 1),
            PerfDatum(
                "domains", Double(s.guests.filter { $0.driver != "lxc-tools" && $0.driver != "lxd" && $0.driver != "nspawn" }.count), min: 0
            ),
            PerfDatum("timed_out", Double(timedOut.count), min: 0),
            PerfDatum(
                "duration", (l.durationSeconds * 10000).rounded() / 10000, unit: "s", warning: options.warning, critical: options.critical,
                min: 0),
        ]
        guard l.up else {
            let err = l.error ?? "not connected"
            let denied = err.lowercased().contains("permission denied") || err.lowercased().contains("authentication")
            if !sample.source.isDaemon && geteuid() != 0 && denied {
                return CheckResult(
                    service: kind.service, status: .unknown,
                    summary: "cannot open \(l.uri) as uid \(geteuid()): \(err) (run as root or start hv-exporter)", perfdata: perf)
            }
            return CheckResult(service: kind.service, status: .critical, summary: "libvirt at \(l.uri) is down: \(err)", perfdata: perf)
        }
        var status = CheckStatus.evaluate(l.durationSeconds, warning: options.warning, critical: options.critical)
        var summary =
            "libvirt \(l.daemonVersion ?? l.libraryVersion ?? "") up at \(l.uri), \(perf[1].value.formatted) domains, answered in \(Format.fixed(l.durationSeconds, 3))s"
        if !timedOut.isEmpty {
            status = max(status, .warning)
            summary = "\(timedOut.count) domain(s) not answering: \(timedOut.map(\.name).sorted().joined(separator: ", ")); " + summary
        }
        if status != .ok && timedOut.isEmpty { summary = "slow: " + summary }
        return CheckResult(
            service: kind.service, status: status, summary: summary, perfdata: perf,
            details: [l.hypervisorType.map { "hypervisor \($0) \(l.hypervisorVersion ?? "")" }].compactMap { $0 })
    }
}

extension Double {
    var formatted: String { Format.number(self) }
}
