/// One md array as `/sys/block/<md>/md/` describes it (Documentation/admin-guide/md.rst).
///
/// Attributes a level or state does not have are nil: raid0/linear and inactive arrays have no
/// `sync_action`, `degraded`, `mismatch_cnt`, `sync_completed` or `sync_speed`.
/// Read with `MDSysfsArray.read(sysRoot:device:)`; each value goes through a pure parser in
/// `MDSysfsAttribute`.
public struct MDSysfsArray: Sendable, Equatable {
    /// Device name, e.g. "md0".
    public var device: String
    /// `level`: "raid1", "linear", "container"...; nil when the file is empty (no level yet).
    public var level: String?
    /// `array_state`: "clean", "active", "inactive", "read-auto"...
    public var arrayState: String
    /// `raid_disks`: members of a fully functional array, and during a reshape the old count
    /// ("4 (3)"). nil when the file is empty.
    public var raidDisks: Int?
    public var raidDisksBefore: Int?
    /// `chunk_size`, bytes, and the old value during a reshape that changes it.
    public var chunkSizeBytes: UInt64?
    public var chunkSizeBytesBefore: UInt64?
    /// `component_size`: space used on each member, KiB (md.c prints `dev_sectors / 2`).
    public var componentSizeKiB: UInt64?
    /// `metadata_version`: "1.2", "0.90", "none", "external:imsm", "external:/md127/0"...
    public var metadataVersion: String?
    /// `degraded`: members missing.
    public var degraded: Int?
    /// `sync_action` and `last_sync_action`.
    public var syncAction: String?
    public var lastSyncAction: String?
    /// `sync_completed`.
    public var syncCompleted: MDSyncCompleted?
    /// `sync_speed`, KiB per second; nil when "none".
    public var syncSpeedKiBPerSecond: UInt64?
    /// `mismatch_cnt`: 512-byte sectors re-written (repair) or that would be (check).
    public var mismatchCount: UInt64?
    /// `reshape_position`, sectors; nil when "none" or absent.
    public var reshapePosition: UInt64?
    /// `resync_start`, sectors; nil when "none" (in sync) or absent.
    public var resyncStart: UInt64?
    /// `consistency_policy`: "none", "resync", "bitmap", "journal", "ppl", "unknown".
    public var consistencyPolicy: String?
    /// `uuid`.
    public var uuid: String?
    /// `/sys/block/<md>/size`: array size in 512-byte sectors.
    public var sizeSectors: UInt64?
    /// `dev-*` entries, sorted by name.
    public var members: [MDSysfsMember]

    public init(device: String, arrayState: String) {
        self.device = device
        self.arrayState = arrayState
        self.members = []
    }
}

/// A `dev-*` directory of an md array.
public struct MDSysfsMember: Sendable, Equatable {
    /// Kernel name of the member (the directory name without "dev-").
    public var name: String
    /// `state`: comma-separated flags, e.g. ["in_sync", "write_mostly"]; empty when none.
    public var states: [String]
    /// `slot`.
    public var slot: MDSlot?
    /// `errors`: approximate count of corrected read errors.
    public var errors: UInt64?
    /// Target of the `block` link, e.g. "../../../../../devices/pci0000:00/.../block/sda/sda1".
    public var blockLink: String?

    public init(name: String, states: [String] = [], slot: MDSlot? = nil, errors: UInt64? = nil, blockLink: String? = nil) {
        self.name = name
        self.states = states
        self.slot = slot
        self.errors = errors
        self.blockLink = blockLink
    }

    /// The whole disk holding a partition member ("sda" for a link ending in "block/sda/sda1");
    /// nil for whole-disk members and virtual devices (dm-*, md*).
    public var parentDisk: String? {
        guard let link = blockLink else { return nil }
        let parts = link.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count >= 2 else { return nil }
        let parent = parts[parts.count - 2]
        let last = parts[parts.count - 1]
        // A partition is "<disk><n>" or "<disk>p<n>" (sda1, nvme0n1p3, mmcblk0p1); anything else
        // ("block", a controller like nvme0 above nvme0n1) is not its disk.
        guard parent != "block", parent != "..", last.count > parent.count, last.hasPrefix(parent) else { return nil }
        var suffix = last.dropFirst(parent.count)
        if suffix.first == "p" { suffix = suffix.dropFirst() }
        guard !suffix.isEmpty, suffix.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return String(parent)
    }
}

/// `sync_completed`: "none", "delayed", or "done / total" in sectors.
public enum MDSyncCompleted: Sendable, Equatable {
    case none
    case delayed
    case progress(done: UInt64, total: UInt64)
}

/// `dev-*/slot`: "none", "journal" or a slot number.
public enum MDSlot: Sendable, Equatable {
    case none
    case journal
    case number(Int)

    /// The slot number, nil for none and journal.
    public var number: Int? {
        if case .number(let n) = self { return n }
        return nil
    }
}
