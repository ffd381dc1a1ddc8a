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

    /// `{"pid":N,"found":true,"host":false,"guest":{name,uuid,kind},"threads":[...]}`.
    private func pidLookup(_ snap: Snapshot, _ text: String) -> HTTPResponse {
        guard let pid = Int(text), pid > 0 else {
            var w = JSONWriter()
            w.beginObject(); w.field("error", "pid must be a positive integer, got \(text)"); w.endObject()
            return json(w.bytes, status: 400)
        }
        let entries = snap.processes.filter { $0.tid == pid || $0.pid == pid }
        var w = JSONWriter()
        w.beginObject()
        w.field("pid", pid)
        w.field("found", !entries.isEmpty)
        let owner = entries.first(where: { $0.tid == pid }) ?? entries.first
        if let owner {
            w.field("host", owner.guestKey == nil)
            if let key = owner.guestKey, let g = snap.guests.first(where: { $0.key == key }) {
                w.key("guest"); w.beginObject()
                w.field("name", g.name); w.field("uuid", g.uuid); w.field("key", g.key)
                w.field("kind", g.kind.rawValue); w.field("driver", g.driver); w.field("state", g.state.rawValue)
                w.endObject()
            }
            w.key("entries"); w.beginArray()
            for e in entries {
                w.beginObject()
                w.field("pid", e.pid); w.field("tid", e.tid); w.field("comm", e.comm); w.field("role", e.role)
                w.field("vcpu", e.vcpu); w.field("evidence", e.evidence)
                w.endObject()
            }
            w.endArray()
        }
        w.endObject()
        return json(w.bytes, status: entries.isEmpty ? 404 : 200)
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
