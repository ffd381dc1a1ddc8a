import Foundation
import LabSupport
import Testing

/// The lab's real LXD (scripts/lab/lxd-up.sh, `LAB_WITH_LXD=1 scripts/lab/up.sh`) through the
/// real `hv-exporter`: its pools as `hv_lxd_storage_pool_*`, the same figures as
/// `lxc query`. Skipped (saying so) on a lab brought up without LXD (`LAB_WITH_LXD=0`); failed
/// when the lab has LXD (or under `CI=true`) and it does not answer.
@Suite(.serialized, .lab(.root, .lxdAnswering))
struct LXDPoolLabTests {
    @Test func poolsAsLXDSeesThem() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=test:///default"])
        defer { exporter.stop() }
        let m = try exporter.metrics()
        #expect(m.value("hv_scrape_collector_success", ["collector": "lxd_pools"]) == 1)
        #expect(m.value("hv_lxd_storage_pool_info", ["pool": "default", "driver": "dir"]) == 1)
        #expect(m.value("hv_lxd_storage_pool_status", ["pool": "default", "status": "Created"]) == 1)
        #expect((m.value("hv_lxd_storage_pool_volumes", ["pool": "default", "type": "container"]) ?? 0) >= 2)
        #expect(m.value("hv_lxd_storage_pool_scrape_error", ["pool": "default"]) == 0)

        // The size LXD itself reports for the pool's storage.
        let (rc, out) = try Lab.run(["env", "LXD_DIR=/var/lib/lxd", "lxc", "query", "/1.0/storage-pools/default/resources"])
        try #require(rc == 0, "lxc query: \(out)")
        let doc = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        let total = ((doc?["space"] as? [String: Any])?["total"] as? NSNumber)?.doubleValue
        #expect(total != nil && m.value("hv_lxd_storage_pool_capacity_bytes", ["pool": "default"]) == total)
    }
}
