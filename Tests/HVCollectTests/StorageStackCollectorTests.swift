import Foundation
import HVExpose
import HVModel
import HVScrape
import HVSystem
import HVUdev
import LabSupport
import Logging
import Testing

@testable import HVCollect

/// The storage collector on the storage fixture trees (Tests/StorageFixtures, copies of this
/// host's and util-linux's real trees) and the md fixture trees, with guests made by the test.
@Suite("storage stack collector")
struct StorageStackCollectorTests {
    static let fixtures: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("StorageFixtures").path
    }()
    static let realHost = fixtures + "/real-host"

    /// A procfs holding `self/mountinfo` (and `<pid>/mountinfo` per container), in a
    /// temporary directory the test removes.
    final class Proc {
        let root: String
        init(mountinfo: String, containers: [Int: String] = [:]) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("hvstk-proc-\(UUID().uuidString)").path
            try write("self", mountinfo)
            for (pid, file) in containers { try write(String(pid), file) }
        }
        func write(_ dir: String, _ file: String) throws {
            try FileManager.default.createDirectory(atPath: "\(root)/\(dir)", withIntermediateDirectories: true)
            try Data(contentsOf: URL(fileURLWithPath: file)).write(to: URL(fileURLWithPath: "\(root)/\(dir)/mountinfo"))
        }
        func append(_ line: String) throws {
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(root)/self/mountinfo"))
            h.seekToEndOfFile()
            h.write(Data(line.utf8))
            try h.close()
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    static func vm(_ name: String, uuid: String, disks: [(String, String, String)]) -> Guest {
        var g = Guest(name: name, uuid: uuid, kind: .vm, driver: "qemu", state: .running)
        g.listedByLibvirt = true
        g.blockDevices = disks.map { target, type, source in
            var d = BlockDevice(target: target, source: source)
            d.diskType = type
            return d
        }
        return g
    }

    /// The lab guest hv-run1 with `disks` (target, type, source).
    static func run1(_ disks: [(String, String, String)]) -> Guest {
        vm("hv-run1", uuid: "c66fcdff-c555-4008-b9de-237a4fc3450d", disks: disks)
    }

    static func pool(_ name: String, type: String, target: String) -> StoragePool {
        var p = StoragePool(name: name, state: 2)
        p.type = type
        p.targetPath = target
        return p
    }

    static let logger = Logger(label: "test")

    static func collector(proc: String, sys: String, refresh: Duration = .seconds(300), identities: [String: DiskIdentity] = [:])
        -> StorageStackCollector
    {
        StorageStackCollector(
            procfs: proc, sysfs: sys, refreshInterval: refresh, logger: logger, identify: { identities[$0] },
            inspect: { _ in .unknown })
    }

    static func collect(_ c: any Collector, _ s: inout Snapshot) throws {
        try c.collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &s)
    }

    @Test func vmDisksResolveAndCarryDiskIdentity() throws {
        let proc = try Proc(mountinfo: Self.realHost + "/proc/self/mountinfo")
        let c = Self.collector(
            proc: proc.root, sys: Self.realHost + "/sys",
            identities: ["vda": DiskIdentity(model: "QEMU_HARDDISK", serial: "hv-root", wwn: "0x5000C500A1B2C3D4")])
        var s = Snapshot()
        s.guests = [
            Self.vm(
                "hv-run1", uuid: "c66fcdff-c555-4008-b9de-237a4fc3450d",
                disks: [
                    ("vda", "file", "/var/tmp/hvstk-mnt-ext4/disk.qcow2"), ("vdb", "network", "rbd:pool/img"),
                    ("sda", "file", ""), ("vdc", "volume", "default/vol1"),
                ])
        ]
        try Self.collect(c, &s)
        let stacks = s.guestDiskStacks
        #expect(stacks.map(\.targetDevice) == ["vda", "vdb", "sda", "vdc"])
        let vda = stacks[0]
        #expect(vda.layers.map(\.kind) == [.file, .filesystem, .loop, .file, .filesystem, .disk])
        #expect(vda.layers[2].device == "loop3" && vda.layers[5].device == "vda")
        #expect(vda.layers[5].model == "QEMU_HARDDISK" && vda.layers[5].wwn == "5000c500a1b2c3d4")
        #expect(vda.guest == "hv-run1" && vda.driver == "qemu" && vda.error == nil)
        #expect(stacks[1].layers.map(\.kind) == [.network] && stacks[1].layers[0].detail == "rbd:pool/img")
        #expect(stacks[2].error == "no source" && stacks[2].layers.isEmpty)
        #expect(stacks[3].error == "volume of pool default: the pool is not known (pools collector off or failing)")
    }

    /// A `type='volume'` disk resolves through its pool's target path (dir, fs, netfs: a file
    /// there; logical: `/dev/<vg>/<lv>`), as the file disk at that path does; a pool type whose
    /// volumes are not named by path says so.
    @Test func volumeDisksResolveThroughTheirPool() throws {
        let proc = try Proc(mountinfo: Self.realHost + "/proc/self/mountinfo")
        let c = Self.collector(proc: proc.root, sys: Self.realHost + "/sys")
        var s = Snapshot()
        s.guests = [
            Self.run1([
                ("vda", "file", "/var/tmp/hvstk-mnt-ext4/disk.qcow2"), ("vdb", "volume", "images/other.qcow2"),
                ("vdc", "volume", "san/unit:0:0:1"), ("vdd", "volume", "novolume"),
            ])
        ]
        s.storagePools = [
            Self.pool("images", type: "dir", target: "/var/tmp/hvstk-mnt-ext4/"),
            Self.pool("san", type: "iscsi", target: "/dev/disk/by-path"),
        ]
        try Self.collect(c, &s)
        let stacks = s.guestDiskStacks
        #expect(stacks.map(\.targetDevice) == ["vda", "vdb", "vdc", "vdd"])
        #expect(stacks[1].error == nil, "\(stacks[1].error ?? "")")
        #expect(stacks[1].layers.map(\.kind) == stacks[0].layers.map(\.kind) && !stacks[1].layers.isEmpty)
        #expect(stacks[1].source == "images/other.qcow2")
        #expect(stacks[1].layers.first?.detail == "/var/tmp/hvstk-mnt-ext4/other.qcow2")
        #expect(stacks[1].layers.map(\.device) == stacks[0].layers.map(\.device))
        #expect(stacks[2].error == "volume of a iscsi pool: no host path from its definition" && stacks[2].layers.isEmpty)
        #expect(stacks[3].error == "volume novolume names no pool")
        let lvm = Self.pool("vg0", type: "logical", target: "/dev/vg0")
        #expect(try StorageStackCollector.volumePath("vg0/lv-guest", pools: [lvm]).get() == "/dev/vg0/lv-guest")
    }

    /// Resolution is cached: repeated scrapes resolve nothing; a changed mount table
    /// resolves everything again; a new disk resolves only itself.
    @Test func resolutionIsNotRedonePerScrape() throws {
        let proc = try Proc(mountinfo: Self.realHost + "/proc/self/mountinfo")
        let c = Self.collector(proc: proc.root, sys: Self.realHost + "/sys")
        var guests = [
            Self.vm("a", uuid: "u-a", disks: [("vda", "file", "/work/main/.lab/disks/hv-run1.qcow2")]),
            Self.vm("b", uuid: "u-b", disks: [("vda", "file", "/var/tmp/hvstk-mnt-btrfs/disk.raw"), ("vdb", "network", "nbd:x")]),
        ]
        for _ in 0..<10 {
            var s = Snapshot()
            s.guests = guests
            try Self.collect(c, &s)
            #expect(s.guestDiskStacks.count == 3 && s.guestDiskStacks.allSatisfy { !$0.layers.isEmpty })
        }
        #expect(c.resolutions == 3)

        try proc.append("300 27 0:99 / /mnt/new rw,relatime - tmpfs tmpfs rw\n")
        var s = Snapshot()
        s.guests = guests
        try Self.collect(c, &s)
        #expect(c.resolutions == 6)

        guests[0].blockDevices.append(BlockDevice(target: "vdb", source: "/dev/loop6"))
        for _ in 0..<3 {
            var s2 = Snapshot()
            s2.guests = guests
            try Self.collect(c, &s2)
            #expect(s2.guestDiskStacks.count == 4)
            #expect(
                s2.guestDiskStacks.first { $0.targetDevice == "vdb" && $0.guest == "a" }?.layers.last?.problem == "backing file deleted")
        }
        #expect(c.resolutions == 7)

        // A short refresh interval resolves again once it has passed.
        let quick = Self.collector(proc: proc.root, sys: Self.realHost + "/sys", refresh: .milliseconds(1))
        for _ in 0..<2 {
            var s3 = Snapshot()
            s3.guests = guests
            try Self.collect(quick, &s3)
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(quick.resolutions == 8)
    }

    /// A resolution that hangs (a stat(2) that does not return) costs the scrape that started
    /// it its deadline at most; the scrapes after it do not wait, and once it returns its
    /// result is served.
    @Test func aHungResolutionIsNotWaitedForAgain() throws {
        let proc = try Proc(mountinfo: Self.realHost + "/proc/self/mountinfo")
        let gate = DispatchSemaphore(value: 0)
        let c = StorageStackCollector(
            procfs: proc.root, sysfs: Self.realHost + "/sys", logger: Self.logger, identify: { _ in nil },
            inspect: { _ in
                gate.wait()
                return .unknown
            })
        var guests = [Self.vm("a", uuid: "u-a", disks: [("vda", "file", "/var/tmp/hvstk-mnt-ext4/disk.qcow2")])]
        func scrape() throws -> (Snapshot, Duration) {
            var s = Snapshot()
            s.guests = guests
            let t0 = ContinuousClock.now
            try c.collect(ScrapeContext(libvirtTimeout: .milliseconds(300)), into: &s)
            return (s, ContinuousClock.now - t0)
        }
        let (first, t1) = try scrape()
        #expect(t1 >= .milliseconds(250) && t1 < .seconds(3))
        #expect(first.guestDiskStacks.first?.error == "not resolved yet")
        guests[0].blockDevices.append(BlockDevice(target: "vdb", source: "/dev/loop6"))
        for _ in 0..<3 {
            let (later, t) = try scrape()
            #expect(t < .milliseconds(200), "a later scrape does not wait for the hung resolution: \(t)")
            #expect(later.guestDiskStacks.count == 2 && later.guestDiskStacks.allSatisfy { $0.error == "not resolved yet" })
        }
        for _ in 0..<100 { gate.signal() }   // every stat(2) of the walks returns from now on
        let done = ContinuousClock.now + .seconds(10)
        while c.resolutions == 0 && ContinuousClock.now < done { Thread.sleep(forTimeInterval: 0.01) }
        #expect(c.resolutions == 1)
        var last = Snapshot()
        while ContinuousClock.now < done {
            last = try scrape().0
            if last.guestDiskStacks.allSatisfy({ $0.error == nil }) { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(last.guestDiskStacks.map(\.layers.count) == [6, 2], "\(last.guestDiskStacks)")
        #expect(c.resolutions == 2)
    }

    /// hv-ct1's real mount table: the rootfs is the bind-mounted directory on the root ext4;
    /// the read-only bind mounts of host libraries are not volumes.
    @Test func containerRootfsFromItsInit() throws {
        let proc = try Proc(
            mountinfo: Self.realHost + "/proc/self/mountinfo", containers: [7869: Self.realHost + "/proc/lxc-hv-ct1/mountinfo"])
        let c = Self.collector(proc: proc.root, sys: Self.realHost + "/sys")
        var g = Guest(name: "hv-ct1", uuid: nil, kind: .container, driver: "lxc-tools", state: .running)
        var cg = GuestCgroupStats(path: "/lxc.payload.hv-ct1")
        cg.initPID = 7869
        g.cgroup = cg
        var gone = Guest(name: "gone", uuid: nil, kind: .container, driver: "lxd", state: .running)
        var cg2 = GuestCgroupStats(path: "/lxc.payload.gone")
        cg2.initPID = 999_999
        gone.cgroup = cg2
        var s = Snapshot()
        s.guests = [g, gone]
        try Self.collect(c, &s)
        #expect(s.guestDiskStacks.count == 2)
        let root = s.guestDiskStacks[0]
        #expect(root.targetDevice == "rootfs" && root.source == "/var/lib/lxc/hv-ct1/rootfs" && root.guestKey == "lxc-tools:hv-ct1")
        #expect(root.layers.map(\.kind) == [.filesystem, .disk] && root.layers[1].device == "vda")
        #expect(s.guestDiskStacks[1].error?.contains("999999/mountinfo") == true && s.guestDiskStacks[1].layers.isEmpty)
    }

    /// A guest disk on a degraded md array (md0 of the `degraded-faulty` md fixture, raid1
    /// missing a member) is degraded; a failed finding about a disk under it (matched by its
    /// serial) is worse and wins; the healthy disk of another guest stays ok.
    @Test func mdFindingRollsUpToTheGuestDisk() throws {
        let sys = try Self.mdSysfs("degraded-faulty")
        defer { try? FileManager.default.removeItem(atPath: sys) }
        let proc = try Proc(mountinfo: Self.realHost + "/proc/self/mountinfo")
        let c = Self.collector(proc: proc.root, sys: sys, identities: ["sdb": DiskIdentity(serial: "WD-WCC7K1234567")])
        let md = MDRAIDCollector(
            procfs: MDFixtureTrees.root + "/degraded-faulty/proc", sysfs: MDFixtureTrees.root + "/degraded-faulty/sys",
            logger: Self.logger, identify: { _ in nil })
        var s = Snapshot()
        s.guests = [
            Self.vm("db", uuid: "u-db", disks: [("vda", "block", "/dev/md0")]),
            Self.vm("web", uuid: "u-web", disks: [("vda", "block", "/dev/md1")]),
        ]
        try Self.collect(c, &s)
        try Self.collect(md, &s)
        s.rollUpStorageHealth()
        let db = s.guestDiskStacks[0]
        #expect(db.layers.map(\.name) == ["md0", "sdc1", "sdc"])
        #expect(db.health.severity == .degraded && db.health.layer == "md0" && db.health.source == "mdraid")
        #expect(db.health.reason == "md0: 1 of 2 members missing")
        #expect(db.layers[0].severity == .degraded && db.layers[1].severity == nil)
        let web = s.guestDiskStacks[1]
        #expect(web.health.severity == .degraded && web.health.layer == "md1")

        // A failed disk under md1, keyed by serial, is worse than the degraded array.
        var withSmart = s
        withSmart.guestDiskStacks = s.guestDiskStacks.map {
            $0.rolledUp(
                with: s.storageFindings + [
                    StorageFinding(
                        keys: [.serial("WD-WCC7K1234567")], source: "smart", layer: "sdb", severity: .failed,
                        reason: "SMART overall-health FAILED")
                ])
        }
        let web2 = withSmart.guestDiskStacks[1]
        #expect(web2.health.severity == .failed && web2.health.layer == "sdb" && web2.health.source == "smart")
        #expect(withSmart.unhealthyGuestDisks.count == 2)
        #expect(withSmart.guestDiskStacks[0].health.severity == .degraded)

        // A btrfs finding keyed by fsid reaches a disk on that filesystem.
        let proc2 = try Proc(mountinfo: Self.realHost + "/proc/self/mountinfo")
        let c2 = Self.collector(proc: proc2.root, sys: Self.realHost + "/sys")
        var b = Snapshot()
        b.guests = [Self.vm("lxdvm", uuid: "u-l", disks: [("vda", "file", "/var/tmp/hvstk-mnt-btrfs/disk.raw")])]
        try Self.collect(c2, &b)
        let rolled = b.guestDiskStacks[0].rolledUp(with: [
            StorageFinding(
                keys: [.filesystemUUID("68f9b9ee-0ca5-4bd6-9fb4-69119d5c67b1"), .blockDevice("loop4")], source: "btrfs",
                layer: "btrfs hvstk-raid1", severity: .degraded, reason: "loop5 corruption errors"),
            StorageFinding(keys: [.blockDevice("vda")], source: "smart", layer: "vda", severity: .ok),
        ])
        #expect(rolled.health.severity == .degraded && rolled.health.layer == "btrfs 68f9b9ee-0ca5-4bd6-9fb4-69119d5c67b1")
        #expect(rolled.health.layersReported == 4)   // btrfs, loop4, and vda twice (under loop4 and loop5)
    }

    /// The roll-up happens in the scrape, after the md collector (beside the guests) is merged.
    @Test func scrapeRollsUpAfterEveryCollector() throws {
        let sys = try Self.mdSysfs("degraded-faulty")
        defer { try? FileManager.default.removeItem(atPath: sys) }
        let proc = try Proc(mountinfo: Self.realHost + "/proc/self/mountinfo")
        struct Guests: Collector {
            let name = "libvirt"
            static var fills: Set<SnapshotPart> { [.libvirtDomains] }
            func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
                snapshot.guests = [StorageStackCollectorTests.vm("db", uuid: "u-db", disks: [("vda", "block", "/dev/md0")])]
            }
        }
        let md = MDRAIDCollector(
            procfs: MDFixtureTrees.root + "/degraded-faulty/proc", sysfs: MDFixtureTrees.root + "/degraded-faulty/sys",
            logger: Self.logger, identify: { _ in nil })
        let coordinator = ScrapeCoordinator(
            collectors: [Self.collector(proc: proc.root, sys: sys), md, Guests()], logger: Self.logger)
        let snap = coordinator.snapshot()
        #expect(snap.collectors.allSatisfy { $0.success }, "\(snap.collectors)")
        #expect(snap.guestDiskStacks.first?.health.severity == .degraded)

        let text = String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(snap)), as: UTF8.self)
        #expect(text.contains("hv_guest_disk_storage_degraded{guest=\"db\",driver=\"qemu\",target_device=\"vda\"} 1"))
        #expect(
            text.contains(
                "hv_guest_disk_storage_info{guest=\"db\",driver=\"qemu\",target_device=\"vda\",layer=\"md0\",source=\"mdraid\",health=\"degraded\",reason=\"md0: 1 of 2 members missing\"} 1"
            ))
        if Promtool.isRunnable {
            let report = try Promtool.checkMetrics(text)
            #expect(report.isClean, "\(report)")
        }
        let json = String(decoding: SnapshotJSON.encode(snap), as: UTF8.self)
        #expect(json.contains("\"guest_disk_stacks\":[{\"guest_key\":\"u-db\""))
        #expect(json.contains("\"kind\":\"md\",\"device\":\"md0\",\"detail\":\"raid1\",\"depth\":0"))
    }

    /// A sysfs root for the md trees: their `block/` plus an empty `dev/block` (what the
    /// collector's path check asks for).
    static func mdSysfs(_ state: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hvstk-sys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/dev/block", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/block", withDestinationPath: MDFixtureTrees.root + "/\(state)/sys/block")
        return dir
    }

    // MARK: - the real lab

    static var labDisks: Bool { FileManager.default.fileExists(atPath: "/work/main/.lab/disks/hv-run1.qcow2") }

    /// On this host: the lab guests' images resolve through the root ext4 to the real disk,
    /// with the host's live mount table, sysfs, stat(2) and udev.
    @Test(.enabled(if: StorageStackCollectorTests.labDisks, "needs the lab's guest images"))
    func labImagesResolveToTheHostDisk() throws {
        let c = StorageStackCollector(logger: Self.logger)
        var s = Snapshot()
        s.guests = [
            Self.vm("hv-run1", uuid: "u1", disks: [("vda", "file", "/work/main/.lab/disks/hv-run1.qcow2")]),
            Self.vm("hv-run2", uuid: "u2", disks: [("vda", "file", "/work/main/.lab/disks/hv-run2.qcow2")]),
        ]
        try Self.collect(c, &s)
        let root = try #require(MountTable.read().mount(containing: "/work/main/.lab/disks"))
        let disk = try #require(BlockTopology().name(major: root.major, minor: root.minor))
        for st in s.guestDiskStacks {
            #expect(st.layers.first?.kind == .file)
            #expect(st.layers.last?.kind == .disk && st.layers.last?.device == disk, "\(st.layers)")
        }
    }
}
