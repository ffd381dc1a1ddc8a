import Glibc

/// Block device topology from a sysfs tree: devices by name or major:minor, what each is
/// built on (`slaves/`, partitions' parent disks, loop backing files) and btrfs member
/// devices (`fs/btrfs/<fsid>/devices/`).
///
/// `root` is "/sys" on a live host, or a fixture directory (copies of real trees, which may
/// hold only `block/` and `dev/block/` as util-linux's dumps do: devices are then found under
/// `block/<disk>/<partition>` too).
public struct BlockTopology: Sendable {
    public let root: String

    public init(root: String = "/sys") {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    static let attributeMaxBytes = 4096

    /// The kernel name of the block device `major:minor` (the last component of the
    /// `dev/block/<major>:<minor>` link); nil when there is none.
    public func name(major: UInt32, minor: UInt32) -> String? {
        guard let target = try? FileReader.readLink("\(root)/dev/block/\(major):\(minor)") else { return nil }
        let last = String(decoding: target, as: UTF8.self).split(separator: "/").last.map(String.init)
        return last.flatMap { $0.isEmpty || $0 == ".." ? nil : $0 }
    }

    /// True when a block device of that kernel name exists.
    public func exists(_ name: String) -> Bool { locate(name) != nil }

    /// Reads the device `name`; nil when sysfs has no such block device (it may have
    /// vanished: a hot-removed disk, a loop device detached).
    public func device(named name: String) -> SysBlockDevice? {
        guard Self.isKernelName(name), let (dir, devicePath, parent) = locate(name) else { return nil }
        var d = SysBlockDevice(name: name, devicePath: devicePath)
        if let dev = attribute(dir + "/dev") {
            let parts = dev.split(separator: ":")
            if parts.count == 2, let ma = UInt32(parts[0]), let mi = UInt32(parts[1]) {
                d.major = ma
                d.minor = mi
            }
        }
        d.isPartition = FileReader.exists(dir + "/partition")
        if d.isPartition { d.parentDisk = parent }
        d.holders = ((try? DirectoryReader.names(dir + "/holders")) ?? []).sorted()
        d.slaves = ((try? DirectoryReader.names(dir + "/slaves")) ?? []).sorted()
        d.loopBackingFile = attribute(dir + "/loop/backing_file", keepSpaces: true)
        d.dmName = attribute(dir + "/dm/name")
        d.dmUUID = attribute(dir + "/dm/uuid")
        if FileReader.exists(dir + "/md") {
            d.mdLevel = attribute(dir + "/md/level") ?? ""
            d.mdMembers = ((try? DirectoryReader.names(dir + "/md")) ?? []).filter { $0.hasPrefix("dev-") }.map {
                String($0.dropFirst(4))
            }.sorted()
        }
        return d
    }

    /// The device-mapper device whose `dm/name` is `dmName` ("vg0-root" for /dev/mapper/vg0-root).
    public func deviceMapper(named dmName: String) -> String? {
        for name in candidates() where name.hasPrefix("dm-") {
            if let dir = locate(name)?.dir, attribute(dir + "/dm/name") == dmName { return name }
        }
        return nil
    }

    /// Every btrfs filesystem under `fs/btrfs/` with its member devices (kernel names, sorted).
    /// Empty when btrfs is not loaded or no btrfs is mounted.
    public func btrfsFilesystems() -> [BtrfsMembers] {
        let base = root + "/fs/btrfs"
        guard let ids = try? DirectoryReader.names(base) else { return [] }
        var out: [BtrfsMembers] = []
        for fsid in ids.sorted() where FileReader.exists("\(base)/\(fsid)/devices") {
            let devices = ((try? DirectoryReader.names("\(base)/\(fsid)/devices")) ?? []).sorted()
            let label = attribute("\(base)/\(fsid)/label")
            out.append(BtrfsMembers(fsid: fsid, label: label?.isEmpty == false ? label : nil, devices: devices))
        }
        return out
    }

    /// The iSCSI target of a session ("iqn.2003-01.org.linux-iscsi:target1"), from
    /// `class/iscsi_session/<session>/targetname`.
    public func iscsiTarget(session: String) -> String? {
        attribute("\(root)/class/iscsi_session/\(session)/targetname")
    }

    /// Pool and image of a kernel RBD device (`bus/rbd/devices/<id>/{pool,name}`) as
    /// "pool/image"; nil when unknown.
    public func rbdImage(device name: String) -> String? {
        guard name.hasPrefix("rbd") else { return nil }
        let id = name.dropFirst(3)
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let dir = "\(root)/bus/rbd/devices/\(id)"
        guard let pool = attribute(dir + "/pool"), let image = attribute(dir + "/name") else { return nil }
        return "\(pool)/\(image)"
    }

    // MARK: - locating devices

    /// A kernel device name: no "/" and not "." or ".." (names come from files and paths).
    static func isKernelName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.utf8.contains(0)
    }

