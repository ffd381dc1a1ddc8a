import Glibc

/// What a storage layer is.
public enum StorageLayerKind: String, Sendable, Equatable, CaseIterable {
    /// A file (a disk image, a loop device's backing file).
    case file
    /// A mounted filesystem (ext4, xfs, tmpfs...), or the directory a container's root is.
    case filesystem
    /// A partition of a disk.
    case partition
    /// A device-mapper device that is not LVM (crypt, multipath, others).
    case dm
    /// An LVM logical volume (device-mapper with an "LVM-" UUID).
    case lvm
    /// A Linux md array.
    case md
    /// A loop device.
    case loop
    /// A btrfs filesystem spanning its member devices.
    case btrfs
    /// A whole disk (or a device with nothing known under it).
    case disk
    /// Storage over the network (NFS, CIFS, Ceph/RBD, GlusterFS, iSCSI, NBD): the stack ends.
    case network
    /// A ZFS dataset (its pool is the layer's `zpool`).
    case zfs
    /// A DRBD device (its backing device is not in sysfs).
    case drbd
    /// Could not be resolved (see the layer's `problem`).
    case unknown
}

/// One layer of a resolved storage stack. Layers come in depth-first order; `depth` says how
/// far below the top each is (a layer's lower layers follow it with `depth + 1`).
public struct ResolvedStorageLayer: Sendable, Equatable {
    public var kind: StorageLayerKind
    /// Kernel block device name ("sda", "dm-0", "md1", "loop0"); "" for layers that are not a
    /// block device (file, filesystem, btrfs, network, zfs).
    public var device: String
    /// What it is, for people: the file path, "ext4 /dev/vda on /", "vg0-root", "raid1",
    /// "nfs4 server:/export"...
    public var detail: String
    /// 0 for the top layer.
    public var depth: Int
    /// btrfs filesystem UUID (fsid).
    public var filesystemUUID: String?
    /// ZFS pool name.
    public var zpool: String?
    /// Why the walk stopped here when it could not go on ("backing file deleted", "device
    /// vanished", "cycle"); nil otherwise.
    public var problem: String?

    public init(
        kind: StorageLayerKind, device: String = "", detail: String, depth: Int, filesystemUUID: String? = nil,
        zpool: String? = nil, problem: String? = nil
    ) {
        self.kind = kind
        self.device = device
        self.detail = detail
        self.depth = depth
        self.filesystemUUID = filesystemUUID
        self.zpool = zpool
        self.problem = problem
    }
}

/// Resolves a path (a disk image, a block device) or a mount down to the devices under it:
/// file -> mounted filesystem -> block device -> partitions, dm/LVM, md, loop (-> backing
/// file -> again), btrfs members -> whole disks. Network storage ends the stack as a
/// `network` layer naming the source.
///
/// Reads the mount table given (`mounts`, the host's `/proc/self/mountinfo`) and the sysfs
/// tree of `topology`; `inspect` tells what a path is on the file system (live: `stat(2)`,
/// `StoragePathFact.live`; tests: a table). It never runs a program. Guards: a device or
/// file met again on the same chain ends it ("cycle"), as do more than `maxDepth` levels
/// and more than `maxLayers` layers.
public struct StorageStackResolver: Sendable {
    public let topology: BlockTopology
    public let mounts: MountTable
    public let inspect: @Sendable (String) -> StoragePathFact
    public var maxDepth = 24
    public var maxLayers = 256
    let btrfs: [BtrfsMembers]

    public init(
        topology: BlockTopology, mounts: MountTable,
        inspect: @escaping @Sendable (String) -> StoragePathFact = StoragePathFact.live
    ) {
        self.topology = topology
        self.mounts = mounts
        self.inspect = inspect
        self.btrfs = topology.btrfsFilesystems()
    }

    /// Filesystem types whose data is elsewhere on the network: the stack ends there.
    public static let networkFilesystems: Set<String> = [
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "fuse.glusterfs", "fuse.cephfs", "fuse.sshfs",
        "9p", "lustre", "afs", "ocfs2_dlmfs", "fuse.s3fs", "fuse.rclone", "davfs", "fuse.davfs",
    ]

    /// The stack under `path`: a disk image or other file, a block device node ("/dev/sdb",
    /// "/dev/mapper/vg0-vm1", "/dev/vg0/vm1") or a directory.
    public func resolve(path: String) -> [ResolvedStorageLayer] {
        var walk = Walk(limit: maxLayers)
        resolvePath(path, depth: 0, &walk)
        return walk.layers
    }

