import Foundation
import Glibc
import HVSystem
import LabSupport
import Testing

/// The storage-stack resolver on copies of real trees (StorageFixtures, see its README): this
/// host's loop, btrfs RAID1 and ext4 layouts, util-linux's LVM-on-loops and partition dump,
/// and the md fixture trees.
@Suite("storage stack resolver")
struct StorageStackTests {
    /// Tests/StorageFixtures: outside every target's directory, read in place (their sysfs
    /// links form cycles, holders <-> slaves, as in a real /sys, which SwiftPM would follow).
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("StorageFixtures").path
    static let realHost = Self.directory + "/real-host"
    static let lvmDump = Self.directory + "/util-linux-simple-lvm"

    static func resolver(_ root: String, mountinfo: String = "proc/self/mountinfo") throws -> StorageStackResolver {
        let mounts = MountTable.parse(try FileReader.read(root + "/" + mountinfo))
        return StorageStackResolver(topology: BlockTopology(root: root + "/sys"), mounts: mounts, inspect: { _ in .unknown })
    }

    /// "kind device|detail" per layer, indented by depth, for readable expectations.
    static func outline(_ layers: [ResolvedStorageLayer]) -> [String] {
        layers.map { l in
            String(repeating: " ", count: l.depth) + "\(l.kind.rawValue) \(l.device.isEmpty ? l.detail : l.device)"
                + (l.problem.map { " !\($0)" } ?? "")
        }
    }

    // MARK: - mountinfo

    @Test func parsesTheRealMountTable() throws {
        let m = MountTable.parse(try FileReader.read(Self.realHost + "/proc/self/mountinfo"))
        #expect(m.malformed.isEmpty)
        let root = try #require(m.entries.first { $0.mountPoint == "/" })
        #expect(root.major == 254 && root.minor == 0)
        #expect(root.fsType == "ext4" && root.source == "/dev/vda" && root.root == "/")
        #expect(root.superOptions.hasPrefix("rw,discard"))
        let loop = try #require(m.entries.first { $0.mountPoint == "/var/tmp/hvstk-mnt-ext4" })
        #expect(loop.major == 7 && loop.source == "/dev/loop3" && loop.options == "rw,relatime")
        let ns = try #require(m.entries.first { $0.mountPoint == "/run/netns/hvpeer" })
        #expect(ns.root == "net:[4026532175]" && ns.fsType == "nsfs" && ns.parentID == 45)
        #expect(m.mount(containing: "/var/tmp/hvstk-mnt-ext4/disk.qcow2")?.mountID == loop.mountID)
        #expect(m.mount(containing: "/var/tmp/hvstk-mnt-ext4x/disk")?.mountPoint == "/")
        #expect(m.mount(containing: "/var/tmp/hvstk-mnt-ext4")?.mountID == loop.mountID)
    }

    @Test func containerRootFromItsInitsMountTable() throws {
        let m = MountTable.parse(try FileReader.read(Self.realHost + "/proc/lxc-hv-ct1/mountinfo"))
        #expect(m.malformed.isEmpty)
        let root = try #require(m.entries.last { $0.mountPoint == "/" })
        #expect(root.root == "/var/lib/lxc/hv-ct1/rootfs" && root.major == 254 && root.fsType == "ext4")
        let libs = m.entries.filter { $0.mountPoint == "/lib" }
        #expect(libs.count == 1 && libs[0].readOnly)
    }

    @Test func octalEscapesAndBadLines() {
        let text = """
            36 35 98:0 /my\\040dir /mnt/with\\040space\\011tab rw,noatime master:1 - ext3 /dev/root rw,errors=continue
            garbage line
            37 35 0:40 / /srv/nfs rw - nfs4 server:/export\\134x rw,vers=4.2
            38 35 0:41 / /x rw - tmpfs none rw
            39 35 8:x / /y rw - ext4 /dev/sda1 rw
            40 35 8:1 / /z rw shared:2 master:3 - ext4 /dev/sda1
            """
        let m = MountTable.parse(Array(text.utf8))
        #expect(m.entries.count == 4)
        #expect(m.malformed.map(\.line) == [2, 5])
        #expect(m.entries[0].root == "/my dir" && m.entries[0].mountPoint == "/mnt/with space\ttab")
        #expect(m.entries[1].source == "server:/export\\x" && m.entries[1].fsType == "nfs4")
        #expect(m.entries[2].source == "")
        #expect(m.entries[3].superOptions == "" && m.entries[3].options == "rw")
        #expect(MountTable.unescape(Array("a\\777b\\04".utf8)[...]) == "a\\777b\\04")
    }

    // MARK: - real host: loop, btrfs, deleted backing file, container

