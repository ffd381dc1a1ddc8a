import HVExpose
import HVHTTP
import HVModel
import HVScrape

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

    public init(coordinator: ScrapeCoordinator, telemetryPath: String = "/metrics", version: String) {
        self.coordinator = coordinator
        self.telemetryPath = telemetryPath
        self.version = version
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        switch request.path {
        case telemetryPath:
            let snap = coordinator.snapshot()
            let body = PrometheusTextWriter.write(SnapshotMetrics.build(snap, version: version))
            return HTTPResponse(status: 200, headers: [HTTPField("Content-Type", PrometheusTextWriter.contentType)], body: body)
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
        let lookup = PIDLookup(pid: pid, snapshot: snap)
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