    /// The stack under a mount (a container's root as its own mount table shows it): the
    /// filesystem layer, then what it is on.
    public func resolve(mount: MountInfoEntry) -> [ResolvedStorageLayer] {
        var walk = Walk(limit: maxLayers)
        resolveMount(mount, depth: 0, &walk)
        return walk.layers
    }

    /// The stack under the block device `name`.
    public func resolve(device name: String) -> [ResolvedStorageLayer] {
        var walk = Walk(limit: maxLayers)
        resolveDevice(name, depth: 0, &walk)
        return walk.layers
    }

    /// A network source ("rbd:pool/image", "iscsi://host/iqn", "nfs://server/export"): one
    /// network layer.
    public static func network(_ detail: String) -> [ResolvedStorageLayer] {
        [ResolvedStorageLayer(kind: .network, detail: detail, depth: 0)]
    }

    struct Walk {
        var layers: [ResolvedStorageLayer] = []
        /// Devices and paths on the chain from the top to the current layer.
        var chain: Set<String> = []
        let limit: Int
        var full: Bool { layers.count >= limit }
        init(limit: Int) { self.limit = limit }
    }

    // MARK: - paths

    func resolvePath(_ raw: String, depth: Int, _ w: inout Walk) {
        guard guardStep("path:" + raw, depth: depth, &w) else { return }
        defer { w.chain.remove("path:" + raw) }
        let path = StoragePath.normalize(raw)
        let lexical = mounts.mount(containing: path)
        // No stat(2) of a path on a network filesystem: a dead server would hang it.
        if let m = lexical, Self.networkFilesystems.contains(m.fsType) {
            w.layers.append(ResolvedStorageLayer(kind: .file, detail: path, depth: depth))
            resolveMount(m, depth: depth + 1, &w)
            return
        }
        switch inspect(path) {
        case .blockDevice(let major, let minor):
            guard let name = topology.name(major: major, minor: minor) else {
                w.layers.append(
                    ResolvedStorageLayer(
                        kind: .unknown, detail: path, depth: depth, problem: "block device \(major):\(minor) not in sysfs"))
                return
            }
            resolveDevice(name, depth: depth, &w)
        case .file(let major, let minor):
            w.layers.append(ResolvedStorageLayer(kind: .file, detail: path, depth: depth))
            let same = mounts.entries.filter { $0.major == major && $0.minor == minor }
            var m = lexical ?? same.first
            if let l = lexical, !same.isEmpty, !same.contains(where: { $0.mountID == l.mountID }) {
                // A symbolic link led elsewhere: the filesystem holding the file wins.
                m = same.first { $0.root == "/" } ?? same[0]
            }
            if let m {
                resolveMount(m, depth: depth + 1, &w)
            } else {
                w.layers.append(
                    ResolvedStorageLayer(kind: .unknown, detail: "\(major):\(minor)", depth: depth + 1, problem: "no mount"))
            }
        case .missing:
            w.layers.append(ResolvedStorageLayer(kind: .file, detail: path, depth: depth, problem: "not found"))
        case .unknown:
            if path.hasPrefix("/dev/"), let name = deviceName(forDevPath: path) {
                resolveDevice(name, depth: depth, &w)
                return
            }
            w.layers.append(ResolvedStorageLayer(kind: .file, detail: path, depth: depth))
            if let m = lexical {
                resolveMount(m, depth: depth + 1, &w)
            } else {
                w.layers.append(ResolvedStorageLayer(kind: .unknown, detail: path, depth: depth + 1, problem: "no mount"))
            }
        }
    }

    /// A kernel device name for a /dev path without asking the file system: "/dev/sdb",
    /// "/dev/mapper/<dm name>", "/dev/<vg>/<lv>" (dm name "<vg>-<lv>" with '-' doubled),
    /// "/dev/cciss/c0d0" ("cciss!c0d0").
    func deviceName(forDevPath path: String) -> String? {
        let rest = String(path.dropFirst("/dev/".count))
        let parts = rest.split(separator: "/").map(String.init)
        if parts.count == 1, topology.exists(parts[0]) { return parts[0] }
        if parts.count == 2, parts[0] == "mapper" { return topology.deviceMapper(named: parts[1]) }
        if parts.count == 2 {
            let bang = parts.joined(separator: "!")
            if topology.exists(bang) { return bang }
            let esc = { (s: String) in s.replacingAll("-", with: "--") }
            return topology.deviceMapper(named: esc(parts[0]) + "-" + esc(parts[1]))
        }
        return nil
    }

    // MARK: - mounts

