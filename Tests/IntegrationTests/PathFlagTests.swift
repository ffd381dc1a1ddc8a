import Foundation
import Testing

/// `--path.procfs`, `--path.sysfs` and `--path.cgroupfs` pointing nowhere, on the real binary:
/// the collectors reading that path report `hv_scrape_collector_success 0` with an error naming
/// the flag, the others keep serving, and the log says it once, not once per scrape. Uses
/// libvirt's in-process test driver, so it needs no lab.
@Suite(.serialized)
struct PathFlagTests {
    static let collectors = [
        "btrfs", "cgroup", "drbd", "exporter", "host", "jobs", "libvirt", "lxd_pools", "mdraid", "migration", "multipath",
        "pools", "processes", "raid_controller", "smart", "storage", "zfs",
    ]

    @Test(arguments: [
        ("--path.sysfs", ["btrfs", "host", "mdraid", "multipath", "smart", "storage"]),
        ("--path.procfs", ["cgroup", "drbd", "exporter", "host", "mdraid", "migration", "processes", "storage", "zfs"]),
        ("--path.cgroupfs", ["cgroup", "processes"]),
    ])
    func aPathThatPointsNowhereFailsItsCollectors(_ flag: String, _ failing: [String]) throws {
        let missing = "/nonexistent-\(getpid())-\(flag.dropFirst(7))"
        let e = try ExporterProcess(["--libvirt.uri=test:///default", "\(flag)=\(missing)"])
        defer { e.stop() }
        var m = try e.metrics()
        for _ in 0..<2 { m = try e.metrics() }
        var success: [String: Double] = [:]
        for s in m.samples where s.name == "hv_scrape_collector_success" { success[s.labels["collector"] ?? ""] = s.value }
        #expect(success.keys.sorted() == Self.collectors)
        for c in Self.collectors {
            #expect(success[c] == (failing.contains(c) ? 0 : 1), "\(c) with \(flag)=\(missing): \(success[c] ?? -1)")
        }
        // The libvirt figures still flow.
        #expect(m.value("libvirt_up") == 1)
        #expect(!m.values("hv_guest_info").isEmpty)
        // /json says why, naming the flag.
        let json = try e.get("/json").body
        #expect(json.contains(missing) && json.contains("check \(flag)"))
        // One warning for the bad path (at start), none per scrape or per collector.
        let warnings = e.log.split(separator: "\n").filter { $0.contains("level=warn") && $0.contains("path unusable") }
        #expect(warnings.count == 1, "log:\n\(e.log)")
        #expect(warnings.first?.contains(missing) == true)
    }

    @Test func theDefaultPathsWarnNothingAndEveryCollectorSucceeds() throws {
        let e = try ExporterProcess(["--libvirt.uri=test:///default"])
        defer { e.stop() }
        let m = try e.metrics()
        let failed = m.samples.filter { $0.name == "hv_scrape_collector_success" && $0.value != 1 }.map { $0.labels["collector"] ?? "" }
        #expect(failed.isEmpty, "failed: \(failed)")
        #expect(!e.log.contains("path unusable"), "log:\n\(e.log)")
    }
}
