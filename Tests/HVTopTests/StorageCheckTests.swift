import HVModel
import Testing

@testable import HVTop

/// `hvtop check raid` naming the guests on an array, `hvtop check storage`, and the storage
/// section of `hvtop guest`.
struct StorageCheckTests {
    /// Guests a, b, c have a disk on md1 (through LVM for c), d is on md0; md1 is degraded.
    static func snapshot(md1Degraded: Int = 1) -> Snapshot {
        var s = Snapshot(timestampSeconds: 1, hostname: "hv1")
        s.collectors = [
            CollectorStatus(name: "mdraid", success: true, durationSeconds: 0.01),
            CollectorStatus(name: "storage", success: true, durationSeconds: 0.01),
        ]
        s.mdArrays = [
            Fixtures.md("md0", members: [("sda1", ["in_sync"], 0), ("sdb1", ["in_sync"], 1)]),
            Fixtures.md(
                "md1", degraded: md1Degraded,
                members: [("sdc1", ["in_sync"], 0), ("sdd1", [md1Degraded > 0 ? "faulty" : "in_sync"], md1Degraded > 0 ? nil : 1)]),
        ]
        func stack(_ guest: String, _ layers: [(StorageLayer.Kind, String, Int)]) -> GuestDiskStack {
            GuestDiskStack(
                guestKey: "k-\(guest)", guest: guest, driver: "qemu", targetDevice: "vda", source: "/var/lib/libvirt/images/\(guest).qcow2",
                layers: layers.map { StorageLayer(kind: $0.0, device: $0.1, detail: $0.0 == .file ? "/img" : $0.1, depth: $0.2) })
        }
        s.guestDiskStacks = [
            stack("a", [(.file, "", 0), (.filesystem, "", 1), (.md, "md1", 2), (.partition, "sdc1", 3), (.disk, "sdc", 4)]),
            stack("b", [(.file, "", 0), (.filesystem, "", 1), (.md, "md1", 2)]),
            stack("c", [(.lvm, "dm-0", 0), (.md, "md1", 1)]),
            stack("d", [(.file, "", 0), (.filesystem, "", 1), (.md, "md0", 2)]),
        ]
        s.rollUpStorageHealth()
        return s
    }

    @Test func raidNamesTheGuestsOnADegradedArray() {
        let r = HostCheck(.raid, options: HostCheck.Options()).raid(Self.snapshot())
        #expect(r.status == .critical)
        #expect(r.summary.contains("md1") && r.summary.hasSuffix("-> guests a, b, c"), "\(r.summary)")
        #expect(!r.summary.contains("md0"))
        let ok = HostCheck(.raid, options: HostCheck.Options()).raid(Self.snapshot(md1Degraded: 0))
        #expect(ok.status == .ok && !ok.summary.contains("guests"))
    }

    @Test func storageCheckListsEveryDiskOnUnhealthyStorage() {
        let s = Self.snapshot()
        let r = HostCheck(.storage, options: HostCheck.Options()).storage(s)
        #expect(r.status == .warning)
        #expect(
            r.summary
                == "a vda on degraded md1: 1 of 2 members missing; b vda on degraded md1: 1 of 2 members missing; c vda on degraded md1: 1 of 2 members missing"
        )
        #expect(r.perfdata.contains { $0.label == "unhealthy" && $0.value == 3 })
        #expect(r.perfdata.contains { $0.label == "guests_affected" && $0.value == 3 })
        #expect(r.output.hasPrefix("HV STORAGE WARNING - a vda on degraded md1"))

        var failed = s
        failed.mdArrays[1].arrayState = "inactive"
        failed.rollUpStorageHealth()
        let f = HostCheck(.storage, options: HostCheck.Options()).storage(failed)
        #expect(f.status == .critical && f.summary.contains("on failed md1: array inactive"))

        let healthy = HostCheck(.storage, options: HostCheck.Options()).storage(Self.snapshot(md1Degraded: 0))
        #expect(healthy.status == .ok && healthy.summary == "4 guest disks on healthy storage")

        var none = Snapshot()
        none.collectors = [CollectorStatus(name: "mdraid", success: true, durationSeconds: 0)]
        #expect(HostCheck(.storage, options: HostCheck.Options()).storage(none).status == .unknown)
    }

    @Test func guestReportShowsEachDiskStack() {
        let s = Self.snapshot()
        var g = Guest(name: "a", uuid: nil, kind: .vm, driver: "qemu", state: .running)
        g.blockDevices = [BlockDevice(target: "vda", source: "/var/lib/libvirt/images/a.qcow2")]
        var snap = s
        snap.guestDiskStacks = s.guestDiskStacks.map {
            var d = $0; if d.guest == "a" { d.guestKey = g.key }; return d
        }
        let text = GuestReport(guest: g, snapshot: snap).text
        #expect(text.contains("Storage\n  vda  /var/lib/libvirt/images/a.qcow2  [degraded: md1: 1 of 2 members missing (mdraid)]\n"))
        #expect(text.contains("\n        md md1  DEGRADED 1 of 2 members missing\n"), "\(text)")
        #expect(text.contains("\n          partition sdc1\n            disk sdc\n"))
    }
}