    func resolveMount(_ m: MountInfoEntry, depth: Int, _ w: inout Walk) {
        guard guardStep("mount:\(m.mountID):\(m.root)", depth: depth, &w) else { return }
        defer { w.chain.remove("mount:\(m.mountID):\(m.root)") }
        var what = m.fsType
        if !m.source.isEmpty { what += " " + m.source }
        what += " on " + m.mountPoint
        if m.root != "/" { what += " (" + m.root + ")" }

        if Self.networkFilesystems.contains(m.fsType) {
            w.layers.append(ResolvedStorageLayer(kind: .network, detail: "\(m.fsType) \(m.source)", depth: depth))
            return
        }
        if m.fsType == "zfs" {
            let pool = m.source.split(separator: "/").first.map(String.init) ?? m.source
            w.layers.append(ResolvedStorageLayer(kind: .zfs, detail: what, depth: depth, zpool: pool))
            return
        }
        if m.fsType == "btrfs" {
            resolveBtrfs(m, what: what, depth: depth, &w)
            return
        }
        w.layers.append(ResolvedStorageLayer(kind: .filesystem, detail: what, depth: depth))
        if m.fsType == "overlay", let upper = m.superOption("upperdir") {
            resolvePath(upper, depth: depth + 1, &w)
            return
        }
        if m.major != 0 {
            if let name = topology.name(major: m.major, minor: m.minor) {
                resolveDevice(name, depth: depth + 1, &w)
            } else if let name = sourceDevice(m.source) {
                resolveDevice(name, depth: depth + 1, &w)
            } else {
                w.layers.append(
                    ResolvedStorageLayer(
                        kind: .unknown, detail: "\(m.major):\(m.minor)", depth: depth + 1,
                        problem: "block device \(m.major):\(m.minor) not in sysfs"))
            }
        } else if let name = sourceDevice(m.source) {
            resolveDevice(name, depth: depth + 1, &w)
        }
        // Otherwise a filesystem without a device (tmpfs, proc): the stack ends here.
    }

    /// A kernel device name from a mount source ("/dev/sda1", "/dev/mapper/x").
    func sourceDevice(_ source: String) -> String? {
        guard source.hasPrefix("/dev/") else { return nil }
        return deviceName(forDevPath: StoragePath.normalize(source))
    }

    func resolveBtrfs(_ m: MountInfoEntry, what: String, depth: Int, _ w: inout Walk) {
        let first = sourceDevice(m.source)
        let fs = first.flatMap { d in btrfs.first { $0.devices.contains(d) } }
        guard let fs else {
            w.layers.append(
                ResolvedStorageLayer(
                    kind: .btrfs, detail: what, depth: depth,
                    problem: first == nil ? "source device unknown" : "not in /sys/fs/btrfs"))
            if let first { resolveDevice(first, depth: depth + 1, &w) }
            return
        }
        var detail = what
        if let label = fs.label { detail += " label " + label }
        w.layers.append(ResolvedStorageLayer(kind: .btrfs, detail: detail, depth: depth, filesystemUUID: fs.fsid))
        for d in fs.devices { resolveDevice(d, depth: depth + 1, &w) }
    }

    // MARK: - block devices

