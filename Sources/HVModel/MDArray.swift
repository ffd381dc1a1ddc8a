/// A Linux md RAID array, from `/sys/block/<md>/md/` with `/proc/mdstat` as fallback
/// and for what sysfs lacks (time to finish, bitmap).
///
/// Fields are optional because array states differ: an inactive array has no level and no
/// sync attributes, raid0/linear have no redundancy attributes at all, and an array seen only
/// in `/proc/mdstat` has no per-member slots.
public struct MDArray: Sendable, Equatable {
    /// Kernel device name, e.g. "md0", "md127", "md_d0".
    public var device: String
    /// Where the figures came from.
    public var source: MDDataSource
    /// Personality: "raid0", "raid1", "raid4", "raid5", "raid6", "raid10", "linear",
    /// "multipath", "faulty", "container"... nil for an inactive array with no level.
    public var level: String?
    /// `md/array_state`: one of `MDArray.arrayStates` ("clean", "active", "read-auto",
    /// "inactive", ...). For arrays seen only in /proc/mdstat: "active", "readonly",
    /// "read-auto" or "inactive" (mdstat does not tell clean from active).
    public var arrayState: String?
    /// Members a fully functional array has (`md/raid_disks`; during a reshape the new count).
    public var raidDisks: Int?
    /// During a reshape that changes the member count: the old count (`raid_disks` reads "N (M)").
    public var raidDisksBefore: Int?
    /// Number of members missing or failed (`md/degraded`; 0 for an optimal array).
    public var degraded: Int?
    /// `md/sync_action`: one of `MDArray.syncActions` ("idle", "resync", "recover", "check",
    /// "repair", "reshape", "frozen"). nil for levels without redundancy and inactive arrays.
    public var syncAction: String?
    /// `md/last_sync_action`: the action that ran last ("check" after a scrub finished).
    public var lastSyncAction: String?
    /// Whether a sync operation is running, waiting, or not there.
    public var syncState: MDSyncState?
    /// Progress of the running operation, 512-byte sectors done (`md/sync_completed` "done / total").
    public var syncCompletedSectors: UInt64?
    /// Size of the running operation, 512-byte sectors.
    public var syncTotalSectors: UInt64?
    /// Current speed of the running operation, bytes per second (`md/sync_speed` is KiB/s,
    /// averaged over the last 30 s; mdstat `speed=` as fallback).
    public var syncSpeedBytesPerSecond: UInt64?
    /// Estimated time to finish, seconds (mdstat `finish=`; sysfs has no such attribute).
    public var syncRemainingSeconds: Double?
    /// `md/mismatch_cnt`: 512-byte sectors found inconsistent by the last check/repair (or resync).
    public var mismatchSectors: UInt64?
    /// `md/metadata_version`: "0.90", "1.0", "1.1", "1.2", "none", or "external:<type>"
    /// ("external:imsm", "external:ddf" for containers, "external:/md127/0" for their members).
    public var metadataVersion: String?
    /// Stripe chunk size, bytes (`md/chunk_size`; 0 or nil where it does not apply).
    public var chunkSizeBytes: UInt64?
    /// During a reshape that changes the chunk size: the old chunk size, bytes.
    public var chunkSizeBytesBefore: UInt64?
    /// Space used on each member, bytes (`md/component_size`, which the kernel prints in KiB).
    public var componentSizeBytes: UInt64?
    /// Size of the array, bytes (mdstat "N blocks" of 1 KiB, or the block device size).
    public var sizeBytes: UInt64?
    /// Reshape checkpoint, 512-byte sectors into each member (`md/reshape_position`); nil when "none".
    public var reshapePositionSectors: UInt64?
    /// `md/consistency_policy`: "none", "resync", "bitmap", "journal", "ppl".
    public var consistencyPolicy: String?
    /// `md/uuid`.
    public var uuid: String?
    /// Write-intent bitmap, from mdstat's `bitmap:` line.
    public var bitmap: MDBitmap?
    /// Members, ordered by slot, then by name.
    public var members: [MDMember]
    /// Error reading this array, if any (the array is still listed, marked failed).
    public var error: String?

    public init(device: String, source: MDDataSource = .sysfs) {
        self.device = device
        self.source = source
        self.members = []
    }

    /// Every word `md/array_state` can hold (drivers/md/md.c `array_states[]`).
    public static let arrayStates = [
        "clear", "inactive", "suspended", "readonly", "read-auto", "clean", "active",
        "write-pending", "active-idle", "broken",
    ]

    /// Every word `md/sync_action` can hold (drivers/md/md.c `action_name[]`).
    public static let syncActions = ["idle", "resync", "recover", "check", "repair", "reshape", "frozen"]

    /// The container this array is a member of ("md127" for metadata "external:/md127/0").
    public var container: String? {
        guard let v = metadataVersion, v.hasPrefix("external:") else { return nil }
        var rest = Substring(v.dropFirst("external:".count))
        if rest.first == "-" { rest = rest.dropFirst() }   // mdmon marks a blocked member "external:-md127/0"
        guard rest.first == "/" else { return nil }
        let name = rest.dropFirst().prefix { $0 != "/" }
        return name.isEmpty ? nil : String(name)
    }

