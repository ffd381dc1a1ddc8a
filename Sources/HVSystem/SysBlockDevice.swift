/// One block device as sysfs describes it (`/sys/class/block/<name>`): what it is and which
/// devices sit under it. Read with `BlockTopology.device(named:)`.
public struct SysBlockDevice: Sendable, Equatable {
    /// Kernel name: "sda", "sda1", "nvme0n1p3", "dm-0", "md1", "loop2".
    public var name: String
    /// `dev`: major and minor number; nil when the file is missing or unreadable.
    public var major: UInt32?
    public var minor: UInt32?
    /// Where the device lives in the device tree, relative to the sysfs root
    /// ("devices/virtual/block/loop0", "devices/pci0000:00/.../block/sda/sda1"); "" when the
    /// device was found without a link (a partial fixture tree).
    public var devicePath: String
    /// True for a partition (a `partition` file is present).
    public var isPartition: Bool
    /// The whole disk holding a partition ("sda" for "sda1", "nvme0n1" for "nvme0n1p3").
    public var parentDisk: String?
    /// `holders/`: devices built on this one (dm, md, bcache), by kernel name.
    public var holders: [String]
    /// `slaves/`: devices this one is built on, by kernel name, sorted.
    public var slaves: [String]
    /// `loop/backing_file` of a loop device, as the kernel prints it (a file that was
    /// deleted since ends in " (deleted)").
    public var loopBackingFile: String?
    /// `dm/name` and `dm/uuid` of a device-mapper device ("vg0-root", "LVM-<vg uuid><lv uuid>",
    /// "CRYPT-LUKS2-...", "mpath-3600...").
    public var dmName: String?
    public var dmUUID: String?
    /// `md/level` of an md array ("raid1"); nil when not an md device.
    public var mdLevel: String?
    /// The md members named by `md/dev-*` (for sysfs copies that lack `slaves/`), sorted.
    public var mdMembers: [String]

    public init(name: String, devicePath: String = "") {
        self.name = name
        self.devicePath = devicePath
        self.isPartition = false
        self.holders = []
        self.slaves = []
        self.mdMembers = []
    }

    /// True for an md array.
    public var isMD: Bool { mdLevel != nil || name.hasPrefix("md") && !mdMembers.isEmpty }
    /// True for a device-mapper device.
    public var isDM: Bool { dmName != nil || dmUUID != nil }

    /// The iSCSI session the device belongs to ("session3"), from its place in the device
    /// tree (`.../host3/session3/target3:0:0/...`); nil for local devices.
    public var iscsiSession: String? {
        for c in devicePath.split(separator: "/") where c.hasPrefix("session") {
            let n = c.dropFirst("session".count)
            if !n.isEmpty, n.allSatisfy({ $0.isASCII && $0.isNumber }) { return String(c) }
        }
        return nil
    }
}
