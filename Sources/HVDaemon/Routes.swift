import HVCollect
import HVExpose
import HVHTTP
import HVModel
import HVScrape
import Synchronization

/// The exporter's HTTP endpoints.
///
/// - `/` landing page linking the others
/// - telemetry path (default `/metrics`): Prometheus text
/// - `/json`: the whole snapshot (docs/json.md); `/json?pid=N`: which guest owns PID/TID N
/// - `/-/healthy`: 200 while the process serves
public struct Routes: Sendable {
    public let telemetryPath: String
    public let version: String
    let coordinator: ScrapeCoordinator
    /// The Prometheus text of the last collection, rendered once however many requests are
    /// served from it (concurrent scrapes sharing a collection, or a snapshot served again
    /// within `--scrape.max-age`).
    private let rendered = RenderedMetrics()

    /// A thread's process (`Tgid` in `<procfs>/<tid>/status`), for `/json?pid=N` on a thread
    /// the last scan did not list.
    let threadGroup: @Sendable (Int) -> Int?

    public init(
        coordinator: ScrapeCoordinator, telemetryPath: String = "/metrics", version: String, procfs: String = "/proc"
    ) {
        self.coordinator = coordinator
        self.telemetryPath = telemetryPath
        self.version = version
        self.threadGroup = { tid in GuestMapper.threadGroup(of: tid, procfs: procfs) }
    }

    /// `hv_scrape_snapshot_age_seconds`, written per request after the cached text.
    static let snapshotAge = MetricDescriptor(
        "hv_scrape_snapshot_age_seconds", .gauge,
        "Seconds between the end of the collection this response comes from and the response: about 0 when the request collected (or joined a collection in flight); up to --scrape.max-age when a recent snapshot is served again."
    )

    /// The telemetry body: the collection's text (rendered once per collection) and its age.
    func metricsBody() -> [UInt8] {
        let served = coordinator.served()
        let text = rendered.text(for: served.generation) {
            PrometheusTextWriter.write(SnapshotMetrics.build(served.snapshot, version: version))
        }
        var age = MetricSet()
        let seconds = ContinuousClock.now - served.finished
        age.add(Self.snapshotAge, [], Double(seconds.components.seconds) + Double(seconds.components.attoseconds) / 1e18)
        return text + PrometheusTextWriter.write(age)
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        switch request.path {
        case telemetryPath:
            return HTTPResponse(
                status: 200, headers: [HTTPField("Content-Type", PrometheusTextWriter.contentType)], body: metricsBody())
        case "/json":
            let snap = coordinator.snapshot()
            if let pidText = request.queryValue("pid") {
                return pidLookup(snap, pidText)
            }
            return json(SnapshotJSON.encode(snap, version: version))
        case "/-/healthy", "/-/ready":
            return .text("OK\n")
        case "/":
            return HTTPResponse(status: 200, text: landingPage, contentType: "text/html; charset=utf-8")
        default:
            return .text("404 not found: try \(telemetryPath), /json or /\n", status: 404)
        }
    }

    private func json(_ body: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [HTTPField("Content-Type", "application/json")], body: body)
    }

    /// `/json?pid=N`: see `PIDLookup` (400 when N is not a positive integer).
    private func pidLookup(_ snap: Snapshot, _ text: String) -> HTTPResponse {
        guard let pid = PIDLookup.pid(query: text) else { return json(PIDLookup.invalidPIDJSON(text), status: 400) }
        let lookup = PIDLookup(pid: pid, snapshot: snap, threadGroup: threadGroup)
        return json(lookup.json, status: lookup.httpStatus)
    }

    var landingPage: String {
        """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>hv-exporter</title></head>
        <body>
        <h1>hv-exporter \(version)</h1>
        <p>Guests, processes, storage and jobs of this KVM/QEMU and LXC host.</p>
        <ul>
        <li><a href="\(telemetryPath)">\(telemetryPath)</a>: Prometheus metrics</li>
        <li><a href="/json">/json</a>: the same snapshot as JSON (schema v\(SnapshotJSON.schemaVersion))</li>
        <li><a href="/json?pid=1">/json?pid=N</a>: which guest owns process or thread N</li>
        <li><a href="/-/healthy">/-/healthy</a>: liveness</li>
        </ul>
        </body></html>

        """
    }
}
