import HVFormats
import HVModel
import HVRuntime
import Logging

/// Hardware RAID controllers ("raid_controller"): fills `snapshot.raidControllers` and
/// `snapshot.raidControllerTools` from the vendors' CLIs, each run in the background by a
/// `ToolSampler` at `interval` with `timeout` per run; a scrape only reads their cached results.
///
/// - storcli64 / storcli / perccli64 / perccli (the first found, or `storcliPath`):
///   `/call show all J`, then `/call/vall show all J` (OS device, NAA id),
///   `/call/eall/sall show all J` (serials, WWNs, error counters) and
///   `/call/eall/sall show rebuild J` (rebuild progress); a failing follow-up command is a
///   problem of the controllers, the base figures are kept.
/// - ssacli (or hpssacli): `ctrl all show config detail`.
/// - arcconf: `GETCONFIG 1`, then `GETCONFIG n` for each further controller it counts.
///
/// A host without any of these tools gets no series and a success (one info line at start).
/// A tool whose run fails (timeout, exit status, another tool's output) keeps serving the
/// last good controllers with `toolRun.stale` and the error; before any good run, its
/// controllers are simply absent and `raidControllerTools` says why.
public final class RAIDControllerCollector: Collector, @unchecked Sendable {
    public let name = "raid_controller"
    public static var fills: Set<SnapshotPart> { [.raidControllers] }

    /// Where the tools are and how often they run.
    public struct Settings: Sendable {
        /// storcli/perccli executable; nil: the first of storcli64, storcli, perccli64, perccli
        /// found on `searchPath`. An empty string turns the tool off.
        public var storcliPath: String?
        /// ssacli executable; nil: ssacli or hpssacli on `searchPath`. Empty: off.
        public var ssacliPath: String?
        /// arcconf executable; nil: arcconf on `searchPath`. Empty: off.
        public var arcconfPath: String?
        /// Pause between the end of one run of a tool and the next.
        public var interval: Duration = .seconds(300)
        /// Deadline of one run of a tool (all its commands together).
        public var timeout: Duration = .seconds(60)
        /// Directories searched for the tools.
        public var searchPath: String = ExternalCommand.defaultSearchPath
        public init() {}
    }

    /// One tool being run: its family ("storcli", "ssacli", "arcconf") and sampler.
    struct Tool {
        let family: String
        let path: String
        let sampler: ToolSampler<RAIDToolReport>
    }

    let tools: [Tool]
    let logger: Logger
    /// The last figures of every controller seen, by name: a controller whose own command
    /// failed in a run that otherwise worked is served from here, stale, with its error.
    private let lock = LockedCondition()
    private var lastSeen: [String: RAIDController] = [:]

    /// Finds the tools and starts their background runs (unless `start` is false: tests then
    /// call `runOnce()` on the samplers through `runAllOnce()`).
    public init(settings: Settings = Settings(), logger: Logger, start: Bool = true) {
        self.logger = logger
        var tools: [Tool] = []
        let timeout = settings.timeout
        func locate(_ flag: String?, _ names: [String]) -> String? {
            if let flag { return flag.isEmpty ? nil : flag }
            return names.lazy.compactMap { ExternalCommand.find($0, searchPath: settings.searchPath) }.first
        }
        if let p = locate(settings.storcliPath, ["storcli64", "storcli", "perccli64", "perccli"]) {
            tools.append(
                Self.tool("storcli", p, settings.interval) { () throws(ToolFailure) in try Self.probeStorcli(p, timeout: timeout) })
        }
        if let p = locate(settings.ssacliPath, ["ssacli", "hpssacli"]) {
            tools.append(Self.tool("ssacli", p, settings.interval) { () throws(ToolFailure) in try Self.probeSSACLI(p, timeout: timeout) })
        }
        if let p = locate(settings.arcconfPath, ["arcconf"]) {
            tools.append(
                Self.tool("arcconf", p, settings.interval) { () throws(ToolFailure) in try Self.probeArcconf(p, timeout: timeout) })
        }
        self.tools = tools
        if tools.isEmpty {
            logger.info(
                "raid_controller: no storcli/perccli, ssacli or arcconf found; no hardware RAID controller is watched (--raid.storcli-path, --raid.ssacli-path, --raid.arcconf-path)"
            )
        } else {
            if let w = ToolPrivileges.raidControllerWarning(.current()) { logger.warning("\(w)") }
            logger.info(
                "raid_controller: watching hardware RAID controllers",
                metadata: [
                    "tools": "\(tools.map(\.path).joined(separator: ","))",
                    "interval": "\(settings.interval)", "timeout": "\(settings.timeout)",
                ])
        }
        if start { for t in tools { t.sampler.start() } }
    }

