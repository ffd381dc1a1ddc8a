import Foundation
import HVLibvirt
import HVModel
import HVSystem
import Testing

@testable import HVCollect

/// A paused domain's interface figures made from the host's /proc/net/dev as libvirt makes
/// them for a tap (swapped: the tap's transmit is the guest's receive). Compared with libvirt
/// itself on the lab (LibvirtLabTests.pausedGuestKeepsItsFiguresBetweenFullRefreshes).
struct TapCountersTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("HVSystemTests/Fixtures/netdev")

    func iface(_ type: String, _ target: String) -> DomainDescription.Interface {
        var i = DomainDescription.Interface()
        i.type = type
        i.target = target
        return i
    }

    func counters(_ bytes: [UInt8]) throws -> [String: NetDevCounters] {
        Dictionary(uniqueKeysWithValues: try NetDev.parse(bytes).map { ($0.interface, $0) })
    }

    /// The lab host's /proc/net/dev (fixture): vnet1 received 5906 bytes in 67 packets from
    /// its guest and sent it 10196 in 124.
    @Test func hostFileIsSwappedLikeLibvirt() throws {
        let host = try counters(Array(Data(contentsOf: Self.fixtures.appendingPathComponent("host.netdev"))))
        var d = DomainDescription()
        d.interfaces = [iface("bridge", "vnet1"), iface("network", "vnet9")]
        let p = TypedParameters(TapCounters.parameters(d, counters: host))
        #expect(p["net.count"]?.uint64 == 2)
        #expect(p["net.0.name"]?.string == "vnet1")
        #expect(p["net.0.rx.bytes"]?.uint64 == 10196)
        #expect(p["net.0.rx.pkts"]?.uint64 == 124)
        #expect(p["net.0.tx.bytes"]?.uint64 == 5906)
        #expect(p["net.0.tx.pkts"]?.uint64 == 67)
        #expect(p["net.0.rx.errs"]?.uint64 == 0 && p["net.0.tx.drop"]?.uint64 == 0)
        // A device the host does not list: its name only, as libvirt gives when its read fails.
        #expect(p["net.1.name"]?.string == "vnet9")
        #expect(p["net.1.rx.bytes"] == nil)
        // And the mapping reads them as libvirt's.
        var g = Guest(name: "g", uuid: "u", kind: .vm, driver: "qemu", state: .paused)
        DomainStatsMapping.apply(p, to: &g)
        #expect(g.interfaces.first?.rxBytes == 10196 && g.interfaces.first?.txPackets == 67)
    }

    /// Every column in its place. A constructed line (the lab's taps count no errors or drops):
    /// the kernel's 16 columns, each value distinct.
    @Test func errorsAndDropsSwapToo() throws {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
             vnet7:  1001 1002 1003 1004 1005 1006 1007 1008 2001 2002 2003 2004 2005 2006 2007 2008

            """
        var d = DomainDescription()
        d.interfaces = [iface("bridge", "vnet7")]
        let p = TypedParameters(TapCounters.parameters(d, counters: try counters(Array(text.utf8))))
        let want: [String: UInt64] = [
            "rx.bytes": 2001, "rx.pkts": 2002, "rx.errs": 2003, "rx.drop": 2004,
            "tx.bytes": 1001, "tx.pkts": 1002, "tx.errs": 1003, "tx.drop": 1004,
        ]
        for (k, v) in want { #expect(p["net.0.\(k)"]?.uint64 == v, "net.0.\(k)") }
    }

    @Test func onlyLocalQEMUAndTapDevices() throws {
        #expect(TapCounters.isLocal("qemu:///system"))
        #expect(TapCounters.isLocal("qemu+unix:///system?socket=/run/libvirt/libvirt-sock"))
        #expect(!TapCounters.isLocal("qemu+ssh://host/system"))
        #expect(!TapCounters.isLocal("qemu+tcp://10.0.0.1/system"))
        #expect(!TapCounters.isLocal("test:///default"))
        #expect(!TapCounters.isLocal("lxc:///system"))

        let sys = NSTemporaryDirectory() + "hv-tap-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: sys) }
        try FileManager.default.createDirectory(atPath: sys + "/vnet0", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: sys + "/vnet0/tun_flags", contents: Data("0x1002\n".utf8))
        try FileManager.default.createDirectory(atPath: sys + "/macvtap0", withIntermediateDirectories: true)
        var d = DomainDescription()
        d.interfaces = [iface("bridge", "vnet0")]
        #expect(TapCounters.servable(d, sysClassNet: sys))
        d.interfaces = [iface("network", "vnet0"), iface("network", "macvtap0")]
        #expect(!TapCounters.servable(d, sysClassNet: sys), "a network of macvtap type: not a tap")
        d.interfaces = [iface("direct", "vnet0")]
        #expect(!TapCounters.servable(d, sysClassNet: sys))
        d.interfaces = [iface("bridge", "")]
        #expect(!TapCounters.servable(d, sysClassNet: sys))
        d.interfaces = []
        #expect(TapCounters.servable(d, sysClassNet: sys))
    }
}
