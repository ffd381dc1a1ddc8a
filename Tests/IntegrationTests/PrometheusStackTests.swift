import Foundation
import LabSupport
import Testing

/// The alert rules and dashboards against a real Prometheus scraping a real hv-exporter on
/// the lab (scripts/prometheus-check.sh): `promtool check rules` and `test rules`, every
/// dashboard query parses and returns data, every rule evaluates healthily; RAID panels from a
/// second exporter on an md fixture tree, migration and pool panels while a live migration and
/// a pool creation are made to happen.
@Suite(.serialized, .lab(.libvirtdRunning))
struct PrometheusStackTests {
    @Test func alertsAndDashboardsAgainstRealPrometheus() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)"])
        defer { exporter.stop() }
        let script = Lab.root.appendingPathComponent("scripts/prometheus-check.sh").path
        let fixture = Lab.root.appendingPathComponent("Tests/HVSystemTests/Fixtures/md/recovering").path
        let (rc, out) = try Lab.run([
            "bash", script, "127.0.0.1:\(exporter.port)", "--scrape-interval", "5s",
            "--md-fixture", fixture, "--exporter-bin", ExporterProcess.binary.path,
            "--migrate", "--pool",
        ])
        #expect(rc == 0, "prometheus-check.sh failed:\n\(out.suffix(6000))")
        #expect(out.contains("promtool test rules") || out.contains("SUCCESS"), "no rule test output:\n\(out.suffix(3000))")
    }
}
