import HVModel
import Synchronization

/// Where hvtop gets its snapshots: the local daemon's `/json` when one answers (fast, no
/// second collector on the host), otherwise an in-process collection with the daemon's code.
///
/// The choice is made on the first fetch and then kept, so rates never mix two sources; a
/// daemon that stops answering later is an error (shown by the TUI), not a silent switch.
public final class SnapshotSource: Sendable {
    /// How to choose.
    public enum Mode: String, Sendable, CaseIterable {
        /// The daemon at the URL; if nothing listens there and the URL is on this machine,
        /// collect directly.
        case auto
        /// Only the daemon; unreachable is an error (checks report UNKNOWN).
        case daemon
        /// Only in-process collection.
        case direct
    }

    public let url: DaemonURL
    public let mode: Mode
    let client: DaemonClient
    private let makeDirect: @Sendable () -> DirectCollection
    private let chosen = Mutex<Chosen?>(nil)

    enum Chosen: Sendable {
        case daemon
        case direct(DirectCollection, SourceKind)
    }

    /// - Parameters:
    ///   - timeout: seconds for the whole daemon request.
    ///   - tls: trust and client certificate for an `https://` URL.
    ///   - credentials: basic auth for the daemon (see `BasicCredentials.resolve`).
    ///   - makeDirect: builds the in-process collectors when they are first needed.
    public init(
        url: DaemonURL, mode: Mode, timeout: Double, tls: DaemonTLSOptions = DaemonTLSOptions(),
        credentials: BasicCredentials? = nil, makeDirect: @escaping @Sendable () -> DirectCollection
    ) {
        self.url = url
        self.mode = mode
        self.client = DaemonClient(url: url, timeout: timeout, tls: tls, credentials: credentials)
        self.makeDirect = makeDirect
    }

    /// One fresh snapshot.
    public func fetch() throws(SourceError) -> Sample {
        switch try daemonOrDirect("/json") {
        case .daemon(let r):
            guard r.status == 200 else { throw SourceError.badStatus(url: url.description, status: r.status, body: preview(r.body)) }
            do {
                let snap = try SnapshotDecoder.decode(r.body)
                return Sample(snapshot: snap, source: .daemon(url: url.description), rawJSON: r.body)
            } catch {
                throw SourceError.undecodable(url: url.description, reason: error.reason)
            }
        case .direct(let d, let kind):
            return Sample(snapshot: d.collect(), source: kind)
        }
    }

    /// Which source the first fetch chose (nil before it).
    public var current: SourceKind? {
        switch chosen.withLock({ $0 }) {
        case .daemon?: .daemon(url: url.description)
        case .direct(_, let k)?: k
        case nil: nil
        }
    }

    /// `GET /json?pid=N` from the daemon: (status, body); nil when the source is direct.
    public func daemonPidLookup(_ pid: Int) throws(SourceError) -> DaemonClient.Response? {
        switch try daemonOrDirect("/json?pid=\(pid)") {
        case .daemon(let r): r
        case .direct: nil
        }
    }

    private enum Outcome {
        case daemon(DaemonClient.Response)
        case direct(DirectCollection, SourceKind)
    }

    /// Asks the daemon for `path` unless the source is direct. In auto mode, the first call
    /// decides: only "nothing listens" on a local URL falls back to direct collection; a
    /// daemon that answers badly or slowly is reported, since a direct collection would hit
    /// the same stuck libvirtd.
    private func daemonOrDirect(_ path: String) throws(SourceError) -> Outcome {
        switch chosen.withLock({ $0 }) {
        case .daemon?:
            return .daemon(try daemonGet(path))
        case .direct(let d, let k)?:
            return .direct(d, k)
        case nil:
            break
        }
        switch mode {
        case .direct:
            let d = makeDirect()
            let k = SourceKind.direct(triedURL: nil, reason: nil)
            chosen.withLock { $0 = .direct(d, k) }
            return .direct(d, k)
        case .daemon:
            let r = try daemonGet(path)
            chosen.withLock { $0 = .daemon }
            return .daemon(r)
        case .auto:
            let r: DaemonClient.Response
            do {
                r = try client.get(path)
            } catch {
                guard error.kind == .unreachable, url.isLoopback else { throw SourceError.daemon(error) }
                let d = makeDirect()
                let k = SourceKind.direct(triedURL: url.description, reason: error.detail)
                chosen.withLock { $0 = .direct(d, k) }
                return .direct(d, k)
            }
            try checkAuthorized(r)
            chosen.withLock { $0 = .daemon }
            return .daemon(r)
        }
    }

    private func daemonGet(_ path: String) throws(SourceError) -> DaemonClient.Response {
        let r: DaemonClient.Response
        do {
            r = try client.get(path)
        } catch {
            throw SourceError.daemon(error)
        }
        try checkAuthorized(r)
        return r
    }

    /// 401 on any request is its own error: the credentials, not the daemon, need fixing.
    private func checkAuthorized(_ r: DaemonClient.Response) throws(SourceError) {
        guard r.status == 401 else { return }
        throw SourceError.unauthorized(url: url.description, user: client.credentials?.user)
    }

    private func preview(_ body: [UInt8]) -> String {
        String(decoding: body.prefix(200), as: UTF8.self).trimmingSpaces()
    }
}

/// Why no snapshot could be had.
public enum SourceError: Error, CustomStringConvertible {
    case daemon(DaemonError)
    case badStatus(url: String, status: Int, body: String)
    case undecodable(url: String, reason: String)
    /// HTTP 401: no credentials sent (`user` nil), or the daemon refused them.
    case unauthorized(url: String, user: String?)

    public var description: String {
        switch self {
        case .daemon(let e):
            switch e.kind {
            case .unreachable: "cannot reach \(e) (is hv-exporter running? --source direct collects without it)"
            case .timeout, .badResponse, .tls: "\(e)"
            case .certificate: "\(e) (trust the daemon's CA with --tls.ca-file; --tls.server-name if it is named otherwise)"
            case .tlsConfig: "\(e)"
            }
        case .unauthorized(let url, nil):
            "hv-exporter at \(url) answered HTTP 401 Unauthorized: it requires basic auth; give --user with $HVTOP_PASSWORD or --password-file"
        case .unauthorized(let url, let user?):
            "hv-exporter at \(url) answered HTTP 401 Unauthorized: user '\(user)' or its password was refused"
        case .badStatus(let url, 403, let body) where url.hasPrefix("https://"):
            "hv-exporter at \(url) answered HTTP 403: \(body) (hvtop presents a client certificate with --tls.cert-file and --tls.key-file)"
        case .badStatus(let url, let status, let body): "hv-exporter at \(url) answered HTTP \(status): \(body)"
        case .undecodable(let url, let reason): "hv-exporter at \(url): \(reason)"
        }
    }
}
