import Glibc
import HVModel
import HVSystem

/// Migration safety ("migration" collector): per guest, the disks and media on local
/// storage (added to the blockers the libvirt collector read off the domain XML) and each
/// disk's source identity (the same on every host that sees the same storage, for the
/// split-brain alerts); libvirt's lock manager from qemu.conf.
///
/// Local or shared comes from the host: a disk on a network or cluster filesystem (mount
/// table), in a pool of a shared type (netfs, rbd, iscsi, gluster...), or a network disk is
/// shared; everything else is local. `stat(2)` is called only on paths of local
/// filesystems and on block devices, never on a network filesystem (a dead NFS server would
/// hang it). Runs after the libvirt and pool collectors; no libvirt call of its own.
public struct MigrationCollector: Collector {
    public let name = "migration"
    let sysfs: String
    /// libvirt's qemu.conf (`--path.libvirt-qemu-conf`).
    public let qemuConf: String
    let paths: PathCheck
    /// qemu.conf and the mount table, read again only when they changed.
    let conf: LibvirtQemuConf.Watch
    let mounts: MountTableWatch

    public init(procfs: String = "/proc", sysfs: String = "/sys", qemuConf: String = "/etc/libvirt/qemu.conf") {
        self.sysfs = sysfs
        self.qemuConf = qemuConf
        self.paths = PathCheck(collector: "migration", [.procfs(procfs)])
        self.conf = LibvirtQemuConf.Watch(path: qemuConf)
        self.mounts = MountTableWatch(procfs: procfs)
    }

    public static var reads: [CollectorInput] { [.optional(.libvirtDomains), .optional(.storagePools)] }
    public static var fills: Set<SnapshotPart> { [.migrationSafety] }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        try paths.verify()
        let conf = try self.conf.current()
        snapshot.lockManager = conf.lockManager
        let mounts = try self.mounts.current()
        let pools = snapshot.storagePools
        for gi in snapshot.guests.indices where snapshot.guests[gi].kind == .vm && snapshot.guests[gi].listedByLibvirt {
            var g = snapshot.guests[gi]
            for di in g.blockDevices.indices {
                let d = g.blockDevices[di]
                guard !d.source.isEmpty else { continue }
                let l = MigrationAssessment.locality(
                    diskType: d.diskType, source: d.source, pools: pools, mounts: mounts, sharedPaths: conf.sharedFilesystems)
                g.blockDevices[di].sourceIdentity = MigrationAssessment.identity(
                    diskType: d.diskType, source: d.source, locality: l, stat: Self.fileStat, wwn: wwn)
            }
            if var b = g.migrationBlockers {
                b += MigrationAssessment.storageBlockers(g, pools: pools, mounts: mounts, sharedPaths: conf.sharedFilesystems)
                g.migrationBlockers = b.sorted(by: MigrationAssessment.order)
            }
            snapshot.guests[gi] = g
        }
    }

    /// `stat(2)` of a path: device and inode, and the device number of a block device.
    static func fileStat(_ path: String) -> MigrationAssessment.FileStat? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        var f = MigrationAssessment.FileStat(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        if (st.st_mode & S_IFMT) == S_IFBLK {
            // glibc's gnu_dev_major/minor (macros Swift cannot import).
            let r = UInt64(st.st_rdev)
            let major = UInt32(truncatingIfNeeded: ((r >> 8) & 0xfff) | ((r >> 32) & ~UInt64(0xfff)))
            let minor = UInt32(truncatingIfNeeded: (r & 0xff) | ((r >> 12) & ~UInt64(0xff)))
            f.blockDevice = (major, minor)
        }
        return f
    }

    /// The WWN (or other world-wide id) sysfs gives a block device: `wwid` of the device or
    /// of its SCSI device.
    func wwn(_ major: UInt32, _ minor: UInt32) -> String? {
        let base = "\(sysfs)/dev/block/\(major):\(minor)"
        for p in [base + "/wwid", base + "/device/wwid"] {
            if let b = try? FileReader.read(p, maxBytes: 512) {
                let s = String(decoding: b, as: UTF8.self).trimmingWhitespace()
                if !s.isEmpty { return s }
            }
        }
        return nil
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    fileprivate func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\n" || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\n" || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
