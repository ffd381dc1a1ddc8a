import Foundation
import HVLibvirt
import HVModel
import Testing

@testable import HVCollect

/// Bulk statistics of a real guest (Fixtures/domstats, `virsh domstats` of a running
/// 2-vCPU TCG guest) onto a `Guest`: units (ns to s, KiB to bytes), per-vCPU, disk and
/// interface records, and what a malformed or unknown key does (nothing).
struct DomainStatsMappingTests {
    /// `key=value` lines back into typed parameters: numbers as libvirt's unsigned long
    /// longs, `state.*` and `vcpu.N.state` as ints, the rest strings.
    static func load(_ name: String) throws -> TypedParameters {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/domstats/" + name)
        var items: [(key: String, value: TypedValue)] = []
        for raw in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard let eq = line.firstIndex(of: "="), !line.hasPrefix("Domain:") else { continue }
            let key = String(line[..<eq])
            let value = String(line[line.index(after: eq)...])
            if key.hasPrefix("state.") || key.hasSuffix(".state"), let v = Int64(value) {
                items.append((key, .int(v)))
            } else if let v = UInt64(value) {
                items.append((key, .uint(v)))
            } else {
                items.append((key, .string(value)))
            }
        }
        return TypedParameters(items)
    }

    @Test func realGuestRecord() throws {
        var g = Guest(name: "hv-run2", uuid: "u", kind: .vm, driver: "qemu", state: .running)
        DomainStatsMapping.apply(try Self.load("qemu-2vcpu.txt"), to: &g)
        #expect(g.state == .running && g.stateReason == 1)
        #expect(g.cpuTimeSeconds == 177.67809)
        #expect(g.cpuUserSeconds == 165.585178)
        #expect(g.cpuSystemSeconds == 12.092911)
        #expect(g.vcpuCurrent == 2 && g.vcpuMaximum == 2)
        #expect(g.vcpus.map(\.index) == [0, 1])
        #expect(g.vcpus[1].timeSeconds == 77.04)
        #expect(g.vcpus[1].delaySeconds == 24.030879452)
        #expect(g.vcpus[0].state == 1 && g.vcpus[0].waitSeconds == 0)
        #expect(g.balloon?.currentBytes == 131072 * 1024)
        #expect(g.balloon?.minorFaults == 175452)
        #expect(g.balloon?.lastUpdateSeconds == 1_796_409_695)
        #expect(g.balloon?.rssBytes == 238620 * 1024)
        #expect(g.memoryBytes == 131072 * 1024 && g.maxMemoryBytes == 131072 * 1024)
        #expect(g.interfaces.count == 1)
        #expect(g.interfaces[0].target == "vnet9")
        #expect(g.interfaces[0].rxBytes == 54334 && g.interfaces[0].txPackets == 566)
        #expect(g.interfaces[0].rxDrops == 0)
        #expect(g.blockDevices.count == 1)
        let d = g.blockDevices[0]
        #expect(d.target == "vda" && d.source.hasSuffix("/hv-run2.qcow2"))
        #expect(d.readBytes == 994_054_656 && d.readRequests == 950 && d.writeRequests == 948)
        #expect(d.readTimeSeconds == 0.219174426)
        #expect(d.flushRequests == 0)
        #expect(d.allocationBytes == 33_882_112 && d.capacityBytes == 67_108_864 && d.physicalBytes == 33_824_768)
    }

    @Test func oddKeysChangeNothing() {
        var g = Guest(name: "x", uuid: "u", kind: .vm, driver: "qemu", state: .running)
        let before = g
        DomainStatsMapping.apply(
            TypedParameters([
                ("state", .int(3)), ("", .uint(1)), ("vcpu.x.time", .uint(5)), ("block.-1.rd.bytes", .uint(1)),
                ("block.99999999999999999999.rd.bytes", .uint(1)), ("net.0", .uint(1)), ("nosuch.group", .uint(1)),
                ("cpu.time", .string("not a number")), ("vcpu.1000000.time", .uint(1)),
            ]), to: &g)
        #expect(g == before)
        // A disk without a name is dropped; its index alone makes no device.
        DomainStatsMapping.apply(TypedParameters([("block.3.rd.bytes", .uint(7))]), to: &g)
        #expect(g.blockDevices.isEmpty)
        DomainStatsMapping.apply(
            TypedParameters([
                ("block.3.name", .string("vdd")), ("block.3.rd.bytes", .uint(7)),
                ("block.0.name", .string("vda")),
            ]), to: &g)
        #expect(g.blockDevices.map(\.target) == ["vda", "vdd"])
        #expect(g.blockDevices[1].readBytes == 7)
    }

    /// The key-only check of a busy record agrees with the mapped guest's, on the real record
    /// and on the shapes a busy, paused, shut-off, stateless or diskless domain gives.
    @Test func lacksJobFiguresAgreesWithTheMappedGuest() throws {
        let real = try Self.load("qemu-2vcpu.txt")
        func state(_ p: TypedParameters, _ code: Int64) -> TypedParameters {
            TypedParameters(p.items.map { $0.key == "state.state" ? ($0.key, .int(code)) : $0 })
        }
        let busy = TypedParameters(real.items.filter { !$0.key.hasSuffix(".rd.reqs") })
        let diskless = TypedParameters(real.items.filter { !$0.key.hasPrefix("block.") })
        let stateless = TypedParameters(busy.items.filter { !$0.key.hasPrefix("state.") })
        let cases: [(String, TypedParameters, Bool)] = [
            ("complete", real, false), ("busy", busy, true), ("busy paused", state(busy, 3), true),
            ("busy shut off", state(busy, 5), false), ("diskless", diskless, false), ("busy without state", stateless, true),
        ]
        for (name, p, expected) in cases {
            var g = Guest(name: "", uuid: nil, kind: .vm, driver: "qemu", state: .running)
            DomainStatsMapping.apply(p, to: &g)
            #expect(DomainStatsMapping.missingJobStats(g) == expected, "\(name)")
            #expect(LibvirtCollector.lacksJobFigures(p) == expected, "\(name)")
        }
    }
}
