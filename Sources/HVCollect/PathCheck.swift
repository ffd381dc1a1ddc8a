import HVSystem
import Logging
import Synchronization

/// The check of a collector's root paths (`--path.procfs`, `--path.sysfs`, `--path.cgroupfs`),
/// called at the top of its `collect`: a root that does not exist or is not what it should be
/// (see `FilesystemRoot`) makes the collector fail (`hv_scrape_collector_success 0`, the error
/// in /json) instead of succeeding with no data. Each change is logged once, a warning when a
/// root goes bad and an info line when it is good again, not once per scrape.
public final class PathCheck: Sendable {
    let collector: String
    let roots: [Root]
    let logger: Logger?
    /// The last failure's text, nil while the roots were fine.
    private let last = Mutex<String?>(nil)

    /// Where path problems of collectors without a logger of their own go: hv-exporter sets
    /// its logger at start (`PathCheck.report(to:)`); unset (hvtop, tests), nothing is logged.
    private static let shared = Mutex<Logger?>(nil)

    public static func report(to logger: Logger?) { shared.withLock { $0 = logger } }

    /// Problems logged and not yet fixed (error texts), across collectors.
    private static let warned = Mutex<Set<String>>([])

    /// A root and what it must hold (see `FilesystemRoot`).
    public enum Root: Sendable {
        /// `self`, or one of `alternatives`.
        case procfs(String, alternatives: [String] = [])
        /// Every entry of `needs`.
        case sysfs(String, needs: [String])
        /// v2 or v1 controllers.
        case cgroupfs(String)
        /// v2 or v1 controllers, laid out as `CgroupFS` found them when it was made.
        case cgroupLayout(CgroupFS)

        func check() throws(SystemError) {
            switch self {
            case .procfs(let root, let alternatives): try FilesystemRoot.checkProcfs(root, alternatives: alternatives)
            case .sysfs(let root, let needs): try FilesystemRoot.checkSysfs(root, needs: needs)
            case .cgroupfs(let root): try FilesystemRoot.checkCgroupfs(root)
            case .cgroupLayout(let fs):
                try FilesystemRoot.checkCgroupfs(fs.root)
                try FilesystemRoot.checkCgroupLayout(fs)
            }
        }
    }

    /// - Parameters:
    ///   - collector: the collector's name, for the log line.
    ///   - logger: the collector's own logger; nil: the one set with `report(to:)`.
    ///   - roots: checked in order; the first that fails is the failure.
    public init(collector: String, logger: Logger? = nil, _ roots: [Root]) {
        self.collector = collector
        self.logger = logger
        self.roots = roots
    }

    /// Throws the first failing check's error (after logging it if it is new).
    public func verify() throws(SystemError) {
        var failure: SystemError?
        for root in roots {
            do { try root.check() } catch {
                failure = error
                break
            }
        }
        let text = failure?.description
        let previous: String?? = last.withLock { old in
            if old == text { return .none }
            defer { old = text }
            return .some(old)
        }
        if case .some(let before) = previous {
            let log = logger ?? Self.shared.withLock { $0 }
            if let text {
                // One line per problem: collectors reading the same broken root say it once.
                if Self.warned.withLock({ $0.insert(text).inserted }) {
                    log?.warning(
                        "path unusable: the collectors reading it fail until it is fixed",
                        metadata: ["collector": "\(collector)", "error": "\(text)"])
                }
            } else if let before, Self.warned.withLock({ $0.remove(before) != nil }) {
                log?.info("path usable again", metadata: ["collector": "\(collector)", "was": "\(before)"])
            }
        }
        if let failure { throw failure }
    }

    /// hv-exporter's check at start: logs a warning for each of the three roots that is not
    /// what it should be (procfs without `self`, sysfs without `block` and `class`, cgroupfs
    /// without controllers), whatever collectors run; the collectors then do not repeat it.
    /// Returns the problems.
    @discardableResult
    public static func warnAtStart(procfs: String, sysfs: String, cgroupfs: String) -> [SystemError] {
        var out: [SystemError] = []
        for root in [Root.procfs(procfs), .sysfs(sysfs, needs: ["block", "class"]), .cgroupfs(cgroupfs)] {
            do { try root.check() } catch { out.append(error) }
        }
        let log = shared.withLock { $0 }
        for e in out where warned.withLock({ $0.insert(e.description).inserted }) {
            log?.warning("path unusable: the collectors reading it fail until it is fixed", metadata: ["error": "\(e)"])
        }
        return out
    }
}