    /// True for an external-metadata container (imsm, ddf): holds disks, does no I/O itself.
    public var isContainer: Bool {
        if level == "container" { return true }
        guard let v = metadataVersion, v.hasPrefix("external:") else { return false }
        return !v.dropFirst("external:".count).contains("/")
    }

    /// Fraction of the running sync operation done, 0...1; nil when none runs.
    public var syncCompletedRatio: Double? {
        guard let done = syncCompletedSectors, let total = syncTotalSectors, total > 0 else { return nil }
        return min(1, Double(done) / Double(total))
    }
}

/// Where an array's figures came from.
public enum MDDataSource: String, Sendable, Equatable {
    /// `/sys/block/<md>/md/` (complete), merged with /proc/mdstat for finish time and bitmap.
    case sysfs
    /// Only `/proc/mdstat` (sysfs unavailable for this array).
    case mdstat
}

/// Whether a resync/recovery/check/repair/reshape is going on.
public enum MDSyncState: String, Sendable, Equatable, CaseIterable {
    /// Nothing running, nothing waiting.
    case idle
    /// An operation is running (progress in `syncCompletedSectors`).
    case running
    /// Waiting for another array that shares disks (sysfs "delayed", mdstat `resync=DELAYED`).
    case delayed
    /// Needed but not started, e.g. on a read-auto array until its first write (mdstat `resync=PENDING`).
    case pending
}

/// An md write-intent bitmap, from mdstat `bitmap: 2/8 pages [8KB], 65536KB chunk`.
public struct MDBitmap: Sendable, Equatable {
    /// In-memory bitmap pages allocated, and pages the bitmap has.
    public var pagesUsed: UInt64
    public var pagesTotal: UInt64
    /// Memory used by the allocated pages, bytes.
    public var memoryBytes: UInt64
    /// Bytes of array data one bit covers.
    public var chunkBytes: UInt64
    /// Path of an external bitmap file, nil for an internal bitmap.
    public var file: String?

    public init(pagesUsed: UInt64, pagesTotal: UInt64, memoryBytes: UInt64, chunkBytes: UInt64, file: String? = nil) {
        self.pagesUsed = pagesUsed
        self.pagesTotal = pagesTotal
        self.memoryBytes = memoryBytes
        self.chunkBytes = chunkBytes
        self.file = file
    }
}

/// One member device of an md array.
public struct MDMember: Sendable, Equatable {
    /// Kernel name of the member, e.g. "sda1", "nvme0n1p3", "dm-0", "md0".
    public var device: String
    /// Flags from `dev-*/state`, in kernel order: "faulty", "in_sync", "journal",
    /// "write_mostly", "blocked", "spare", "write_error", "want_replacement", "replacement",
    /// "external_bbl", "failfast". From mdstat only: "faulty" (F), "spare" (S),
    /// "write_mostly" (W), "journal" (J), "replacement" (R), and "in_sync" for the rest.
    public var states: [String]
    /// Position in the array (`dev-*/slot`); nil when "none" (spare or failed) or a journal.
    public var slot: Int?
    /// Approximate count of corrected read errors (`dev-*/errors`); kept in v1.x superblocks.
    public var errors: UInt64?
    /// The member's number in the superblock (the `[n]` in mdstat); not its slot.
    public var descriptorIndex: Int?
    /// Whole disk holding the member ("sda" for "sda1", from the `dev-*/block` link); nil when
    /// the member is a whole disk or unknown.
    public var parentDisk: String?
    /// Disk identity from udev: model (ID_MODEL), serial (ID_SERIAL_SHORT or ID_SERIAL),
    /// WWN (ID_WWN) and the /dev/disk/by-id/ link; nil when udev does not know them.
    public var model: String?
    public var serial: String?
    public var wwn: String?
    public var byIdPath: String?

    public init(device: String, states: [String] = [], slot: Int? = nil) {
        self.device = device
        self.states = states
        self.slot = slot
    }

    /// Member role for per-state disk counts (`hv_md_disks{state}`).
    public var role: MDMemberRole {
        if states.contains("faulty") { return .faulty }
        if states.contains("journal") { return .journal }
        if states.contains("in_sync") { return .active }
        // A slot without in_sync is a rebuild; a replacement is always being filled.
        if slot != nil || states.contains("replacement") { return .recovering }
        return .spare
    }
}

/// What a member is doing in its array.
public enum MDMemberRole: String, Sendable, Equatable, CaseIterable {
    /// In sync, holding a slot.
    case active
    /// Holding a slot but not yet in sync (being rebuilt, or a replacement being filled).
    case recovering
    /// Not holding a slot: a hot spare.
    case spare
    /// Kicked out after an error.
    case faulty
    /// A raid4/5/6 write journal device.
    case journal
}
