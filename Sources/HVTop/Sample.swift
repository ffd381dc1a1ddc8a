import HVBuildInfo
import HVExpose
import HVModel

/// One snapshot as hvtop received it, with where it came from.
public struct Sample: Sendable {
    public let snapshot: Snapshot
    /// Where the snapshot came from, for the header line.
    public let source: SourceKind
    /// The `/json` bytes as the daemon sent them (nil for a direct collection; see `json`).
    public let rawJSON: [UInt8]?
    /// Local monotonic clock when the sample arrived, seconds.
    public let receivedAt: Double

    public init(snapshot: Snapshot, source: SourceKind, rawJSON: [UInt8]? = nil, receivedAt: Double = monotonicNow()) {
        self.snapshot = snapshot
        self.source = source
        self.rawJSON = rawJSON
        self.receivedAt = receivedAt
    }

    /// The `/json` document: the daemon's own bytes, or this snapshot encoded by the same
    /// writer the daemon uses.
    public var json: [UInt8] { rawJSON ?? SnapshotJSON.encode(snapshot, version: HVTopVersion.text) }

    /// Seconds between two samples, by the snapshots' own collection times (the daemon's
    /// clock), falling back to local arrival times.
    public func seconds(since previous: Sample) -> Double {
        let dt = snapshot.timestampSeconds - previous.snapshot.timestampSeconds
        if dt > 0 && previous.snapshot.timestampSeconds > 0 { return dt }
        return receivedAt - previous.receivedAt
    }
}

/// Where a sample came from.
public enum SourceKind: Sendable, Equatable, CustomStringConvertible {
    /// GET /json from a running hv-exporter.
    case daemon(url: String)
    /// Collected in this process (no daemon answered at `triedURL`, or `--source direct`).
    case direct(triedURL: String?, reason: String?)

    public var description: String {
        switch self {
        case .daemon(let url): "daemon \(url)"
        case .direct(let url?, _): "direct collection (no daemon at \(url))"
        case .direct(nil, _): "direct collection"
        }
    }

    public var isDaemon: Bool { if case .daemon = self { return true } else { return false } }
}

/// hvtop's version, printed by --version and put in snapshots it encodes itself.
public enum HVTopVersion {
    public static let text = BuildInfo.version
}

public func monotonicNow() -> Double { monotonicSeconds() }
