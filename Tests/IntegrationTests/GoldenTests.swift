import Foundation
import LabSupport
import Testing

/// End to end, in node_exporter's manner: the real `hv-exporter` binary on fixture trees
/// (Golden/host: /proc, /sys, cgroups and libvirt's run directory assembled from real-host
/// fixtures, see Golden/README.md) and libvirt's test driver in-process
/// (`test:///<abs>/Golden/node.xml`, no daemon), its `/metrics` and `/json` compared with the
/// checked-in Golden/metrics.prom and Golden/snapshot.json, and `/metrics` through promtool.
///
/// Regenerate after an intended change, then review the diff:
/// `HV_UPDATE_GOLDEN=1 swift test --skip-build --filter GoldenTests`
@Suite(.serialized) struct GoldenTests {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path
    static let update = ProcessInfo.processInfo.environment["HV_UPDATE_GOLDEN"] == "1"

    /// The exporter on the fixtures. The `exporter` collector is off: it reads the exporter's
    /// own `/proc/<pid>` under `--path.procfs`, which a fixture tree cannot hold; so is
    /// `raid_controller`: it runs the RAID tools installed on the machine, not the fixtures'
    /// (RAIDControllerCollectorTests cover it with fake tools); so is `smart` (its
    /// fake-smartctl tests are in HVCollectTests).
    static func start() throws -> ExporterProcess {
        try ExporterProcess([
            "--libvirt.uri=test://\(dir)/node.xml",
            "--path.procfs=\(dir)/host/proc", "--path.sysfs=\(dir)/host/sys",
            "--path.cgroupfs=\(dir)/host/cgroup", "--path.rundir=\(dir)/host/run",
            "--no-collector.exporter", "--no-collector.raid_controller",
            "--path.libvirt-qemu-conf=\(dir)/host/etc/libvirt/qemu.conf",
            // smart runs the real smartctl on the disks the fixture sysfs names: not reproducible.
            "--no-collector.smart",
            // LXD's API is the machine's, not a fixture's.
            "--no-collector.lxd_pools",
            // storage resolves guest disk paths with this machine's stat(2), mount table and
            // udev (the fixture sysfs has no dev/block); StorageStackCollectorTests cover it on
            // the storage fixture trees.
            "--no-collector.storage",
        ])
    }

    /// Compares `got` with the golden file `name` (or writes it under HV_UPDATE_GOLDEN=1).
    static func compare(_ got: String, _ name: String) throws {
        let path = dir + "/" + name
        if update { try got.write(toFile: path, atomically: true, encoding: .utf8) }
        let want = try String(contentsOfFile: path, encoding: .utf8)
        guard got != want else { return }
        let g = got.split(separator: "\n", omittingEmptySubsequences: false)
        let w = want.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDiff = (0..<min(g.count, w.count)).first { g[$0] != w[$0] } ?? min(g.count, w.count)
        Issue.record(
            """
            \(name) differs from the exporter's output from line \(firstDiff + 1) \
            (got \(g.count) lines, golden \(w.count)):
            golden: \(firstDiff < w.count ? String(w[firstDiff]) : "<end>")
            got:    \(firstDiff < g.count ? String(g[firstDiff]) : "<end>")
            If the change is intended: HV_UPDATE_GOLDEN=1 swift test --skip-build --filter GoldenTests, then review the diff.
            """)
    }

    @Test func metricsEqualTheGoldenFileAndPassPromtool() throws {
        let exporter = try Self.start()
        defer { exporter.stop() }
        let r = try exporter.get("/metrics")
        try #require(r.status == 200, "status \(r.status): \(r.body)")
        try Self.compare(GoldenNormalisation.metrics(r.body, goldenDir: Self.dir), "metrics.prom")
        // What the exporter served, before normalisation.
        if Promtool.isRunnable {
            let lint = try Promtool.checkMetrics(r.body)
            #expect(lint.isClean, "\(lint)")
        } else {
            withKnownIssue(Comment(rawValue: "promtool check skipped: \(Promtool.missingReason.rawValue)")) {
                Issue.record("promtool missing")
            }
        }
    }

    @Test func jsonEqualsTheGoldenFile() throws {
        let exporter = try Self.start()
        defer { exporter.stop() }
        let r = try exporter.get("/json")
        try #require(r.status == 200, "status \(r.status): \(r.body)")
        try Self.compare(GoldenNormalisation.json(r.body, goldenDir: Self.dir), "snapshot.json")
    }
}

