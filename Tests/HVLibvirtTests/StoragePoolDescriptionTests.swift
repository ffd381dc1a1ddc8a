import Testing

@testable import HVLibvirt

/// Pool XML: pool-dir-real.xml is `virsh pool-dumpxml` of a dir pool made in the lab
/// (libvirt 9.0); the *-written.xml files follow the examples of libvirt's formatstorage
/// documentation for pool types this machine cannot run (NFS, LVM, Ceph, iSCSI).
struct StoragePoolDescriptionTests {
    @Test func realDirPool() throws {
        let d = try StoragePoolDescription.parse(try fixture("pool-dir-real.xml"))
        #expect(d.type == "dir")
        #expect(d.name == "hvq-tmp")
        #expect(d.uuid == "5fc070de-efc2-49ac-b0d2-dc5529319289")
        #expect(d.targetPath == "/work/main/.lab/jobs/pools/tmp")
        #expect(d.sourceHosts.isEmpty && d.sourceDevices.isEmpty && d.sourceDir.isEmpty && d.sourceName.isEmpty)
    }

    @Test func netfsPool() throws {
        let d = try StoragePoolDescription.parse(try fixture("pool-netfs-written.xml"))
        #expect(d.type == "netfs")
        #expect(d.uuid == "8c4e0a55-1f29-4c0b-9b7e-2e1a7a6b4f10")   // lower-cased
        #expect(d.sourceHosts == ["nfs.example.com"])
        #expect(d.sourceDir == "/export/vm & images")   // entity decoded
        #expect(d.sourceFormat == "nfs")
        #expect(d.targetPath == "/var/lib/libvirt/images/nfs")
    }

    @Test func logicalPool() throws {
        let d = try StoragePoolDescription.parse(try fixture("pool-logical-written.xml"))
        #expect(d.type == "logical")
        #expect(d.sourceDevices == ["/dev/sda2", "/dev/sdb1"])
        #expect(d.sourceName == "vg_guests")
        #expect(d.sourceFormat == "lvm2")
        #expect(d.targetPath == "/dev/vg_guests")
    }

    @Test func rbdPoolHasNoTarget() throws {
        let d = try StoragePoolDescription.parse(try fixture("pool-rbd-written.xml"))
        #expect(d.type == "rbd")
        #expect(d.name == "ceph")   // <pool><name>, not <source><name>
        #expect(d.sourceName == "rbd-vms")
        #expect(d.sourceHosts == ["mon1.example.com:6789", "mon2.example.com:6789"])
        #expect(d.targetPath == "")
    }

    @Test func iscsiPool() throws {
        let d = try StoragePoolDescription.parse(try fixture("pool-iscsi-written.xml"))
        #expect(d.type == "iscsi")
        #expect(d.sourceHosts == ["iscsi.example.com"])
        #expect(d.sourceDevices == ["iqn.2013-06.com.example:iscsi-pool"])
        #expect(d.targetPath == "/dev/disk/by-path")
    }

    @Test(
        "malformed or foreign XML throws, never crashes",
        arguments: [
            "", "<pool type='dir'><name>x</name>", "<domain type='kvm'><name>x</name></domain>",
            "<pool type='dir' <name>", "<pool type=dir></pool>", "<!-- only a comment -->",
        ])
    func malformed(_ xml: String) {
        #expect(throws: (any Error).self) { _ = try StoragePoolDescription.parse(xml) }
    }

    @Test func truncatedRealXMLNeverCrashes() throws {
        // Every prefix of a real document either parses or throws.
        let bytes = Array(try fixture("pool-dir-real.xml").utf8)
        for n in stride(from: 0, to: bytes.count, by: 7) {
            _ = try? StoragePoolDescription.parse(String(decoding: bytes[..<n], as: UTF8.self))
        }
    }
}
