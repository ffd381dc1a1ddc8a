import Foundation
import HVLibvirt
import HVModel
import HVSystem
import Testing

@testable import HVCollect

/// Migration blockers and disk source identities from domain descriptions, the host's mount
/// table and its pools.
struct MigrationAssessmentTests {
    /// The mounts a host with NFS, CIFS, cluster and local storage shows (mountinfo lines in
    /// the kernel's format; the CIFS line is prometheus/procfs's test line).
    static let mounts = try! MountTable.parseNonEmpty(
        Array(
            """
            21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
            40 21 0:42 / /var/lib/libvirt/images/nfs rw,relatime shared:2 - nfs4 10.0.0.5:/vms rw,vers=4.1
            41 21 0:43 /sub /srv/sub rw,relatime shared:3 - nfs 10.0.0.6:/export rw
            454 29 0:87 / /with/a-hyphen rw,relatime shared:255 - cifs //remote-storage/Path rw,vers=3.1.1
            42 21 253:4 / /cluster rw,relatime shared:4 - ocfs2 /dev/mapper/shared-lun rw

            """.utf8))

    static var pools: [StoragePool] {
        var dir = StoragePool(name: "default", state: 2)
        dir.type = "dir"
        dir.targetPath = "/var/lib/libvirt/images"
        var netfs = StoragePool(name: "nfspool", state: 2)
        netfs.type = "netfs"
        netfs.targetPath = "/mnt/nfspool"
        netfs.source = "10.0.0.9:/pool"
        var rbd = StoragePool(name: "ceph", state: 2)
        rbd.type = "rbd"
        rbd.source = "vms"
        var iscsi = StoragePool(name: "san", state: 2)
        iscsi.type = "iscsi"
        iscsi.targetPath = "/dev/disk/by-path"
        return [dir, netfs, rbd, iscsi]
    }

