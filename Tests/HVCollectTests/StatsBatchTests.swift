import Foundation
import HVLibvirt
import HVModel
import Testing

@testable import HVCollect

/// The domain collector's bulk statistics dealt over parallel calls, on libvirt's test driver
/// (in process, a node file written here with 10 domains; this driver starts them all, and
/// its bulk statistics carry the state only).
struct StatsBatchTests {
    static func nodeFile() throws -> String {
        var xml = "<node>\n"
        for i in 0..<10 {
            xml += """
                <domain type='test'><name>batch-\(i)</name><uuid>00000000-0000-4000-8000-\(String(format: "%012d", i))</uuid>
                <memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os>
                <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/b\(i).img'/><target dev='vda' bus='virtio'/></disk></devices>
                </domain>\n
                """
        }
        xml += "</node>\n"
        let path = NSTemporaryDirectory() + "hv-stats-batch-\(getpid()).xml"
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func runningDomainsAreDealtOverParallelCallsAndAllAnswered() throws {
        let path = try Self.nodeFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let conn = try LibvirtConnection(uri: "test://" + path)
        let domains = try conn.listAllDomains()
        #expect(domains.count == 10)
        #expect(domains.allSatisfy { $0.id != nil })

        let batches = LibvirtCollector.statsBatches(full: Array(domains.dropLast(1)), light: [domains.last!])
        #expect(batches.filter { !$0.light }.count == LibvirtCollector.statsWorkers)
        #expect(batches.filter(\.light).map { $0.domains.map(\.uuid) } == [[domains.last!.uuid]])
        // Every domain in exactly one call; running ones spread evenly.
        let uuids = batches.flatMap { $0.domains.map(\.uuid) }
        #expect(uuids.count == 10 && Set(uuids) == Set(domains.map(\.uuid)))
        let runningPerCall = batches.filter { !$0.light }.map { $0.domains.filter { $0.id != nil }.count }
        #expect(runningPerCall.max()! - runningPerCall.min()! <= 1)
        #expect(LibvirtCollector.statsBatches(full: Array(domains.prefix(2)), light: []).map(\.domains.count) == [1, 1])
        #expect(LibvirtCollector.statsBatches(full: [], light: domains).map(\.light) == [true])
        #expect(LibvirtCollector.statsBatches(full: [], light: []).isEmpty)

        // The collector: every domain served, none timed out, figures of each.
        let c = LibvirtCollector(session: JobsLab.session("test://" + path), logger: JobsLab.logger)
        var s = Snapshot()
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
        #expect(s.guests.count == 10)
        #expect(s.guests.allSatisfy { !$0.timedOut })
        #expect(s.guests.allSatisfy { $0.state == .running && $0.listedByLibvirt && $0.domainID != nil })
        #expect(s.guests.map(\.name) == (0..<10).map { "batch-\($0)" })
    }
}
