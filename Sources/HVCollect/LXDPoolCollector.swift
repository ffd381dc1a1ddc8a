import HVFormats
import HVModel
import HVSystem
import Logging

/// LXD storage pools ("lxd_pools"): fills `snapshot.lxdStoragePools` from the LXD API on its
/// unix socket (`/1.0/storage-pools?recursion=1`, then per pool `/resources` and
/// `/volumes?all-projects=true`).
///
/// Asked in the background every `--storage-tools.interval`, like the storage tools (a
/// `ToolSampler`, `hv_external_tool_*{tool="lxd"}`): a pool's space and volumes move slowly,
/// each round costs LXD about 4 ms of CPU (its database), and an LXD that hangs (it happens)
/// must not hold up a scrape. The first scrape waits for the first round, at most `timeout`;
/// later scrapes read the last round's result, stale after a failed round.
///
/// A host without LXD (no socket, nobody listening) is a success with no pools and no
/// series. A pool whose space or volumes LXD does not give keeps its `error` (the others are
/// reported); a round fails when LXD answers the pool list with an error or something that is
/// not an LXD answer, or does not answer within `timeout`; with no good round yet, the
/// collector fails too.
public struct LXDPoolCollector: Collector {
    public let name = "lxd_pools"
    /// Sockets tried in order: the snap's, then the Debian package's (`LXD_DIR=/var/lib/lxd`).
    public let socketPaths: [String]
    /// Time for all LXD calls of one round.
    public let timeout: Duration
    let logger: Logger
    let sampler: ToolSampler<Round>

    /// What one background round found: the socket LXD answered on (nil: no LXD) and its pools.
    struct Round: Sendable {
        var socket: String?
        var pools: [LXDStoragePool]
    }

    public static let defaultSocketPaths = ["/var/snap/lxd/common/lxd/unix.socket", "/var/lib/lxd/unix.socket"]

    public init(
        socketPaths: [String] = defaultSocketPaths, timeout: Duration = .seconds(2), interval: Duration = .seconds(60), logger: Logger
    ) {
        self.socketPaths = socketPaths
        self.timeout = timeout
        self.logger = logger
        self.sampler = ToolSampler(tool: "lxd", interval: interval) { () throws(ToolFailure) -> Round in
            do {
                return try Self.round(socketPaths: socketPaths, deadline: ContinuousClock.now + timeout, logger: logger)
            } catch {
                throw ToolFailure("\(error)")
            }
        }
    }

    public static var fills: Set<SnapshotPart> { [.lxdPools] }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        sampler.start()
        var r = sampler.read()
        if r.status.lastRunSeconds == nil {
            // The first round, started just now (its own calls end by `timeout`).
            _ = sampler.waitForRuns(1, until: min(ContinuousClock.now + timeout + .milliseconds(250), scrape.libvirtDeadline))
            r = sampler.read()
        }
        guard let round = r.value else {
            snapshot.lxdStoragePools = []
            if let e = r.status.error { throw CollectError(e) }
            if r.status.lastRunSeconds == nil {
                throw CollectError("LXD did not answer its first round within \(timeout)", timedOut: true)
            }
            return
        }
        snapshot.lxdStoragePools = round.pools
        // No LXD: no pools and no tool series.
        snapshot.lxdPoolsRun = round.socket == nil && r.status.success ? nil : r.status
    }

    /// One round: the pools of the first socket where LXD answers, every call before `deadline`.
    static func round(socketPaths: [String], deadline: ContinuousClock.Instant, logger: Logger) throws -> Round {
        guard let (socket, list) = try firstAnswer(socketPaths, target: "/1.0/storage-pools?recursion=1", deadline: deadline) else {
            return Round(socket: nil, pools: [])
        }
        let (records, malformed) = try LXDAPI.storagePools(list.body)
        for m in malformed { logger.warning("lxd_pools: \(socket): \(m)") }

        var pools: [LXDStoragePool] = []
        for r in records {
            var p = LXDStoragePool(name: r.name, driver: r.driver, status: r.status)
            p.poolDescription = r.description
            p.source = r.source
            p.usedBy = r.usedBy.count
            var problems: [String] = []
            let escaped = Self.pathEscape(r.name)
            do {
                let res = try UnixHTTPClient.get(socketPath: socket, target: "/1.0/storage-pools/\(escaped)/resources", deadline: deadline)
                let space = try LXDAPI.resources(res.body)
                p.totalBytes = space.spaceTotal
                p.usedBytes = space.spaceUsed
                // dir and btrfs pools count inodes; others say 0 of 0.
                if let t = space.inodesTotal, t > 0 {
                    p.inodesTotal = t
                    p.inodesUsed = space.inodesUsed
                }
            } catch {
                problems.append("resources: \(error)")
            }
            do {
                let vols = try UnixHTTPClient.get(
                    socketPath: socket, target: "/1.0/storage-pools/\(escaped)/volumes?all-projects=true", deadline: deadline)
                p.volumesByType = try LXDAPI.volumeCounts(vols.body)
            } catch {
                problems.append("volumes: \(error)")
            }
            if !problems.isEmpty {
                p.error = problems.joined(separator: "; ")
                logger.warning("lxd_pools: pool \(r.name): \(p.error!)")
            }
            pools.append(p)
        }
        return Round(socket: socket, pools: pools.sorted { $0.name < $1.name })
    }

    /// The answer of the first socket where LXD listens, and that socket; nil when LXD is
    /// not there (no socket, nobody listening).
    static func firstAnswer(_ socketPaths: [String], target: String, deadline: ContinuousClock.Instant) throws -> (
        String, UnixHTTPClient.Response
    )? {
        for path in socketPaths {
            let result = Result { () throws(UnixHTTPClient.Failure) in
                try UnixHTTPClient.get(socketPath: path, target: target, deadline: deadline)
            }
            switch result {
            case .success(let r): return (path, r)
            case .failure(let f) where f.kind == .absent: continue
            case .failure(let f): throw f
            }
        }
        return nil
    }

    /// Percent-encodes a pool name for a URL path segment (LXD names are mostly safe; a
    /// space or '?' must not cut the request).
    static func pathEscape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let safe =
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E
                || b == 0x5F || b == 0x7E
            if safe {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(b >> 4)])
                out.unicodeScalars.append(hex[Int(b & 15)])
            }
        }
        return out
    }
}