    @Test func xmlBlockersOfEveryKind() throws {
        var d = DomainDescription()
        var pci = DomainDescription.HostDevice()
        pci.type = "pci"
        pci.address = "0000:06:12.5"
        var usb = DomainDescription.HostDevice()
        usb.type = "usb"
        usb.address = "bus 14 device 6"
        var mdev = DomainDescription.HostDevice()
        mdev.type = "mdev"
        mdev.address = "u"
        var scsi = DomainDescription.HostDevice()
        scsi.type = "scsi"
        d.hostDevices = [pci, usb, mdev, scsi]
        var vf = DomainDescription.Interface()
        vf.type = "hostdev"
        vf.source = "0000:03:10.1"
        var vu = DomainDescription.Interface()
        vu.type = "vhostuser"
        vu.source = "/tmp/s"
        var br = DomainDescription.Interface()
        br.type = "bridge"
        d.interfaces = [vf, vu, br]
        d.sharedMemory = ["shm0"]
        d.virtioFilesystems = ["fs0"]
        d.cpuMode = "host-passthrough"
        let b = MigrationAssessment.blockers(d, persistent: false)
        #expect(
            Set(b.map(\.reason)) == [
                .hostdevPCI, .hostdevUSB, .mdev, .hostdevOther, .sriovInterface, .vhostUser, .sharedMemory,
                .hostPassthroughCPU, .transient,
            ])
        #expect(b.contains(MigrationBlocker(.hostdevPCI, "0000:06:12.5")))
        #expect(b.contains(MigrationBlocker(.vhostUser, "virtiofs fs0")))
        #expect(b == b.sorted(by: MigrationAssessment.order))
    }

    @Test func cleanPersistentGuestHasNoBlockers() throws {
        let d = try DomainDescription.parse(
            "<domain type='qemu'><cpu mode='custom'><model>qemu64</model></cpu><devices><interface type='bridge'><source bridge='br0'/></interface></devices></domain>"
        )
        #expect(MigrationAssessment.blockers(d, persistent: true).isEmpty)
        // persistent unknown: not called transient.
        #expect(MigrationAssessment.blockers(d, persistent: nil).isEmpty)
    }

    @Test func unreadableXMLIsUnknownNotClean() {
        #expect(MigrationAssessment.blockers(nil, persistent: true).map(\.reason) == [.unknown])
        #expect(MigrationAssessment.blockers(nil, persistent: false).map(\.reason) == [.transient, .unknown])
    }

    @Test(
        arguments: [
            ("file", "/var/lib/libvirt/images/nfs/a.qcow2", true),
            ("file", "/var/lib/libvirt/images/local.qcow2", false),
            ("file", "/with/a-hyphen/vm.img", true),
            ("file", "/cluster/vm.img", true),
            ("file", "/mnt/nfspool/vm.img", true),
            ("network", "rbd:vms/db1-disk0", true),
            ("volume", "ceph/vm-disk", true),
            ("volume", "default/a.qcow2", false),
            ("volume", "nfspool/b.qcow2", true),
            ("volume", "gone/b.qcow2", false),
            ("block", "/dev/sdb", false),
            ("block", "/dev/rbd0", true),
            ("block", "/dev/disk/by-path/ip-10.0.0.7:3260-iscsi-iqn.2013-06.com.example:t1-lun-1", true),
        ] as [(String, String, Bool)])
    func locality(type: String, source: String, shared: Bool) {
        let l = MigrationAssessment.locality(diskType: type, source: source, pools: Self.pools, mounts: Self.mounts)
        #expect(l.shared == shared, "\(source): \(l.why)")
    }

    @Test func qemuConfSharedFilesystemsAreShared() {
        let l = MigrationAssessment.locality(
            diskType: "file", source: "/var/lib/libvirt/images/exported/a.qcow2", pools: Self.pools, mounts: Self.mounts,
            sharedPaths: ["/var/lib/libvirt/images/exported/"])
        #expect(l.shared)
        #expect(l.why.contains("shared_filesystems"))
        let other = MigrationAssessment.locality(
            diskType: "file", source: "/var/lib/libvirt/images/exportedX/a.qcow2", pools: Self.pools, mounts: Self.mounts,
            sharedPaths: ["/var/lib/libvirt/images/exported"])
        #expect(!other.shared)
    }

    @Test func identitiesAreHostIndependentForSharedStorage() {
        func id(_ type: String?, _ source: String, stat: MigrationAssessment.FileStat? = nil, wwn: String? = nil) -> String? {
            let l = MigrationAssessment.locality(diskType: type, source: source, pools: Self.pools, mounts: Self.mounts)
            return MigrationAssessment.identity(
                diskType: type, source: source, locality: l,
                stat: { _ in stat }, wwn: { _, _ in wwn })
        }
        #expect(id("file", "/var/lib/libvirt/images/nfs/a.qcow2") == "nfs:10.0.0.5:/vms/a.qcow2")
        // A bind mount of a subdirectory: the root within the export is part of the path.
        #expect(id("file", "/srv/sub/b.img") == "nfs:10.0.0.6:/export/sub/b.img")
        #expect(id("file", "/with/a-hyphen/vm.img") == "cifs://remote-storage/Path/vm.img")
        #expect(id(nil, "rbd:vms/db1-disk0") == "rbd:vms/db1-disk0")
        #expect(id("network", "iscsi:iqn.2013-06.com.example:t1/1") == "iscsi:iqn.2013-06.com.example:t1/1")
        #expect(id("volume", "ceph/vm-disk") == "rbd:vms/vm-disk")
        #expect(id("volume", "nfspool/b.qcow2") == "nfs:10.0.0.9:/pool/b.qcow2")
        let local = MigrationAssessment.FileStat(device: 2049, inode: 131)
        #expect(id("file", "/var/lib/libvirt/images/local.qcow2", stat: local) == "file:2049:131")
        #expect(id("volume", "default/a.qcow2", stat: local) == "file:2049:131")
        let blk = MigrationAssessment.FileStat(device: 5, inode: 9, blockDevice: (8, 16))
        #expect(id("block", "/dev/sdb", stat: blk) == "block:8:16")
        #expect(id("block", "/dev/sdb", stat: blk, wwn: "naa.600508b1001c4d5f") == "block:naa.600508b1001c4d5f")
        #expect(id("file", "/cluster/vm.img", stat: local) == "ocfs2:/dev/mapper/shared-lun:131")
        // Not stat-able (missing file) or no source: unknown.
        #expect(id("file", "/var/lib/libvirt/images/gone.qcow2") == nil)
        #expect(id("file", "") == nil)
    }

    @Test func statIsNeverAskedOnANetworkFilesystem() {
        let l = MigrationAssessment.locality(
            diskType: "file", source: "/var/lib/libvirt/images/nfs/a.qcow2", pools: [], mounts: Self.mounts)
        var asked = false
        _ = MigrationAssessment.identity(
            diskType: "file", source: "/var/lib/libvirt/images/nfs/a.qcow2", locality: l,
            stat: { _ in
                asked = true
                return nil
            }, wwn: { _, _ in nil })
        #expect(!asked)
    }

    @Test func storageBlockersNameDiskAndMedia() {
        var g = Guest(name: "g", uuid: "u", kind: .vm, driver: "qemu", state: .shutoff)
        var a = BlockDevice(target: "vda", source: "/var/lib/libvirt/images/local.qcow2")
        a.diskType = "file"
        a.device = "disk"
        var b = BlockDevice(target: "vdb", source: "/var/lib/libvirt/images/nfs/shared.qcow2")
        b.diskType = "file"
        b.device = "disk"
        var c = BlockDevice(target: "hdc", source: "/var/lib/libvirt/images/debian.iso")
        c.diskType = "file"
        c.device = "cdrom"
        var empty = BlockDevice(target: "hdd", source: "")
        empty.device = "cdrom"
        g.blockDevices = [a, b, c, empty]
        let s = MigrationAssessment.storageBlockers(g, pools: Self.pools, mounts: Self.mounts)
        #expect(
            s == [
                MigrationBlocker(.localDisk, "vda /var/lib/libvirt/images/local.qcow2"),
                MigrationBlocker(.localMedia, "hdc /var/lib/libvirt/images/debian.iso"),
            ])
    }
}