    static func tool(
        _ family: String, _ path: String, _ interval: Duration, probe: @escaping @Sendable () throws(ToolFailure) -> RAIDToolReport
    ) -> Tool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return Tool(family: family, path: path, sampler: ToolSampler(tool: name, interval: interval, probe: probe))
    }

    /// The paths of the tools found, in order (storcli, ssacli, arcconf).
    public var toolPaths: [String] { tools.map(\.path) }

    /// One run of every tool on the calling thread (tests; a CLI's first reading).
    public func runAllOnce() {
        for t in tools { t.sampler.runOnce() }
    }

    /// Waits until each tool ran at least once or `deadline` passes (hvtop's one-shot
    /// collection; never in a scrape).
    public func waitForFirstRuns(until deadline: ContinuousClock.Instant) -> Bool {
        tools.allSatisfy { $0.sampler.waitForRuns(1, until: deadline) }
    }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        for t in tools {
            let reading = t.sampler.read()
            snapshot.raidControllerTools.append(reading.status)
            guard let report = reading.value else { continue }
            let current = Self.controllers(report, family: t.family, status: reading.status)
            snapshot.raidControllers += current + keptStale(current, report: report, family: t.family)
        }
    }

    /// Controllers of `family` seen before and missing from `report` because their own
    /// command failed (a problem line names them, "c1: command failure: ..."): their last
    /// figures, marked stale with that error. A controller missing without a word (removed)
    /// is forgotten.
    func keptStale(_ current: [RAIDController], report: RAIDToolReport, family: String) -> [RAIDController] {
        lock.withLock {
            for c in current { lastSeen[c.name] = c }
            var kept: [RAIDController] = []
            for (name, old) in lastSeen.sorted(by: { $0.key < $1.key }) where name.hasPrefix(family + "/") {
                guard !current.contains(where: { $0.name == name }) else { continue }
                let id = String(name.dropFirst(family.count + 1))
                guard let why = report.problems.first(where: { $0.hasPrefix("\(id): ") }) else {
                    lastSeen[name] = nil
                    continue
                }
                var c = old
                c.toolRun.success = false
                c.toolRun.stale = true
                c.toolRun.error = why
                c.problems = [why]
                kept.append(c)
            }
            return kept
        }
    }

    // MARK: Probes

    /// Runs `arguments` with what is left of the run's deadline; any exit status is accepted
    /// when the output parses (storcli reports a controller's failure inside its JSON).
    static func run(_ path: String, _ arguments: [String], until deadline: ContinuousClock.Instant) throws(ToolFailure)
        -> ExternalCommand.Outcome
    {
        let left = deadline - .now
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard left > .zero else { throw ToolFailure("\(name) \(arguments.joined(separator: " ")): no time left in the run") }
        return try ExternalCommand.runTool(path, arguments, timeout: left, acceptedStatuses: Set(0...255))
    }

    /// The failure for output that did not parse: the exit status when it was not 0, then why.
    static func failure(_ outcome: ExternalCommand.Outcome, _ error: RAIDFormatError, command: String) -> ToolFailure {
        if case .exited(let code) = outcome.termination, code != 0 {
            let why = outcome.stderrSummary
            return ToolFailure("\(command) exit status \(code)\(why.isEmpty ? "" : ": \(why)"); \(error.message)")
        }
        return ToolFailure("\(command): \(error.message)")
    }

    static func probeStorcli(_ path: String, timeout: Duration) throws(ToolFailure) -> RAIDToolReport {
        let deadline = ContinuousClock.now + timeout
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let base = try run(path, ["/call", "show", "all", "J"], until: deadline)
        var report: RAIDToolReport
        do throws(RAIDFormatError) {
            report = try StorCLIOutput.parseControllers(base.stdout, tool: name)
        } catch {
            throw failure(base, error, command: "\(name) /call show all J")
        }
        guard !report.controllers.isEmpty else { return report }
        let followUps: [([String], (inout RAIDToolReport, [UInt8]) throws(RAIDFormatError) -> Void)] = [
            (
                ["/call/vall", "show", "all", "J"],
                { (r, b) throws(RAIDFormatError) in try StorCLIOutput.applyVirtualDriveDetails(b, to: &r, tool: name) }
            ),
            (
                ["/call/eall/sall", "show", "all", "J"],
                { (r, b) throws(RAIDFormatError) in try StorCLIOutput.applyDriveDetails(b, to: &r, tool: name) }
            ),
            (
                ["/call/eall/sall", "show", "rebuild", "J"],
                { (r, b) throws(RAIDFormatError) in try StorCLIOutput.applyRebuild(b, to: &r, tool: name) }
            ),
        ]
        for (args, apply) in followUps {
            let command = "\(name) \(args.joined(separator: " "))"
            do throws(ToolFailure) {
                let o = try run(path, args, until: deadline)
                do throws(RAIDFormatError) {
                    try apply(&report, o.stdout)
                } catch {
                    report.problems.append(failure(o, error, command: command).message)
                }
            } catch {
                report.problems.append(error.message)
            }
        }
        return report
    }

    static func probeSSACLI(_ path: String, timeout: Duration) throws(ToolFailure) -> RAIDToolReport {
        let deadline = ContinuousClock.now + timeout
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let o = try run(path, ["ctrl", "all", "show", "config", "detail"], until: deadline)
        do throws(RAIDFormatError) {
            return try SSACLIOutput.parse(o.stdout)
        } catch {
            // A host with the tool and no Smart Array: nothing to watch, not a failure.
            if error.message.lowercased().contains("no controllers detected") { return RAIDToolReport() }
            throw failure(o, error, command: "\(name) ctrl all show config detail")
        }
    }

    static func probeArcconf(_ path: String, timeout: Duration) throws(ToolFailure) -> RAIDToolReport {
        let deadline = ContinuousClock.now + timeout
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let first = try run(path, ["GETCONFIG", "1"], until: deadline)
        let count = ArcconfOutput.controllerCount(first.stdout)
        if count == 0 { return RAIDToolReport() }
        var report: RAIDToolReport
        do throws(RAIDFormatError) {
            report = try ArcconfOutput.parse(first.stdout, controller: "1")
        } catch {
            throw failure(first, error, command: "\(name) GETCONFIG 1")
        }
        for n in 2..<max(2, min(count ?? 1, 32) + 1) {
            let command = "\(name) GETCONFIG \(n)"
            do throws(ToolFailure) {
                let o = try run(path, ["GETCONFIG", "\(n)"], until: deadline)
                do throws(RAIDFormatError) {
                    let r = try ArcconfOutput.parse(o.stdout, controller: "\(n)")
                    report.controllers += r.controllers
                    report.problems += r.problems
                } catch {
                    report.problems.append(failure(o, error, command: command).message)
                }
            } catch {
                report.problems.append(error.message)
            }
        }
        return report
    }

    // MARK: Model

    /// The report's controllers as model values, each with the tool's run status (target:
    /// the controller's name) and the report's problems that name it.
    static func controllers(_ report: RAIDToolReport, family: String, status: ToolRunStatus) -> [RAIDController] {
        report.controllers.map { c in
            let name = "\(family)/\(c.id)"
            // storcli problems start with "c0: ", the others name the controller id the same way.
            let mine = report.problems.filter { $0.hasPrefix("\(c.id): ") || $0.hasPrefix("\(c.id) ") }
            let general = report.problems.filter { p in
                !report.controllers.contains { p.hasPrefix("\($0.id): ") || p.hasPrefix("\($0.id) ") }
            }
            var run = status
            run.target = name
            return RAIDController(
                name: name, tool: status.tool, vendor: c.vendor, model: c.model, serial: c.serial, firmware: c.firmware,
                status: RAIDController.Status(rawValue: c.status) ?? .unknown, statusWord: c.statusWord,
                battery: c.battery.map { RAIDController.BatteryState(rawValue: $0) ?? .unknown }, batteryWord: c.batteryWord,
                cache: c.cache.map { RAIDController.CacheState(rawValue: $0) ?? .unknown }, cacheWord: c.cacheWord,
                logicalDrives: c.logicalDrives.map { ld in
                    RAIDLogicalDrive(
                        id: ld.id, raidLevel: ld.raidLevel, state: RAIDLogicalDrive.State(rawValue: ld.state) ?? .unknown,
                        stateWord: ld.stateWord, sizeBytes: ld.sizeBytes, device: ld.osDevice.map(kernelName), wwn: ld.wwn,
                        rebuildRatio: ld.rebuildRatio, label: ld.name)
                },
                physicalDrives: c.physicalDrives.map { pd in
                    RAIDPhysicalDrive(
                        slot: pd.slot, state: RAIDPhysicalDrive.State(rawValue: pd.state) ?? .unknown, stateWord: pd.stateWord,
                        model: pd.model, serial: pd.serial, wwn: pd.wwn, sizeBytes: pd.sizeBytes, medium: pd.medium,
                        mediaErrors: pd.mediaErrors, otherErrors: pd.otherErrors, predictiveFailures: pd.predictiveFailures,
                        smartAlert: pd.smartAlert, rebuildRatio: pd.rebuildRatio)
                },
                toolRun: run, problems: mine + general)
        }
    }

    /// "/dev/sda" -> "sda".
    static func kernelName(_ device: String) -> String {
        device.hasPrefix("/dev/") ? String(device.dropFirst(5)) : device
    }
}
