/// The health of one storage layer as one source sees it (an md array, a btrfs filesystem, a
/// disk's SMART verdict, a controller's logical drive, a DRBD volume, a multipath map, a ZFS
/// pool), keyed so that the storage stack of a guest disk can find it.
///
/// Each source turns its own part of the snapshot into findings (`Snapshot.storageFindings`);
/// the guest-disk roll-up matches them against the layers of each stack by `keys`. A source
/// never needs to know the stacks, and the stacks never need to know the sources.
public struct StorageFinding: Sendable, Equatable {
    /// How a finding names the thing it is about. A finding may carry several keys (a
    /// controller's physical drive: its serial and its WWN; an md array: its kernel name).
    public enum Key: Sendable, Hashable {
        /// Kernel block device name, as under /sys/class/block: "sda", "nvme0n1", "md1",
        /// "dm-3", "drbd0", "loop2", "sda2".
        case blockDevice(String)
        /// Filesystem UUID (btrfs fsid; lower case, with dashes).
        case filesystemUUID(String)
        /// World Wide Name of a disk or logical drive, lower case without "0x".
        case wwn(String)
        /// Disk serial number as udev reports it (ID_SERIAL_SHORT).
        case serial(String)
        /// ZFS pool name.
        case zpool(String)
    }

    /// How bad it is, ordered: a roll-up takes the worst.
    public enum Severity: Int, Sendable, Comparable, CaseIterable {
        /// Healthy.
        case ok = 0
        /// Works, redundancy reduced or a warning sign (degraded array, rebuilding, a disk's
        /// pending sectors, a btrfs device with errors).
        case degraded = 1
        /// Data at risk or unavailable (failed array or logical drive, SMART failed, missing
        /// device without redundancy left).
        case failed = 2

        public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }

        /// "ok", "degraded", "failed".
        public var name: String {
            switch self {
            case .ok: return "ok"
            case .degraded: return "degraded"
            case .failed: return "failed"
            }
        }
    }

    /// What the finding is about (any one matching key ties it to a layer).
    public var keys: [Key]
    /// The collector it came from: "mdraid", "btrfs", "smart", "raid_controller", "drbd",
    /// "multipath", "zfs".
    public var source: String
    /// Short name of the layer for people: "md1", "btrfs 3f0c…", "megaraid c0/v1", "drbd r0/0".
    public var layer: String
    public var severity: Severity
    /// Why, in a few words ("1 of 2 members missing", "SMART overall-health FAILED"); empty when ok.
    public var reason: String

    public init(keys: [Key], source: String, layer: String, severity: Severity, reason: String = "") {
        self.keys = keys
        self.source = source
        self.layer = layer
        self.severity = severity
        self.reason = reason
    }
}
