import Foundation
import HVCollect
import HVModel
import HVSystem
import Logging
import Testing

/// A collector whose root path is wrong fails at every collection and says so once; when the
/// path appears (a late mount) it works again and says that once too.
struct PathCheckTests {
    @Test func failsEveryTimeLogsOnChange() throws {
        let dir = NSTemporaryDirectory() + "hv-pathcheck-\(getpid())-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = LogCapture()
        let check = PathCheck(
            collector: "t", logger: log.logger,
            [
                .procfs(dir)
            ])
        for _ in 0..<5 {
            #expect(throws: SystemError.self) { try check.verify() }
        }
        #expect(log.lines.map(\.0) == [.warning])
        // The path appears, but is not a procfs: another problem, another warning.
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect { try check.verify() } throws: { "\($0)".contains("no 'self'") }
        #expect(log.lines.map(\.0) == [.warning, .warning])
        // Fixed: one info line, then silence.
        try FileManager.default.createSymbolicLink(atPath: dir + "/self", withDestinationPath: "1")
        try check.verify()
        try check.verify()
        #expect(log.lines.map(\.0) == [.warning, .warning, .info])
    }

    /// The collectors in scope fail on a root that points nowhere (before: success, no data).
    @Test func collectorsFailOnAMissingRoot() throws {
        let missing = "/nonexistent-\(getpid())"
        var s = Snapshot()
        #expect { try ProcessCollector(procfs: missing).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s) } throws: {
            "\($0)".contains("--path.procfs")
        }
        #expect { try ProcessCollector(cgroupfs: missing).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s) } throws: {
            "\($0)".contains("--path.cgroupfs")
        }
        #expect { try CgroupCollector(cgroupfs: missing).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s) } throws: {
            "\($0)".contains("--path.cgroupfs")
        }
        #expect { try CgroupCollector(procfs: missing).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s) } throws: {
            "\($0)".contains("--path.procfs")
        }
        #expect { try HostCollector(sysfs: missing).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s) } throws: {
            "\($0)".contains("--path.sysfs")
        }
        #expect { try HostCollector(procfs: missing).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s) } throws: {
            "\($0)".contains("--path.procfs")
        }
        #expect { try ExporterProcessCollector(procfs: missing).collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s) } throws: {
            "\($0)".contains("--path.procfs")
        }
        // The live roots still work.
        try HostCollector().collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        try ExporterProcessCollector().collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        #expect(s.host?.cpus != nil && s.exporterProcess != nil)
    }
}
