import Foundation
import HVModel
import LabSupport
import Testing

@testable import HVExpose

/// The libvirt part of the exposition on a hand-built snapshot: every guest state, a timed-out
/// domain, a weird name, devices with and without counters.
struct SnapshotExpositionTests {
    static func sample() -> Snapshot {
        var s = Snapshot(timestampSeconds: 1_700_000_000, hostname: "hv1")
        s.libvirt = LibvirtStatus(
            uri: "qemu:///system", up: true, libraryVersion: "9.0.0", daemonVersion: "9.0.0",
            hypervisorType: "QEMU", hypervisorVersion: "7.2.0")
        s.collectors = [CollectorStatus(name: "libvirt", success: true, durationSeconds: 0.01)]
        var a = Guest(name: "we\"ird\\ name ü", uuid: "0000-a", kind: .vm, driver: "qemu", state: .running)
        a.listedByLibvirt = true; a.domainID = 5
        a.persistent = true; a.autostart = false; a.cpuTimeSeconds = 12.5; a.vcpuCurrent = 2
        var v = VCPUStats(index: 0); v.timeSeconds = 1; v.waitSeconds = 0; v.delaySeconds = 0.5; v.state = 1
        a.vcpus = [v]
        var b = BlockDevice(target: "vda", source: "/img/a.qcow2"); b.readBytes = 10; b.bus = "virtio"
        a.blockDevices = [b]
        var n = NetInterface(target: "vnet0"); n.rxBytes = 5; n.type = "bridge"; n.source = "br0"; n.mac = "52:54:00:00:00:01"
        var hostdev = NetInterface(target: ""); hostdev.type = "hostdev"; hostdev.mac = "52:54:00:00:00:02"; hostdev.source = "0000:03:00.1"
        a.interfaces = [n, hostdev]
        var bal = BalloonStats(); bal.availableBytes = 1000; bal.usableBytes = 250
        a.balloon = bal
        var off = Guest(name: "off", uuid: "0000-b", kind: .vm, driver: "qemu", state: .shutoff)
        off.persistent = true; off.listedByLibvirt = true
        var stuck = Guest(name: "stuck", uuid: "0000-c", kind: .vm, driver: "qemu", state: .running)
        stuck.timedOut = true; stuck.listedByLibvirt = true
        s.guests = [a, off, stuck]
        return s
    }

    @Test func libvirtFamiliesForEveryGuest() {
        let set = SnapshotMetrics.build(Self.sample(), version: "1.2.3")
        #expect(set.samples("libvirt_up").first?.value == .int(1))
        #expect(set.samples("hv_guests").map { $0.labels["state"] } == ["running", "shutoff"])
        #expect(set.samples("hv_guests").map(\.value) == [.int(2), .int(1)])
        let timedOut = Dictionary(uniqueKeysWithValues: set.samples("libvirt_domain_timed_out").map { ($0.labels["domain"]!, $0.value) })
        #expect(timedOut == ["we\"ird\\ name ü": .int(0), "off": .int(0), "stuck": .int(1)])
        #expect(set.samples("libvirt_domain_info_vstate").map(\.value) == [.int(1), .int(5), .int(1)])
        #expect(set.samples("hv_guest_memory_used_ratio").first?.value == .double(0.75))
        // The Debian exporter's names: active domains only (the others have no domain ID here).
        #expect(set.samples("libvirt_domains_number").map(\.value) == [.int(1)])
        #expect(set.samples("libvirt_domain_state_code").map { $0.labels["uuid"] } == ["0000-a"])
        // The hostdev interface has no counters but its info series is there (it blocks migration).
        #expect(set.samples("libvirt_domain_interface_stats_info").count == 2)
        #expect(set.samples("libvirt_domain_interface_stats_receive_bytes_total").count == 1)
        #expect(set.samples("hv_exporter_build_info").first?.labels["version"] == "1.2.3")
    }

    @Test func libvirtDownGivesUpZeroAndNoDomainSeries() {
        var s = Snapshot()
        s.libvirt = LibvirtStatus(uri: "qemu:///system", up: false, error: "connection refused")
        let set = SnapshotMetrics.build(s)
        #expect(set.samples("libvirt_up").first?.value == .int(0))
        #expect(set.samples("libvirt_domain_info_vstate").isEmpty)
        #expect(set.samples("libvirt_versions_info").isEmpty)
    }

    /// libvirtd down, the mapper still sees a QEMU process (by its -uuid): the guest is in
    /// hv_guest_info with state nostate, and no libvirt_domain_* series claims a libvirt state.
    @Test func guestLibvirtDidNotListGetsNoDomainSeries() {
        var s = Snapshot()
        s.libvirt = LibvirtStatus(uri: "qemu:///system", up: false, error: "virConnectGetLibVersion did not answer within the deadline")
        var seen = Guest(name: "hv-run1", uuid: "0000-d", kind: .vm, driver: "qemu", state: .nostate)
        var cg = GuestCgroupStats(path: "/machine/qemu-1-hv-run1.libvirt-qemu")
        cg.processes = 1
        seen.cgroup = cg
        s.guests = [seen]
        let set = SnapshotMetrics.build(s)
        #expect(set.samples("hv_guest_info").map { $0.labels["state"] } == ["nostate"])
        #expect(set.samples("libvirt_domain_info_vstate").isEmpty)
        #expect(set.samples("libvirt_domain_timed_out").isEmpty)
        #expect(set.samples("hv_guest_processes").map(\.value) == [.int(1)])
        let json = String(decoding: SnapshotJSON.encode(s), as: UTF8.self)
        #expect(json.contains("\"listed_by_libvirt\":false"))
    }

    @Test(.promtool) func outputPassesPromtool() throws {
        let text = PrometheusTextWriter.write(SnapshotMetrics.build(Self.sample()))
        let report = try Promtool.checkMetrics(text)
        #expect(report.isClean, "\(report)")
    }

    @Test func jsonHasSchemaAndGuests() throws {
        let bytes = SnapshotJSON.encode(Self.sample(), version: "1.2.3")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(obj["schema_version"] as? Int == SnapshotJSON.schemaVersion)
        let guests = try #require(obj["guests"] as? [[String: Any]])
        #expect(guests.map { $0["name"] as? String } == ["we\"ird\\ name ü", "off", "stuck"])
        #expect(guests[2]["timed_out"] as? Bool == true)
        #expect((guests[0]["interfaces"] as? [[String: Any]])?.count == 2)
    }
}
