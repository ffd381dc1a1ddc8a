import HVModel
import LabSupport
import Testing

@testable import HVExpose

/// `hv_guest_migration_blocker`, `hv_guest_disk_source_info`, `hv_host_lock_manager_info`.
struct MigrationFamiliesTests {
    static func sample() -> Snapshot {
        var s = Snapshot(timestampSeconds: 1_795_321_800, hostname: "hv1")
        s.collectors = [
            CollectorStatus(name: "libvirt", success: true, durationSeconds: 0.01),
            CollectorStatus(name: "migration", success: true, durationSeconds: 0.001),
        ]
        s.lockManager = "none"
        var pci = Guest(name: "gpu\"1", uuid: "u-1", kind: .vm, driver: "qemu", state: .running)
        pci.listedByLibvirt = true
        pci.migrationBlockers = [
            MigrationBlocker(.hostdevPCI, "0000:06:12.5"), MigrationBlocker(.hostdevPCI, "0000:06:12.6"),
            MigrationBlocker(.localDisk, "vda /var/lib/libvirt/images/gpu.qcow2"),
        ]
        var d = BlockDevice(target: "vda", source: "/var/lib/libvirt/images/gpu.qcow2")
        d.sourceIdentity = "file:2049:131"
        var e = BlockDevice(target: "vdb", source: "rbd:vms/gpu-data")
        e.sourceIdentity = "rbd:vms/gpu-data"
        let cd = BlockDevice(target: "hdc", source: "")
        var iso = BlockDevice(target: "hdd", source: "/isos/debian.iso")
        iso.readOnly = true
        iso.sourceIdentity = "file:2049:7"
        var quorum = BlockDevice(target: "vdc", source: "rbd:vms/quorum")
        quorum.shareable = true
        quorum.sourceIdentity = "rbd:vms/quorum"
        pci.blockDevices = [d, e, cd, iso, quorum]
        var clean = Guest(name: "web", uuid: "u-2", kind: .vm, driver: "qemu", state: .shutoff)
        clean.listedByLibvirt = true
        clean.migrationBlockers = []
        var ghost = Guest(name: "ghost", uuid: "u-3", kind: .vm, driver: "qemu", state: .shutoff)
        ghost.listedByLibvirt = true
        ghost.migrationBlockers = [MigrationBlocker(.unknown, "domain XML could not be read")]
        var ct = Guest(name: "web", uuid: nil, kind: .container, driver: "lxc", state: .running)
        ct.migrationBlockers = [MigrationBlocker(.transient)]   // containers are never written
        s.guests = [pci, clean, ghost, ct]
        return s
    }

    static var text: String { String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(sample())), as: UTF8.self) }

    static func lines(_ family: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(family + "{") || $0 == family || $0.hasPrefix(family + " ") }
    }

    @Test func oneSeriesPerReasonNoneWhenCleanUnknownWhenUnread() {
        #expect(
            Self.lines("hv_guest_migration_blocker") == [
                #"hv_guest_migration_blocker{guest="gpu\"1",driver="qemu",reason="hostdev_pci"} 1"#,
                #"hv_guest_migration_blocker{guest="gpu\"1",driver="qemu",reason="local_disk"} 1"#,
                #"hv_guest_migration_blocker{guest="ghost",driver="qemu",reason="unknown"} 1"#,
            ])
    }

    @Test func diskSourceIdentitiesAndLockManager() {
        #expect(
            Self.lines("hv_guest_disk_source_info") == [
                #"hv_guest_disk_source_info{guest="gpu\"1",driver="qemu",target_device="vda",identity="file:2049:131"} 1"#,
                #"hv_guest_disk_source_info{guest="gpu\"1",driver="qemu",target_device="vdb",identity="rbd:vms/gpu-data"} 1"#,
            ])
        #expect(Self.lines("hv_host_lock_manager_info") == [#"hv_host_lock_manager_info{lock_manager="none"} 1"#])
    }

    @Test func familiesAreDeclaredEvenWithoutSeries() {
        var s = Snapshot()
        s.collectors = [CollectorStatus(name: "migration", success: true, durationSeconds: 0)]
        let t = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
        #expect(t.contains("# TYPE hv_guest_migration_blocker gauge"))
        #expect(t.contains("# TYPE hv_guest_disk_source_info gauge"))
        #expect(!t.contains("hv_host_lock_manager_info"))
    }

    @Test(.promtool) func promtoolFindsNothing() throws {
        let report = try Promtool.checkMetrics(Self.text)
        #expect(report.isClean, "\(report)")
    }
}
