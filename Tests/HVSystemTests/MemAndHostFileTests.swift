import Testing

@testable import HVSystem

@Suite struct MemAndHostFileTests {
    @Test func hostMeminfo() throws {
        let m = try MemInfo.parse(Fixture.bytes("meminfo/host.meminfo"))
        #expect((m.totalBytes ?? 0) > 1 << 30)
        #expect(m.availableBytes != nil)
        #expect(m.hugePagesTotal != nil)
        #expect(m.hugePageSizeBytes == 2048 * 1024)
    }

    @Test func hugepagesMeminfo() throws {
        let m = try MemInfo.parse(Fixture.bytes("meminfo/written-hugepages.meminfo"))
        #expect(m.totalBytes == 263_842_948 * 1024)
        #expect(m.hugePagesTotal == 120)
        #expect(m.hugePagesFree == 24)
        #expect(m.hugePageSizeBytes == 1 << 30)
    }

    @Test func meminfoErrors() {
        #expect(throws: SystemError.self) { try MemInfo.parse(Array("MemTotal: lots\n".utf8)) }
        #expect(throws: SystemError.self) { try MemInfo.parse(Array("MemTotal: 1 MB\n".utf8)) }
        #expect(throws: SystemError.self) { try MemInfo.parse([]) }
    }

    @Test func cpuCount() throws {
        #expect(try CPUStat.parseCPUCount(Fixture.bytes("procstat/host.stat")) == 2)
        #expect(try CPUStat.parseCPUCount(Array("cpu  1 2 3\ncpu0 1 2 3\ncpu1 1\ncpu17 1\nintr 5\n".utf8)) == 3)
        #expect(throws: SystemError.self) { try CPUStat.parseCPUCount(Array("intr 5\n".utf8)) }
    }

    @Test func containerNetDev() throws {
        let n = try NetDev.parse(Fixture.bytes("netdev/lxc-container.netdev"))
        #expect(n.map(\.interface).sorted() == ["eth0", "lo"])
        let eth0 = try #require(n.first { $0.interface == "eth0" })
        #expect(eth0.receiveBytes > 0 && eth0.receivePackets > 0)
        #expect(eth0.transmitBytes > 0 && eth0.transmitPackets > 0)
    }

    @Test func netDevColonTouchingCounter() throws {
        let text = "Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n  eth0:123456789012 7 0 0 0 0 0 0 55 3 0 0 0 0 0 0\n"
        let n = try NetDev.parse(Array(text.utf8))
        #expect(
            n == [
                NetDevCounters(
                    interface: "eth0", receiveBytes: 123_456_789_012, receivePackets: 7,
                    transmitBytes: 55, transmitPackets: 3, receiveErrors: 0, receiveDrops: 0,
                    transmitErrors: 0, transmitDrops: 0)
            ])
        #expect(throws: SystemError.self) { try NetDev.parse(Array("a\nb\n eth0: 1 2\n".utf8)) }
    }

    @Test(arguments: ["ns/container-pid.link", "ns/host-pid.link", "ns/container-net.link"])
    func namespaceLinks(_ f: String) throws {
        var b = Fixture.bytes(f)
        if b.last == 0x0A { b.removeLast() }   // readlink(1) added a newline
        #expect(try NamespaceInode.parse(b) > 4_026_531_000)
    }

    @Test func containerPidNamespaceDiffersFromHost() throws {
        let c = try NamespaceInode.parse(Fixture.bytes("ns/container-pid.link"))
        let h = try NamespaceInode.parse(Fixture.bytes("ns/host-pid.link"))
        #expect(c != h)
        #expect(throws: SystemError.self) { try NamespaceInode.parse(Array("pid:[]".utf8)) }
    }

    @Test func pidfile() throws {
        #expect(try PidFile.parse(Fixture.bytes("pidfile/hv-run2.pid")) > 1)
        #expect(try PidFile.parse(Array("123\n".utf8)) == 123)
        #expect(throws: SystemError.self) { try PidFile.parse(Array("0\n".utf8)) }
        #expect(throws: SystemError.self) { try PidFile.parse(Array("12a\n".utf8)) }
        #expect(throws: SystemError.self) { try PidFile.parse([]) }
    }

    @Test func ksmFiles() throws {
        let sys = SysFS(root: Fixture.path("sysfs-ksm"))
        let k = sys.ksm()
        #expect(k.pagesShared != nil && k.pagesSharing != nil && k.fullScans != nil)
        let missing = SysFS(root: "/nonexistent").ksm()
        #expect(missing == KSMStats())
    }
}
