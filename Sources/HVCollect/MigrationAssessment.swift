import HVLibvirt
import HVModel
import HVSystem

/// What makes a guest hard to move, and what its disks' sources are, as pure functions of
/// the domain XML, the host's mounts and its storage pools (the migration collector and the
/// libvirt collector call them; `hvtop check migratable` reuses them).
public enum MigrationAssessment {
    /// Pool types whose volumes every host of the cluster sees (libvirt pool types).
    public static let sharedPoolTypes: Set<String> = ["netfs", "rbd", "iscsi", "iscsi-direct", "gluster", "sheepdog", "vstorage"]

    /// Filesystem types that are shared between hosts: network and cluster filesystems
    /// (mountinfo's type field), mapped to the family named in source identities.
    public static let sharedFilesystems: [String: String] = [
        "nfs": "nfs", "nfs4": "nfs", "cifs": "cifs", "smb3": "cifs", "glusterfs": "glusterfs",
        "fuse.glusterfs": "glusterfs", "ceph": "ceph", "fuse.ceph": "ceph", "fuse.ceph-fuse": "ceph",
        "ocfs2": "ocfs2", "gfs2": "gfs2", "lustre": "lustre", "beegfs": "beegfs",
    ]

    /// Blockers read off the domain XML and the persistent flag: passthrough devices,
    /// SR-IOV and vhost-user NICs, virtiofs, ivshmem, host-passthrough CPU, transient.
    /// A description that could not be read gives `.unknown` (not "clean").
    public static func blockers(_ desc: DomainDescription?, persistent: Bool?) -> [MigrationBlocker] {
        var out: [MigrationBlocker] = []
        if persistent == false { out.append(MigrationBlocker(.transient)) }
        guard let desc else {
            out.append(MigrationBlocker(.unknown, "domain XML could not be read"))
            return out.sorted(by: order)
        }
        for h in desc.hostDevices {
            switch h.type {
            case "pci": out.append(MigrationBlocker(.hostdevPCI, h.address))
            case "usb": out.append(MigrationBlocker(.hostdevUSB, h.address))
            case "mdev": out.append(MigrationBlocker(.mdev, h.address))
            default: out.append(MigrationBlocker(.hostdevOther, [h.type, h.address].filter { !$0.isEmpty }.joined(separator: " ")))
            }
        }
        for i in desc.interfaces {
            switch i.type {
            case "hostdev": out.append(MigrationBlocker(.sriovInterface, [i.source, i.mac].filter { !$0.isEmpty }.joined(separator: " ")))
            case "vhostuser": out.append(MigrationBlocker(.vhostUser, [i.mac, i.source].filter { !$0.isEmpty }.joined(separator: " ")))
            default: break
            }
        }
        for t in desc.virtioFilesystems { out.append(MigrationBlocker(.vhostUser, "virtiofs \(t)")) }
        for s in desc.sharedMemory { out.append(MigrationBlocker(.sharedMemory, s)) }
        if desc.cpuMode == "host-passthrough" { out.append(MigrationBlocker(.hostPassthroughCPU)) }
        return out.sorted(by: order)
    }

    static func order(_ a: MigrationBlocker, _ b: MigrationBlocker) -> Bool {
        a.reason != b.reason ? a.reason < b.reason : a.detail < b.detail
    }

    /// Where a disk's data lives, as far as this host can tell.
    public struct Locality: Sendable, Equatable {
        /// True when other hosts see the same data (network disk, shared pool, network or
        /// cluster filesystem, iSCSI/RBD block device).
        public var shared: Bool
        /// Why, in words ("nfs4 mount 10.0.0.5:/vms", "pool images (dir)", "ext4 mount /").
        public var why: String
        /// Resolved host path for file, block and volume-in-directory-pool disks.
        public var path: String?
        /// The mount holding `path`.
        public var mount: MountInfoEntry?
        /// The pool holding the disk, when known.
        public var pool: StoragePool?
    }

    /// Decides where a disk's data lives. `diskType` from the XML (file, block, network,
    /// volume, dir); nil: guessed from the source ("/..." a path, "proto:name" a network disk).
    /// `sharedPaths`: qemu.conf's `shared_filesystems`, directories declared shared.
    public static func locality(
        diskType: String?, source: String, pools: [StoragePool], mounts: MountTable?, sharedPaths: [String] = []
    ) -> Locality {
        let type = diskType ?? (source.hasPrefix("/") ? "file" : "network")
        switch type {
        case "network":
            return Locality(shared: true, why: "network disk \(source)")
        case "volume":
            let (poolName, volume) = split(source, at: "/")
            guard let pool = pools.first(where: { $0.name == poolName }) else {
                return Locality(shared: false, why: "pool \(poolName) not known on this host")
            }
            if let t = pool.type, sharedPoolTypes.contains(t) {
                return Locality(shared: true, why: "pool \(pool.name) (\(t))", pool: pool)
            }
            guard let dir = pool.targetPath, !dir.isEmpty, ["dir", "fs", "netfs"].contains(pool.type ?? "") else {
                return Locality(shared: false, why: "pool \(pool.name) (\(pool.type ?? "unknown type"))", pool: pool)
            }
            var l = locality(path: dir + "/" + volume, pools: pools, mounts: mounts, sharedPaths: sharedPaths)
            l.pool = pool
            return l
        default:
            return locality(path: source, pools: pools, mounts: mounts, sharedPaths: sharedPaths)
        }
    }