/// The migration collector on a fake procfs (mount table) and qemu.conf, over a snapshot as
/// the libvirt collector leaves it.
struct MigrationCollectorTests {
    @Test func addsStorageBlockersIdentitiesAndLockManager() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hvmig-collector-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/proc/self", withIntermediateDirectories: true)
        let image = root + "/images/local.qcow2"
        try FileManager.default.createDirectory(atPath: root + "/images", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: image, contents: Data([1, 2, 3]))
        try "21 1 8:1 / / rw - ext4 /dev/sda1 rw\n40 21 0:42 / /nfs rw - nfs4 10.0.0.5:/vms rw\n"
            .write(toFile: root + "/proc/self/mountinfo", atomically: true, encoding: .utf8)
        try "lock_manager = \"lockd\"\n".write(toFile: root + "/qemu.conf", atomically: true, encoding: .utf8)

        var snap = Snapshot()
        var vm = Guest(name: "vm", uuid: "u1", kind: .vm, driver: "qemu", state: .running)
        vm.listedByLibvirt = true
        vm.migrationBlockers = [MigrationBlocker(.transient)]
        var local = BlockDevice(target: "vda", source: image)
        local.diskType = "file"
        local.device = "disk"
        var shared = BlockDevice(target: "vdb", source: "/nfs/db.qcow2")
        shared.diskType = "file"
        shared.device = "disk"
        vm.blockDevices = [local, shared]
        var unknown = Guest(name: "ghost", uuid: "u2", kind: .vm, driver: "qemu", state: .shutoff)
        unknown.listedByLibvirt = true
        unknown.migrationBlockers = [MigrationBlocker(.unknown, "domain XML could not be read")]
        let ct = Guest(name: "ct", uuid: nil, kind: .container, driver: "lxc", state: .running)
        snap.guests = [vm, unknown, ct]

        let c = MigrationCollector(procfs: root + "/proc", sysfs: root + "/sys", qemuConf: root + "/qemu.conf")
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(1)), into: &snap)

        #expect(snap.lockManager == "lockd")
        let g = snap.guests[0]
        #expect(g.migrationBlockers == [MigrationBlocker(.localDisk, "vda \(image)"), MigrationBlocker(.transient)])
        var st = stat()
        #expect(stat(image, &st) == 0)
        #expect(g.blockDevices[0].sourceIdentity == "file:\(st.st_dev):\(st.st_ino)")
        #expect(g.blockDevices[1].sourceIdentity == "nfs:10.0.0.5:/vms/db.qcow2")
        #expect(snap.guests[1].migrationBlockers?.map(\.reason) == [.unknown])
        #expect(snap.guests[2].migrationBlockers == nil)
    }

    @Test func aMissingQemuConfIsNoLockManagerAndABadProcfsFails() throws {
        var snap = Snapshot()
        let c = MigrationCollector(procfs: "/proc", qemuConf: "/nonexistent/hvmig/qemu.conf")
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(1)), into: &snap)
        #expect(snap.lockManager == "none")
        let bad = MigrationCollector(procfs: "/nonexistent/hvmig/proc")
        #expect(throws: (any Error).self) { try bad.collect(ScrapeContext(libvirtTimeout: .seconds(1)), into: &snap) }
    }
}
