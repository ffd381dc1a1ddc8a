import Foundation
import HVModel
import Testing

@testable import HVCollect

/// The exporter's own process figures, read from the real /proc.
struct ExporterProcessCollectorTests {
    @Test func collectsItsOwnProcess() throws {
        var s = Snapshot()
        try ExporterProcessCollector().collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        let p = try #require(s.exporterProcess)
        #expect(p.openFDs >= 3)
        #expect(p.threads >= 1)
        #expect(p.residentBytes > 0)
        #expect(p.startTimeSeconds > 1_600_000_000 && p.startTimeSeconds <= Date().timeIntervalSince1970 + 1)
    }

    /// The fd count from the fd directory's size (Linux 6.2+) is the listing's count; a
    /// child's table is steady while it sleeps, unlike this process's.
    @Test func openFileCountMatchesTheListing() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        let dir = "/proc/\(child.processIdentifier)/fd"
        let listed = try FileManager.default.contentsOfDirectory(atPath: dir).count
        var st = stat()
        #expect(stat(dir, &st) == 0)
        if st.st_size > 0 {
            #expect(ExporterProcessCollector.openFileCount(dir) == listed)
        } else {
            // An older kernel: the listing, less the descriptor this process opened to read it
            // (which a child's table does not hold).
            #expect(ExporterProcessCollector.openFileCount(dir) == listed - 1)
        }
    }
}