/// What legitimately varies between runs and machines, replaced by fixed text. Every rule is
/// here and nowhere else.
enum GoldenNormalisation {
    /// `/metrics`:
    /// - `process_*` families are dropped (the exporter's own process; its collector is off).
    /// - `hv_scrape_collector_duration_seconds` and `hv_scrape_snapshot_age_seconds` values
    ///   become 0 (timing).
    /// - `hv_exporter_build_info{version}` and the versions of `libvirt_versions_info` become
    ///   "normalised" (they follow the build and the installed libvirt).
    /// - the udev labels of `hv_md_member_info` (model, serial, wwn, by_id) become "": udev is
    ///   this machine's database, which cannot be pointed at the fixture tree.
    /// - the golden directory's absolute path becomes `<golden>`.
    static func metrics(_ text: String, goldenDir: String) -> String {
        var out: [String] = []
        for line in text.replacingOccurrences(of: goldenDir, with: "<golden>").split(separator: "\n", omittingEmptySubsequences: false) {
            let s = String(line)
            if s.hasPrefix("process_") || s.hasPrefix("# HELP process_") || s.hasPrefix("# TYPE process_") { continue }
            if s.hasPrefix("hv_scrape_snapshot_age_seconds "), let sp = s.lastIndex(of: " ") {
                out.append(String(s[..<sp]) + " 0")
                continue
            }
            if s.hasPrefix("hv_scrape_collector_duration_seconds{"), let sp = s.lastIndex(of: " ") {
                out.append(s[..<sp] + " 0")
            } else if s.hasPrefix("hv_exporter_build_info{") || s.hasPrefix("libvirt_versions_info{") {
                out.append(
                    replacingLabels(s, ["version", "hypervisor_running", "libvirtd_running", "libvirt_library"], with: "normalised"))
            } else if s.hasPrefix("hv_md_member_info{") {
                out.append(replacingLabels(s, ["model", "serial", "wwn", "by_id"], with: ""))
            } else {
                out.append(s)
            }
        }
        return out.joined(separator: "\n")
    }

    /// `/json`, then pretty-printed (values kept byte for byte) so that diffs are readable:
    /// - `timestamp_seconds` and every `duration_seconds` become 0;
    /// - `hostname`, `exporter_version` and libvirt's `library_version`, `daemon_version`,
    ///   `hypervisor_version` become "normalised";
    /// - the golden directory's absolute path becomes `<golden>`.
    static func json(_ text: String, goldenDir: String) -> String {
        var s = text.replacingOccurrences(of: goldenDir, with: "<golden>")
        for key in ["timestamp_seconds", "duration_seconds"] {
            s = s.replacingOccurrences(of: "\"\(key)\":[-0-9.eE+]+", with: "\"\(key)\":0", options: .regularExpression)
        }
        for key in ["hostname", "exporter_version", "library_version", "daemon_version", "hypervisor_version"] {
            s = s.replacingOccurrences(
                of: "\"\(key)\":\"([^\"\\\\]|\\\\.)*\"", with: "\"\(key)\":\"normalised\"", options: .regularExpression)
        }
        return pretty(s) + "\n"
    }

    /// `name="value"` label pairs of one sample line with their value replaced.
    static func replacingLabels(_ line: String, _ names: [String], with value: String) -> String {
        var s = line
        for n in names {
            s = s.replacingOccurrences(of: "([{,]\(n)=)\"([^\"\\\\]|\\\\.)*\"", with: "$1\"\(value)\"", options: .regularExpression)
        }
        return s
    }

    /// Compact JSON indented by two spaces per level, one member or element per line; strings
    /// and numbers are copied unchanged.
    static func pretty(_ json: String) -> String {
        var out = ""
        var depth = 0
        var inString = false
        var escaped = false
        func newline() { out.append("\n"); out.append(String(repeating: "  ", count: depth)) }
        let chars = Array(json)
        for (i, c) in chars.enumerated() {
            if inString {
                out.append(c)
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                continue
            }
            switch c {
            case "\"": inString = true; out.append(c)
            case "{", "[":
                out.append(c)
                let next = i + 1 < chars.count ? chars[i + 1] : " "
                if next == "}" || next == "]" { continue }
                depth += 1; newline()
            case "}", "]":
                let prev = i > 0 ? chars[i - 1] : " "
                if prev != "{" && prev != "[" { depth -= 1; newline() }
                out.append(c)
            case ",": out.append(c); newline()
            case ":": out.append(": ")
            default: out.append(c)
            }
        }
        return out
    }
}
