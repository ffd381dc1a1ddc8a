import HVModel

extension HostCheck {
    /// Migrations: CRITICAL when a running migration made no progress between two samples
    /// `interval` seconds apart; WARNING when it is not converging (dirty rate above
    /// bandwidth after `maxIterations`), a migration failed within `failedWindow`, or a guest
    /// that arrived by migration (a minute to `arrivalWindow` ago) moved no packet between
    /// the two samples; thresholds on elapsed seconds.
    func migrations(_ s: Snapshot, later: Snapshot?) -> CheckResult {
        if let missing = CollectorNames.noData(s, CollectorNames.jobs) {
            return CheckResult(service: kind.service, status: .unknown, summary: missing)
        }
        let running = Self.runningMigrations(s)
        var status = CheckStatus.ok
        var problems: [String] = []
        var details: [String] = []
        var stalled = 0
        var maxElapsed = 0.0
        var perf: [PerfDatum] = []
        for g in running {
            let j = g.job!
            let elapsed = j.elapsedSeconds ?? 0
            maxElapsed = max(maxElapsed, elapsed)
            var st = CheckStatus.evaluate(elapsed, warning: options.warning, critical: options.critical)
            var text = "\(g.name) \(j.operationName) \(Format.percent(j.progressRatio.map { $0 * 100 }))% after \(Format.duration(elapsed))"
            if let later, let lj = later.guests.first(where: { $0.key == g.key })?.job, lj.type == 1 || lj.type == 2 {
                let moved = Self.progressed(from: j, to: lj)
                if moved == false {
                    st = .critical
                    stalled += 1
                    text += ", STALLED (no progress in \(Format.number(options.interval))s)"
                }
            }
            if let it = j.memoryIteration, it > UInt64(options.maxIterations),
                let dirty = j.memoryDirtyRateBytesPerSecond, let bw = j.memoryBandwidthBytesPerSecond, dirty >= bw
            {
                st = max(st, .warning)
                text += ", not converging (iteration \(it), dirty \(Format.bytes(dirty))/s >= bandwidth \(Format.bytes(bw))/s)"
            }
            status = max(status, st)
            if st != .ok { problems.append(text) }
            details.append("\(st): \(text)")
            if let p = j.progressRatio {
                perf.append(PerfDatum("\(g.name)_progress", (p * 1000).rounded() / 10, unit: "%", min: 0, max: 100))
            }
        }
        var failed: [String] = []
        let finished = s.guests.compactMap { g in g.lastJob.map { (g.name, $0) } } + s.departedJobs.map { ($0.name, $0.job) }
        for (name, j) in finished {
            guard j.type == 4 || j.outcome == .failed, j.isMigration else { continue }
            if let t = j.endedAtSeconds ?? j.observedAtSeconds, s.timestampSeconds - t > options.failedWindow { continue }
            failed.append(name + (j.errorMessage.map { " (\($0))" } ?? ""))
        }
        // Traffic resumed? Incoming guests a minute or more after their job: packets between
        // the two samples (the check operators do by hand after a migration).
        var silent: [String] = []
        for g in Self.recentArrivals(s, within: options.arrivalWindow) {
            let end = g.lastJob?.endedAtSeconds ?? g.lastJob?.observedAtSeconds ?? s.timestampSeconds
            let age = s.timestampSeconds - end
            guard let later, let lg = later.guests.first(where: { $0.key == g.key }) else { continue }
            let before = Self.packets(g)
            let after = Self.packets(lg)
            let seconds = later.timestampSeconds - s.timestampSeconds
            if age < 60 {
                details.append("OK: \(g.name) arrived \(Format.duration(age)) ago (traffic judged after a minute)")
            } else if after > before {
                details.append("OK: \(g.name) arrived \(Format.duration(age)) ago, \(after - before) packets in \(Format.number(seconds))s")
            } else {
                silent.append(g.name)
                details.append(
                    "WARNING: \(g.name) arrived \(Format.duration(age)) ago and its interfaces moved no packet in \(Format.number(seconds))s"
                )
            }
        }
        if !silent.isEmpty {
            status = max(status, .warning)
            problems.append("no traffic after migration: \(silent.sorted().joined(separator: ", "))")
        }
        if !failed.isEmpty {
            status = max(status, .warning)
            problems.append("migration failed recently: \(failed.sorted().joined(separator: ", "))")
        }
        perf.insert(
            contentsOf: [
                PerfDatum("migrations", Double(running.count), min: 0), PerfDatum("stalled", Double(stalled), min: 0),
                PerfDatum("max_elapsed", maxElapsed, unit: "s", warning: options.warning, critical: options.critical, min: 0),
                PerfDatum("failed", Double(failed.count), min: 0), PerfDatum("silent_arrivals", Double(silent.count), min: 0),
            ], at: 0)
        let summary: String
        if !problems.isEmpty {
            summary = problems.joined(separator: "; ")
        } else if running.isEmpty {
            summary = "no migration running"
        } else {
            summary =
                "\(running.count) migration\(running.count == 1 ? "" : "s") progressing: "
                + running.map { g in
                    "\(g.name) \(Format.percent(g.job!.progressRatio.map { $0 * 100 }))%"
                }.joined(separator: ", ")
        }
        return CheckResult(service: kind.service, status: status, summary: summary, perfdata: perf, details: details)
    }

    /// Received plus sent packets of a guest's interfaces.
    static func packets(_ g: Guest) -> UInt64 {
        g.interfaces.reduce(0) { $0 &+ ($1.rxPackets ?? 0) &+ ($1.txPackets ?? 0) }
    }

    /// Whether a job moved between two samples: more data processed or less remaining;
    /// nil when the figures do not tell.
    static func progressed(from a: DomainJob, to b: DomainJob) -> Bool? {
        if let p0 = a.dataProcessedBytes ?? a.memoryProcessedBytes, let p1 = b.dataProcessedBytes ?? b.memoryProcessedBytes {
            if p1 > p0 { return true }
            if let r0 = a.dataRemainingBytes ?? a.memoryRemainingBytes, let r1 = b.dataRemainingBytes ?? b.memoryRemainingBytes, r1 < r0 {
                return true
            }
            return false
        }
        if let r0 = a.dataRemainingBytes, let r1 = b.dataRemainingBytes { return r1 < r0 }
        return nil
    }
}