    @Test func imageOnExt4OnLoopOnExt4OnVda() throws {
        let r = try Self.resolver(Self.realHost)
        let layers = r.resolve(path: "/var/tmp/hvstk-mnt-ext4/disk.qcow2")
        #expect(
            Self.outline(layers) == [
                "file /var/tmp/hvstk-mnt-ext4/disk.qcow2",
                " filesystem ext4 /dev/loop3 on /var/tmp/hvstk-mnt-ext4",
                "  loop loop3",
                "   file /var/tmp/hvstk-ext4.img",
                "    filesystem ext4 /dev/vda on /",
                "     disk vda",
            ])
        #expect(layers[2].detail == "/var/tmp/hvstk-ext4.img")
    }

    @Test func labGuestImageOnTheRootDisk() throws {
        let r = try Self.resolver(Self.realHost)
        #expect(
            Self.outline(r.resolve(path: "/work/main/.lab/disks/hv-run1.qcow2")) == [
                "file /work/main/.lab/disks/hv-run1.qcow2", " filesystem ext4 /dev/vda on /", "  disk vda",
            ])
    }

    @Test func btrfsRaid1CarriesFsidAndBothMembers() throws {
        let r = try Self.resolver(Self.realHost)
        let layers = r.resolve(path: "/var/tmp/hvstk-mnt-btrfs/./images/../disk.raw")
        #expect(
            Self.outline(layers) == [
                "file /var/tmp/hvstk-mnt-btrfs/disk.raw",
                " btrfs btrfs /dev/loop4 on /var/tmp/hvstk-mnt-btrfs label hvstk-raid1",
                "  loop loop4", "   file /var/tmp/hvstk-btrfs-b.img", "    filesystem ext4 /dev/vda on /", "     disk vda",
                "  loop loop5", "   file /var/tmp/hvstk-btrfs-c.img", "    filesystem ext4 /dev/vda on /", "     disk vda",
            ])
        #expect(layers[1].filesystemUUID == "68f9b9ee-0ca5-4bd6-9fb4-69119d5c67b1")
    }

    @Test func deletedBackingFileEndsTheStack() throws {
        let r = try Self.resolver(Self.realHost)
        #expect(
            Self.outline(r.resolve(path: "/dev/loop6")) == [
                "loop loop6", " file /var/tmp/hvstk-gone.img !backing file deleted",
            ])
        #expect(Self.outline(r.resolve(path: "/dev/loop7")) == ["loop loop7 !no backing file"])
    }

    @Test func containerRootfsMount() throws {
        let r = try Self.resolver(Self.realHost)
        let ct = MountTable.parse(try FileReader.read(Self.realHost + "/proc/lxc-hv-ct1/mountinfo"))
        let root = try #require(ct.entries.last { $0.mountPoint == "/" })
        #expect(
            Self.outline(r.resolve(mount: root)) == [
                "filesystem ext4 /dev/vda on / (/var/lib/lxc/hv-ct1/rootfs)", " disk vda",
            ])
    }

    @Test func vanishedDeviceAndNetworkSources() throws {
        let r = try Self.resolver(Self.realHost)
        #expect(Self.outline(r.resolve(device: "sdz")) == ["unknown sdz !device vanished"])
        #expect(Self.outline(StorageStackResolver.network("rbd pool/img")) == ["network rbd pool/img"])
        let nfs = MountTable.parse(Array("50 27 0:60 / /srv/images rw - nfs4 filer:/vol/images rw\n".utf8))
        let asked = AskedPaths()
        let r2 = StorageStackResolver(
            topology: BlockTopology(root: Self.realHost + "/sys"), mounts: nfs,
            inspect: { p in
                asked.add(p)
                return .unknown
            })
        #expect(
            Self.outline(r2.resolve(path: "/srv/images/vm.qcow2")) == [
                "file /srv/images/vm.qcow2", " network nfs4 filer:/vol/images",
            ])
        #expect(asked.paths.isEmpty, "a path on NFS is never stat(2)ed")
    }

    // MARK: - util-linux dump: LVM over loops, partitions

    @Test func lvmOverFourLoopsOnTmpfs() throws {
        let r = try Self.resolver(Self.lvmDump)
        let expected = [
            "lvm dm-0",
            " loop loop0", "  file /tmp/foo.4059-0.img", "   filesystem tmpfs tmpfs on /tmp",
            " loop loop1", "  file /tmp/foo.4059-1.img", "   filesystem tmpfs tmpfs on /tmp",
            " loop loop2", "  file /tmp/foo.4059-2.img", "   filesystem tmpfs tmpfs on /tmp",
            " loop loop3", "  file /tmp/foo.4059-3.img", "   filesystem tmpfs tmpfs on /tmp",
        ]
        #expect(Self.outline(r.resolve(path: "/dev/mapper/vg_foo.4059-lv_foo.4059")) == expected)
        #expect(Self.outline(r.resolve(path: "/dev/vg_foo.4059/lv_foo.4059")) == expected)
        #expect(Self.outline(r.resolve(path: "/dev/dm-0")) == expected)
        #expect(r.resolve(device: "dm-0")[0].detail == "vg_foo.4059-lv_foo.4059")
        let dm = try #require(r.topology.device(named: "dm-0"))
        #expect(dm.dmUUID?.hasPrefix("LVM-") == true && dm.slaves == ["loop0", "loop1", "loop2", "loop3"])
        #expect(r.topology.device(named: "loop2")?.holders == ["dm-0"])
    }

    @Test func imageOnAnNVMePartition() throws {
        let r = try Self.resolver(Self.lvmDump)
        #expect(
            Self.outline(r.resolve(path: "/home/test/vm.qcow2")) == [
                "file /home/test/vm.qcow2", " filesystem ext4 /dev/nvme0n1p3 on /home/test",
                "  partition nvme0n1p3", "   disk nvme0n1",
            ])
        #expect(
            Self.outline(r.resolve(path: "/var/lib/libvirt/images/a.img")) == [
                "file /var/lib/libvirt/images/a.img", " filesystem ext4 /dev/sda4 on /", "  partition sda4", "   disk sda",
            ])
        #expect(r.topology.name(major: 259, minor: 3) == "nvme0n1p3")
        #expect(r.topology.device(named: "sda1")?.parentDisk == "sda")
    }

    // MARK: - md fixture trees

    @Test func mdArraysDownToTheirDisks() throws {
        let r = StorageStackResolver(
            topology: BlockTopology(root: MDFixtures.sys("degraded-faulty")), mounts: MountTable(), inspect: { _ in .unknown })
        #expect(Self.outline(r.resolve(path: "/dev/md0")) == ["md md0", " partition sdc1", "  disk sdc"])
        let md1 = r.resolve(device: "md1")
        #expect(md1[0].detail == "raid5")
        #expect(md1.filter { $0.kind == .partition }.map(\.device) == ["sdb1", "sdb2", "sdb3", "sdb4", "sdb5"])
        #expect(md1.filter { $0.kind == .disk }.map(\.device) == Array(repeating: "sdb", count: 5))
    }

    // MARK: - guards

    /// A loop device whose backing file lies on the filesystem on that same loop device (a
    /// tree written by the test: the kernel refuses such a loop, a corrupt or racing view
    /// of sysfs could still show it) and a chain deeper than the limit.
    @Test func cycleAndDepthGuards() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hvstk-cycle-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        for i in 0..<30 {
            let d = "\(dir)/devices/virtual/block/loop\(i)"
            try fm.createDirectory(atPath: d + "/loop", withIntermediateDirectories: true)
            try "7:\(i)\n".write(toFile: d + "/dev", atomically: false, encoding: .utf8)
            try "/m\(i + 1)/img\n".write(toFile: d + "/loop/backing_file", atomically: false, encoding: .utf8)
            try fm.createDirectory(atPath: "\(dir)/class/block", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: "\(dir)/dev/block", withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: "\(dir)/class/block/loop\(i)", withDestinationPath: "../../devices/virtual/block/loop\(i)")
            try fm.createSymbolicLink(atPath: "\(dir)/dev/block/7:\(i)", withDestinationPath: "../../devices/virtual/block/loop\(i)")
        }
        // m1 is on loop0 and loop0's file is on m1: a cycle. m<i+1> on loop<i+1> for the deep chain.
        var table = "1 0 254:0 / / rw - ext4 /dev/vda rw\n2 1 7:0 / /m1 rw - ext4 /dev/loop0 rw\n"
        for i in 2...30 { table += "\(i + 1) 1 7:\(i) / /m\(i) rw - ext4 /dev/loop\(i) rw\n" }
        let r = StorageStackResolver(
            topology: BlockTopology(root: dir), mounts: MountTable.parse(Array(table.utf8)), inspect: { _ in .unknown })
        let cyc = r.resolve(device: "loop0")
        #expect(cyc.last?.problem == "cycle")
        #expect(cyc.count < 10)
        var deep = r
        deep.maxDepth = 12
        let chain = deep.resolve(device: "loop2")
        #expect(chain.last?.problem == "stack deeper than 12")
        deep.maxLayers = 5
        #expect(deep.resolve(device: "loop2").count == 5)
    }

    // MARK: - fuzz

    @Test func mountinfoParserNeverTraps() throws {
        var rng = SplitMix64(seed: 0x6D6F_756E_74)
        let corpus = [
            try FileReader.read(Self.realHost + "/proc/self/mountinfo"),
            try FileReader.read(Self.realHost + "/proc/lxc-hv-ct1/mountinfo"),
            try FileReader.read(Self.lvmDump + "/proc/self/mountinfo"),
        ]
        let tokens: [[UInt8]] = [" - ", "-", " ", "\\040", "\\", "\\0", ":", "0:0", "4294967296:1", "\n", "shared:1", "/"].map {
            Array($0.utf8)
        }
        var parsed = 0
        for bytes in corpus {
            for n in stride(from: 0, through: bytes.count, by: 7) { _ = MountTable.parse(Array(bytes.prefix(n))) }
        }
        for _ in 0..<4000 {
            var b = corpus[Int.random(in: 0..<corpus.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                switch Int.random(in: 0..<4, using: &rng) {
                case 0 where !b.isEmpty: b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 1: b.insert(contentsOf: tokens.randomElement(using: &rng)!, at: Int.random(in: 0...b.count, using: &rng))
                case 2 where !b.isEmpty:
                    let i = Int.random(in: 0..<b.count, using: &rng)
                    b.removeSubrange(i..<min(b.count, i + Int.random(in: 1...40, using: &rng)))
                default: b.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...b.count, using: &rng))
                }
            }
            let m = MountTable.parse(b)
            parsed += m.entries.count
            for e in m.entries.prefix(3) { _ = m.mount(containing: e.mountPoint + "/x") }
        }
        #expect(parsed > 20000)
        for _ in 0..<2000 {
            let b = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = MountTable.parse(b)
        }
    }

    // MARK: - the live host

    static var canMakeLoops: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/losetup")
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/mkfs.ext4")
            && FileManager.default.fileExists(atPath: "/dev/loop-control")
    }

    @discardableResult
    static func run(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: args[0])
        p.arguments = Array(args.dropFirst())
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.executableLoad, userInfo: ["cmd": args.joined(separator: " ")]) }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// On this host: an ext4 on a loop device over a file under /var/tmp, mounted, holding a
    /// file; the file resolves through the live mount table and sysfs down to the disk under
    /// /var/tmp.
    @Test(.enabled(if: StorageStackTests.canMakeLoops, "needs root, losetup and mkfs.ext4"))
    func liveLoopDevice() throws {
        let image = "/var/tmp/hvstk-live-\(getpid()).img"
        let mnt = "/var/tmp/hvstk-live-\(getpid())"
        try Self.run(["/usr/bin/truncate", "-s", "32M", image])
        defer { unlink(image) }
        try Self.run(["/usr/sbin/mkfs.ext4", "-q", "-F", image])
        let loop = try Self.run(["/usr/sbin/losetup", "--find", "--show", image])
        defer { _ = try? Self.run(["/usr/sbin/losetup", "-d", loop]) }
        mkdir(mnt, 0o755)
        defer { rmdir(mnt) }
        try Self.run(["/usr/bin/mount", loop, mnt])
        defer { _ = try? Self.run(["/usr/bin/umount", mnt]) }
        let file = mnt + "/guest.qcow2"
        FileManager.default.createFile(atPath: file, contents: Data([1, 2, 3]))

        let r = StorageStackResolver(topology: BlockTopology(root: "/sys"), mounts: try MountTable.read())
        let layers = r.resolve(path: file)
        let loopName = String(loop.dropFirst("/dev/".count))
        let under = try #require(MountTable.read().mount(containing: "/var/tmp"))
        let disk = try #require(BlockTopology().name(major: under.major, minor: under.minor))
        #expect(layers.prefix(5).map(\.kind) == [.file, .filesystem, .loop, .file, .filesystem])
        #expect(layers[2].device == loopName && layers[3].detail == image)
        #expect(layers.contains { $0.device == disk && $0.depth >= 5 }, "ends on \(disk): \(Self.outline(layers))")
        // The lab's guest images resolve to the same disk (if the lab is there).
        if FileManager.default.fileExists(atPath: "/work/main/.lab/disks/hv-run1.qcow2") {
            let g = r.resolve(path: "/work/main/.lab/disks/hv-run1.qcow2")
            #expect(g.first?.kind == .file && g.last?.kind == .disk && g.contains { $0.device == disk })
        }
    }
}

/// Paths a resolver asked about (from any thread).
final class AskedPaths: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ p: String) { lock.withLock { list.append(p) } }
    var paths: [String] { lock.withLock { list } }
}
