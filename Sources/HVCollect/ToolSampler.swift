import HVFormats
import HVModel
import HVRuntime

/// Why a background probe of an external tool gave no usable result.
public struct ToolFailure: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// The failure for a run that did not end with one of `acceptedStatuses` (or timed out,
    /// or was killed); nil when the run ended well. `smartctl`, for one, sets bits in its
    /// exit status for a failing disk while still printing a full report: accept those.
    public static func check(_ outcome: ExternalCommand.Outcome, tool: String, timeout: Duration, acceptedStatuses: Set<Int32> = [0])
        -> ToolFailure?
    {
        switch outcome.termination {
        case .timedOut: return ToolFailure("\(tool) timed out after \(timeout)")
        case .signaled(let s): return ToolFailure("\(tool) killed by signal \(s)")
        case .exited(let code) where !acceptedStatuses.contains(code):
            let why = outcome.stderrSummary
            return ToolFailure("\(tool) exit status \(code)\(why.isEmpty ? "" : ": \(why)")")
        case .exited: return nil
        }
    }
}

/// Runs a probe of an external tool (or any slow source) in the background at its own
/// interval and keeps its last result, the last good one and when each came, so a collector
/// only reads a cache at scrape time and a scrape never waits for a tool.
///
/// The probe runs on a thread of its own (`BackgroundThread.loop`), one run at a time; the
/// loop ends when the sampler is released. A failed run keeps the last good value, served as
/// stale; so does a good value older than twice the interval (a probe stuck somewhere).
public final class ToolSampler<Value: Sendable>: @unchecked Sendable {
    /// What a collector reads.
    public struct Reading: Sendable {
        /// The last good value; nil when no run has succeeded yet.
        public var value: Value?
        /// How the runs went (`stale` says whether `value` is older than the last run).
        public var status: ToolRunStatus
    }

    public let tool: String
    public let target: String
    public let interval: Duration
    private let probe: @Sendable () throws(ToolFailure) -> Value
    private let lock = LockedCondition()
    private var lastGood: Value?
    private var lastGoodAt: ContinuousClock.Instant?
    private var lastGoodWall: Double?
    private var lastError: String?
    private var lastRunWall: Double?
    private var lastDuration: Duration = .zero
    private var runs = 0
    private var started = false

    /// - Parameters:
    ///   - tool: the tool's name for `hv_external_tool_*{tool}`.
    ///   - target: what it is asked about ("/dev/sda", "c0"); empty for a whole-host run.
    ///   - interval: pause between the end of one run and the start of the next.
    ///   - probe: one run: runs the tool (`ExternalCommand.run` with a timeout) and parses it.
    public init(
        tool: String, target: String = "", interval: Duration, probe: @escaping @Sendable () throws(ToolFailure) -> Value
    ) {
        self.tool = tool
        self.target = target
        self.interval = interval
        self.probe = probe
    }

    /// Starts the background runs (the first at once); later calls do nothing. Returns false
    /// when no thread could be started (the reading then says so).
    @discardableResult
    public func start() -> Bool {
        let first = lock.withLock {
            defer { started = true }
            return !started
        }
        guard first else { return true }
        let ok = BackgroundThread.loop(weak: self) { s in
            s.runOnce()
            return s.interval
        }
        if !ok { lock.withLock { lastError = "no thread for the \(tool) sampler" } }
        return ok
    }

    /// One run, on the calling thread (the background loop's body; tests call it directly).
    public func runOnce() {
        let begin = ContinuousClock.now
        let result: Result<Value, ToolFailure>
        do throws(ToolFailure) {
            result = .success(try probe())
        } catch {
            result = .failure(error)
        }
        let end = ContinuousClock.now
        let wall = Clock.wall()
        lock.withLock {
            runs += 1
            lastRunWall = wall
            lastDuration = end - begin
            switch result {
            case .success(let v):
                lastGood = v
                lastGoodAt = end
                lastGoodWall = wall
                lastError = nil
            case .failure(let f):
                lastError = f.message
            }
        }
        lock.broadcast()
    }

    /// Waits until at least `count` runs have ended or `deadline` passes (tests and the
    /// first reading of a CLI; never in a scrape). Returns whether they ended.
    public func waitForRuns(_ count: Int = 1, until deadline: ContinuousClock.Instant) -> Bool {
        lock.wait(until: deadline) { runs >= count }
    }

    /// The cached result now.
    public func read() -> Reading {
        lock.withLock {
            let age = lastGoodAt.map { ContinuousClock.now - $0 }
            let stale = lastGood != nil && (lastError != nil || (age.map { $0 > interval * 2 } ?? false))
            let error = lastError ?? (runs == 0 && !started ? "not started" : nil)
            return Reading(
                value: lastGood,
                status: ToolRunStatus(
                    tool: tool, target: target, success: runs > 0 && lastError == nil, error: error,
                    lastRunSeconds: lastRunWall, lastSuccessSeconds: lastGoodWall,
                    durationSeconds: Double(lastDuration.components.seconds) + Double(lastDuration.components.attoseconds) / 1e18,
                    stale: stale))
        }
    }
}

extension ExternalCommand {
    /// Runs a tool for a sampler's probe: a program that cannot be started, times out, is
    /// killed or ends with a status outside `acceptedStatuses` is a `ToolFailure` naming it.
    public static func runTool(
        _ executable: String, _ arguments: [String], timeout: Duration, acceptedStatuses: Set<Int32> = [0],
        outputLimit: Int = 16 << 20
    ) throws(ToolFailure) -> Outcome {
        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        let outcome: Outcome
        do throws(SpawnError) {
            outcome = try run(executable, arguments, timeout: timeout, outputLimit: outputLimit)
        } catch {
            throw ToolFailure(error.description)
        }
        if let f = ToolFailure.check(outcome, tool: name, timeout: timeout, acceptedStatuses: acceptedStatuses) { throw f }
        return outcome
    }
}

extension ToolSampler {
    /// A sampler that runs `executable arguments` (killed after `timeout`) and reads its
    /// standard output with `parse`; a format error is the run's failure, named by its message.
    public static func reading(
        tool: String, executable: String, arguments: [String], interval: Duration, timeout: Duration,
        parse: @escaping @Sendable ([UInt8]) throws(StorageToolFormatError) -> Value
    ) -> ToolSampler<Value> {
        ToolSampler(tool: tool, interval: interval) { () throws(ToolFailure) -> Value in
            let o = try ExternalCommand.runTool(executable, arguments, timeout: timeout)
            do throws(StorageToolFormatError) {
                return try parse(o.stdout)
            } catch {
                throw ToolFailure(error.message)
            }
        }
    }
}
