/// A mounted btrfs filesystem, from `/sys/fs/btrfs/<fsid>/`, the BTRFS_IOC_DEV_INFO and
/// BTRFS_IOC_SCRUB_PROGRESS ioctls on one of its mounts, and the last scrub btrfs-progs
/// recorded (`/var/lib/btrfs/scrub.status.<fsid>`). Sizes are bytes.
public struct BtrfsFilesystem: Sendable, Equatable {
    /// Filesystem UUID (fsid), lower case with dashes.
    public var uuid: String
    /// Filesystem label; nil when none.
    public var label: String?
    /// A mount point of it (the first in the mount table); nil when none was found, and then
    /// device names, sizes and scrub progress are unknown.
    public var mountPoint: String?
    /// Space per block-group type ("data", "metadata", "system"; "mixed" on mixed filesystems).
    public var allocation: [BtrfsAllocation]
    /// One entry per device id, present or missing, by id.
    public var devices: [BtrfsDevice]
    /// `exclusive_operation`: "none", "balance", "balance paused", "device add", "device
    /// remove", "device replace", "resize", "swap activate"; nil on kernels before 5.10.
    public var exclusiveOperation: String?
    /// Whether a scrub runs now (BTRFS_IOC_SCRUB_PROGRESS on any device); nil when unknown
    /// (no mount point, or the ioctl was refused).
    public var scrubRunning: Bool?
    /// The last scrub btrfs-progs recorded; nil when none is on record.
    public var lastScrub: BtrfsScrubResult?
    /// Why part of this filesystem could not be read (the rest is kept).
    public var error: String?

    public init(uuid: String) {
        self.uuid = uuid
        self.allocation = []
        self.devices = []
    }

    /// Whether a balance is running (paused is not running).
    public var balanceRunning: Bool? { exclusiveOperation.map { $0 == "balance" } }

    /// Device ids the filesystem has but that are not there.
    public var missingDevices: Int { devices.filter(\.missing).count }

    /// The profiles with space of one block-group type, e.g. ["raid1"] or ["raid1", "single"]
    /// after writes on a degraded raid1.
    public func profiles(_ type: String) -> [String] {
        allocation.first { $0.type == type }?.profiles.filter { ($0.totalBytes ?? 0) > 0 }.map(\.name) ?? []
    }

    /// How many devices may go missing before some chunks have no copy left: the least over
    /// the profiles in use (single, dup, raid0: 0; raid1, raid10, raid5: 1; raid1c3, raid6: 2;
    /// raid1c4: 3). nil when no profile is known.
    public var toleratedMissingDevices: Int? {
        let used = allocation.flatMap { a in a.profiles.filter { ($0.totalBytes ?? 0) > 0 }.map(\.name) }
        return used.compactMap(Self.toleratedFailures).min()
    }

    /// Device failures a profile survives; nil for a name this code does not know.
    public static func toleratedFailures(_ profile: String) -> Int? {
        switch profile {
        case "single", "dup", "raid0": return 0
        case "raid1", "raid10", "raid5": return 1
        case "raid1c3", "raid6": return 2
        case "raid1c4": return 3
        default: return nil
        }
    }
}

/// Space of one block-group type, bytes.
public struct BtrfsAllocation: Sendable, Equatable {
    /// "data", "metadata", "system" or "mixed".
    public var type: String
    /// Space allocated to chunks of this type, one copy (`total_bytes`).
    public var totalBytes: UInt64?
    /// Of that, used, one copy (`bytes_used`).
    public var usedBytes: UInt64?
    /// Raw device space allocated, all copies (`disk_total`).
    public var diskTotalBytes: UInt64?
    /// Raw device space used, all copies (`disk_used`).
    public var diskUsedBytes: UInt64?
    /// Profiles with chunks of this type, by name.
    public var profiles: [BtrfsProfileSpace]

    public init(type: String) {
        self.type = type
        self.profiles = []
    }
}

/// Space in one profile of one block-group type, one copy, bytes.
public struct BtrfsProfileSpace: Sendable, Equatable {
    /// "single", "dup", "raid0", "raid1", "raid1c3", "raid1c4", "raid10", "raid5", "raid6".
    public var name: String
    public var totalBytes: UInt64?
    public var usedBytes: UInt64?

    public init(name: String, totalBytes: UInt64? = nil, usedBytes: UInt64? = nil) {
        self.name = name
        self.totalBytes = totalBytes
        self.usedBytes = usedBytes
    }
}

/// One device of a btrfs filesystem.
public struct BtrfsDevice: Sendable, Equatable {
    /// Device id within the filesystem (1, 2, ...).
    public var devid: UInt64
    /// Kernel block device name ("sda2", "loop0", "dm-3"); nil when missing or unknown.
    public var device: String?
    /// Known to the filesystem but not there.
    public var missing: Bool
    /// The target of a running `btrfs replace`.
    public var replaceTarget: Bool?
    /// Size of the device in the filesystem, bytes (BTRFS_IOC_DEV_INFO).
    public var sizeBytes: UInt64?
    /// Bytes of it allocated to chunks.
    public var usedBytes: UInt64?
    /// The persistent error counters; nil when neither sysfs nor the ioctl told.
    public var errors: BtrfsDeviceErrors?
    /// Why part of this device could not be read.
    public var error: String?

    public init(devid: UInt64, device: String? = nil, missing: Bool = false) {
        self.devid = devid
        self.device = device
        self.missing = missing
    }
}

/// The five error counters of a btrfs device, counted since the last `btrfs device stats -z`.
public struct BtrfsDeviceErrors: Sendable, Equatable {
    public var write: UInt64
    public var read: UInt64
    public var flush: UInt64
    /// Checksum or metadata verification failures.
    public var corruption: UInt64
    /// Blocks with an unexpected generation (lost writes).
    public var generation: UInt64

    public init(write: UInt64 = 0, read: UInt64 = 0, flush: UInt64 = 0, corruption: UInt64 = 0, generation: UInt64 = 0) {
        self.write = write
        self.read = read
        self.flush = flush
        self.corruption = corruption
        self.generation = generation
    }

    /// The counters with the `type` label values of `hv_btrfs_device_errors_total`.
    public var byType: [(type: String, count: UInt64)] {
        [("write", write), ("read", read), ("flush", flush), ("corruption", corruption), ("generation", generation)]
    }

    /// Whether any counter is above zero.
    public var any: Bool { byType.contains { $0.count > 0 } }
}

/// The last scrub of a filesystem as btrfs-progs recorded it (summed over its devices).
public struct BtrfsScrubResult: Sendable, Equatable {
    /// Start, seconds since the Unix epoch.
    public var startSeconds: Double?
    /// How long it ran, seconds.
    public var durationSeconds: Double?
    /// Ran to its end on every device.
    public var finished: Bool
    /// Canceled on some device.
    public var canceled: Bool
    /// Read, checksum, verify and superblock errors found.
    public var errorsFound: UInt64
    /// Errors repaired from another copy.
    public var correctedErrors: UInt64
    /// Errors that could not be repaired.
    public var uncorrectableErrors: UInt64

    public init(
        startSeconds: Double? = nil, durationSeconds: Double? = nil, finished: Bool, canceled: Bool,
        errorsFound: UInt64, correctedErrors: UInt64, uncorrectableErrors: UInt64
    ) {
        self.startSeconds = startSeconds
        self.durationSeconds = durationSeconds
        self.finished = finished
        self.canceled = canceled
        self.errorsFound = errorsFound
        self.correctedErrors = correctedErrors
        self.uncorrectableErrors = uncorrectableErrors
    }
}