    func resolveDevice(_ name: String, depth: Int, _ w: inout Walk) {
        guard guardStep("dev:" + name, depth: depth, &w) else { return }
        defer { w.chain.remove("dev:" + name) }
        guard let d = topology.device(named: name) else {
            w.layers.append(ResolvedStorageLayer(kind: .unknown, device: name, detail: name, depth: depth, problem: "device vanished"))
            return
        }
        if let backing = d.loopBackingFile {
            let deleted = backing.hasSuffix(" (deleted)")
            let file = deleted ? String(backing.dropLast(" (deleted)".count)) : backing
            w.layers.append(ResolvedStorageLayer(kind: .loop, device: name, detail: file, depth: depth))
            if deleted {
                w.layers.append(ResolvedStorageLayer(kind: .file, detail: file, depth: depth + 1, problem: "backing file deleted"))
            } else if !file.isEmpty {
                resolvePath(file, depth: depth + 1, &w)
            }
            return
        }
        if name.hasPrefix("loop"), d.slaves.isEmpty, !d.isPartition {
            w.layers.append(ResolvedStorageLayer(kind: .loop, device: name, detail: "", depth: depth, problem: "no backing file"))
            return
        }
        if d.isPartition {
            var detail = "partition"
            if let p = d.parentDisk { detail += " of " + p }
            w.layers.append(ResolvedStorageLayer(kind: .partition, device: name, detail: detail, depth: depth))
            if let p = d.parentDisk { resolveDevice(p, depth: depth + 1, &w) }
            return
        }
        if d.isDM {
            let uuid = d.dmUUID ?? ""
            let kind: StorageLayerKind = uuid.hasPrefix("LVM-") ? .lvm : .dm
            var detail = d.dmName ?? name
            if kind == .dm, let dash = uuid.firstIndex(of: "-") {
                let target = uuid[..<dash].lowercased()
                if !target.isEmpty { detail += " (" + target + ")" }
            }
            w.layers.append(ResolvedStorageLayer(kind: kind, device: name, detail: detail, depth: depth))
            for s in d.slaves { resolveDevice(s, depth: depth + 1, &w) }
            return
        }
        if d.isMD {
            let level = d.mdLevel.flatMap { $0.isEmpty ? nil : $0 } ?? "md"
            w.layers.append(ResolvedStorageLayer(kind: .md, device: name, detail: level, depth: depth))
            for s in d.slaves.isEmpty ? d.mdMembers : d.slaves { resolveDevice(s, depth: depth + 1, &w) }
            return
        }
        if !d.slaves.isEmpty {
            w.layers.append(ResolvedStorageLayer(kind: .unknown, device: name, detail: "stacked device", depth: depth))
            for s in d.slaves { resolveDevice(s, depth: depth + 1, &w) }
            return
        }
        if name.hasPrefix("drbd") {
            w.layers.append(ResolvedStorageLayer(kind: .drbd, device: name, detail: "drbd", depth: depth))
            return
        }
        if let image = topology.rbdImage(device: name) {
            w.layers.append(ResolvedStorageLayer(kind: .network, device: name, detail: "rbd " + image, depth: depth))
            return
        }
        if name.hasPrefix("rbd") || name.hasPrefix("nbd") {
            w.layers.append(ResolvedStorageLayer(kind: .network, device: name, detail: String(name.prefix(3)), depth: depth))
            return
        }
        if let session = d.iscsiSession {
            let target = topology.iscsiTarget(session: session).map { " " + $0 } ?? ""
            w.layers.append(ResolvedStorageLayer(kind: .network, device: name, detail: "iscsi \(session)\(target)", depth: depth))
            return
        }
        w.layers.append(ResolvedStorageLayer(kind: .disk, device: name, detail: "disk", depth: depth))
    }

    /// Checks the guards before a step; false (and a layer saying why) when it must not go on.
    func guardStep(_ key: String, depth: Int, _ w: inout Walk) -> Bool {
        if w.full { return false }
        if depth > maxDepth {
            w.layers.append(ResolvedStorageLayer(kind: .unknown, detail: key, depth: depth, problem: "stack deeper than \(maxDepth)"))
            return false
        }
        if w.chain.contains(key) {
            w.layers.append(ResolvedStorageLayer(kind: .unknown, detail: key, depth: depth, problem: "cycle"))
            return false
        }
        w.chain.insert(key)
        return true
    }
}

/// What a path is on the file system, for the resolver.
public enum StoragePathFact: Sendable, Equatable {
    /// A block device node with this device number.
    case blockDevice(major: UInt32, minor: UInt32)
    /// Anything else (file, directory) on the filesystem with this `st_dev`.
    case file(major: UInt32, minor: UInt32)
    /// The path does not exist.
    case missing
    /// Not known (fixture trees; a path that could not be checked): the resolver goes by the
    /// path alone.
    case unknown

    /// `stat(2)` of `path` (follows symbolic links). Not for paths on network filesystems
    /// (the resolver never asks for those).
    @Sendable public static func live(_ path: String) -> StoragePathFact {
        var st = Glibc.stat()
        if statPath(path, &st) != 0 {
            let e = errno
            return e == ENOENT || e == ENOTDIR ? .missing : .unknown
        }
        if st.st_mode & S_IFMT == S_IFBLK {
            let (ma, mi) = split(UInt64(st.st_rdev))
            return .blockDevice(major: ma, minor: mi)
        }
        let (ma, mi) = split(UInt64(st.st_dev))
        return .file(major: ma, minor: mi)
    }

    /// glibc's `major()`/`minor()` of a `dev_t`.
    static func split(_ dev: UInt64) -> (UInt32, UInt32) {
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
        let minor = (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff))
        return (UInt32(truncatingIfNeeded: major), UInt32(truncatingIfNeeded: minor))
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}

/// `stat(2)` (a free function: inside `StoragePathFact` the name means the struct).
private func statPath(_ path: String, _ st: inout Glibc.stat) -> Int32 { stat(path, &st) }