    /// Locality of a host path (file, block device, directory).
    static func locality(path: String, pools: [StoragePool], mounts: MountTable?, sharedPaths: [String] = []) -> Locality {
        if let dir = sharedPaths.first(where: { d in
            let d = d.hasSuffix("/") && d.count > 1 ? String(d.dropLast()) : d
            return path == d || path.hasPrefix(d + "/")
        }) {
            var l = Locality(shared: true, why: "declared shared in qemu.conf shared_filesystems (\(dir))", path: path)
            l.mount = mounts?.mount(containing: path)
            return l
        }
        if let pool = pools.first(where: { p in
            guard let t = p.targetPath, !t.isEmpty, t != "/" else { return false }
            return path.hasPrefix(t.hasSuffix("/") ? t : t + "/")
        }), let t = pool.type, sharedPoolTypes.contains(t) {
            return Locality(shared: true, why: "pool \(pool.name) (\(t))", path: path, pool: pool)
        }
        if path.hasPrefix("/dev/") {
            if path.hasPrefix("/dev/rbd") || path.contains("-iscsi-") || path.hasPrefix("/dev/disk/by-path/ip-") {
                return Locality(shared: true, why: "network block device \(path)", path: path)
            }
            return Locality(shared: false, why: "local block device \(path)", path: path)
        }
        guard let m = mounts?.mount(containing: path) else {
            return Locality(shared: false, why: "no mount known for \(path)", path: path)
        }
        if sharedFilesystems[m.fsType] != nil {
            return Locality(shared: true, why: "\(m.fsType) mount \(m.source)", path: path, mount: m)
        }
        return Locality(shared: false, why: "\(m.fsType) mount \(m.mountPoint)", path: path, mount: m)
    }

    /// What `stat(2)` says of a path, for identities.
    public struct FileStat: Sendable, Equatable {
        public var device: UInt64
        public var inode: UInt64
        /// For block devices: the device number it is (`st_rdev`); nil for files.
        public var blockDevice: (major: UInt32, minor: UInt32)?

        public init(device: UInt64, inode: UInt64, blockDevice: (major: UInt32, minor: UInt32)? = nil) {
            self.device = device
            self.inode = inode
            self.blockDevice = blockDevice
        }

        public static func == (a: FileStat, b: FileStat) -> Bool {
            a.device == b.device && a.inode == b.inode && a.blockDevice?.major == b.blockDevice?.major
                && a.blockDevice?.minor == b.blockDevice?.minor
        }
    }

    /// A disk source's identity, the same on every host that sees the same data (see
    /// `BlockDevice.sourceIdentity`). `stat` is asked only for paths on local filesystems
    /// and block devices (never on a network filesystem, where it could hang); `wwn` maps a
    /// block device number to its WWN when the host knows one.
    public static func identity(
        diskType: String?, source: String, locality l: Locality,
        stat: (String) -> FileStat?, wwn: (UInt32, UInt32) -> String?
    ) -> String? {
        guard !source.isEmpty else { return nil }
        let type = diskType ?? (source.hasPrefix("/") ? "file" : "network")
        if type == "network" { return source.contains(":") ? source : "network:\(source)" }
        if type == "volume", l.path == nil {
            let (poolName, volume) = split(source, at: "/")
            if let pool = l.pool, pool.type == "rbd", let name = pool.source, !name.isEmpty { return "rbd:\(name)/\(volume)" }
            // netfs: the pool's "server:/export" (as an NFS mount's source reads).
            if let pool = l.pool, pool.type == "netfs", let src = pool.source, !src.isEmpty {
                return "nfs:\(src)\(src.hasSuffix("/") ? "" : "/")\(volume)"
            }
            return "volume:\(poolName)/\(volume)"
        }
        guard let path = l.path else { return nil }
        if let m = l.mount, let family = sharedFilesystems[m.fsType], family != "ocfs2", family != "gfs2" {
            var rel = String(path.dropFirst(m.mountPoint == "/" ? 0 : m.mountPoint.utf8.count))
            if m.root != "/" { rel = m.root + rel }
            return "\(family):\(m.source)\(rel.hasPrefix("/") ? rel : "/" + rel)"
        }
        guard let st = stat(path) else { return nil }
        if let b = st.blockDevice {
            if let w = wwn(b.major, b.minor), !w.isEmpty { return "block:\(w)" }
            return "block:\(b.major):\(b.minor)"
        }
        if let m = l.mount, let family = sharedFilesystems[m.fsType] {
            // Cluster filesystem: the inode is the same on every host, the device number not.
            return "\(family):\(m.source):\(st.inode)"
        }
        return "file:\(st.device):\(st.inode)"
    }

    /// The storage blockers of a guest: disks and media on local storage.
    public static func storageBlockers(
        _ g: Guest, pools: [StoragePool], mounts: MountTable?, sharedPaths: [String] = []
    ) -> [MigrationBlocker] {
        var out: [MigrationBlocker] = []
        for d in g.blockDevices where !d.source.isEmpty {
            let l = locality(diskType: d.diskType, source: d.source, pools: pools, mounts: mounts, sharedPaths: sharedPaths)
            guard !l.shared else { continue }
            let media = d.device == "cdrom" || d.device == "floppy"
            out.append(MigrationBlocker(media ? .localMedia : .localDisk, "\(d.target) \(d.source)"))
        }
        return out
    }

    static func split(_ s: String, at sep: Character) -> (String, String) {
        guard let i = s.firstIndex(of: sep) else { return (s, "") }
        return (String(s[..<i]), String(s[s.index(after: i)...]))
    }
}