    /// Directory of the device, its device-tree path and the directory it sits in (the
    /// parent disk of a partition).
    func locate(_ name: String) -> (dir: String, devicePath: String, parent: String?)? {
        guard Self.isKernelName(name) else { return nil }
        for base in ["class/block", "block"] {
            let link = "\(root)/\(base)/\(name)"
            if let target = try? FileReader.readLink(link) {
                let t = String(decoding: target, as: UTF8.self)
                let parts = t.split(separator: "/")
                let devicePath = Self.devicePath(t)
                let parent = parts.count >= 2 ? String(parts[parts.count - 2]) : nil
                guard FileReader.exists(link) else { continue }
                return (link, devicePath, parent)
            }
            if Self.isDirectory(link) { return (link, "\(base)/\(name)", nil) }
        }
        // A partition in a tree without class/block: block/<disk>/<partition>.
        for disk in (try? DirectoryReader.names(root + "/block")) ?? [] {
            let dir = "\(root)/block/\(disk)/\(name)"
            if FileReader.exists(dir + "/partition") || FileReader.exists(dir + "/dev") && Self.isDirectory(dir) {
                let devicePath = (try? FileReader.readLink("\(root)/block/\(disk)")).map {
                    Self.devicePath(String(decoding: $0, as: UTF8.self)) + "/" + name
                }
                return (dir, devicePath ?? "block/\(disk)/\(name)", disk)
            }
        }
        return nil
    }

    /// Names of the devices to search by attribute (`class/block`, else `block`).
    func candidates() -> [String] {
        if let names = try? DirectoryReader.names(root + "/class/block") { return names.sorted() }
        return ((try? DirectoryReader.names(root + "/block")) ?? []).sorted()
    }

    /// "../../devices/x/block/sda" -> "devices/x/block/sda".
    static func devicePath(_ target: String) -> String {
        target.split(separator: "/").filter { $0 != ".." && $0 != "." }.joined(separator: "/")
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
    }

    /// A one-line attribute without its trailing newline (and, unless `keepSpaces`,
    /// surrounding spaces); nil when missing or unreadable.
    func attribute(_ path: String, keepSpaces: Bool = false) -> String? {
        guard var b = try? FileReader.read(path, maxBytes: Self.attributeMaxBytes) else { return nil }
        while let last = b.last, last == 0x0A || last == 0 || (!keepSpaces && ByteScanner.isSpace(last)) { b.removeLast() }
        var start = 0
        if !keepSpaces { while start < b.count, ByteScanner.isSpace(b[start]) { start += 1 } }
        return String(decoding: b[start...], as: UTF8.self)
    }
}

/// One btrfs filesystem's member devices (`/sys/fs/btrfs/<fsid>/devices/`).
public struct BtrfsMembers: Sendable, Equatable {
    /// Filesystem UUID (the directory name), lower case with dashes.
    public var fsid: String
    /// `label`, nil when empty.
    public var label: String?
    /// Kernel names of the member devices, sorted.
    public var devices: [String]

    public init(fsid: String, label: String? = nil, devices: [String]) {
        self.fsid = fsid
        self.label = label
        self.devices = devices
    }
}
