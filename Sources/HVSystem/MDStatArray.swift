/// One array of /proc/mdstat.
public struct MDStatArray: Sendable, Equatable {
    /// How the array accepts writes, from the "(read-only)" / "(auto-read-only)" marks.
    public enum Access: String, Sendable, Equatable {
        case readWrite = "read-write"
        case readOnly = "read-only"
        case autoReadOnly = "auto-read-only"
    }

    /// Device name, e.g. "md0".
    public var device: String
    /// "active" (a personality runs it) or "inactive" (assembled disks, not started).
    public var active: Bool
    public var access: Access
    /// Personality name ("raid1", "raid10", "linear"...); nil for inactive arrays.
    public var level: String?
    /// Members in the order the kernel lists them (not slot order).
    public var members: [MDStatMember]
    /// Array size, KiB ("N blocks"); for inactive arrays the sum of the members.
    public var blocksKiB: UInt64?
    /// What follows "super": "1.2", "0.91", "external:imsm", "external:/md127/0",
    /// "non-persistent". nil when nothing is printed, which means 0.90 metadata.
    public var superblock: String?
    /// `[n/m]`: members the array should have, and members in sync.
    public var raidDisks: Int?
    public var inSyncDisks: Int?
    /// `[UU_]`: one character per slot, "U" in sync, "_" missing or rebuilding.
    public var slotStatus: String?
    /// raid4/5/6: "level N", "algorithm N".
    public var levelNumber: Int?
    public var algorithm: Int?
    /// Chunk size, KiB ("512k chunk", "64k chunks", "512K chunks").
    public var chunkKiB: UInt64?
    /// linear: "Nk rounding", KiB.
    public var roundingKiB: Int64?
    /// raid10: "2 near-copies" gives copies 2, layout "near" (also "far", "offset").
    public var copies: Int?
    public var copiesLayout: String?
    /// The running sync operation's progress line.
    public var progress: MDStatProgress?
    /// A sync operation waiting to start: `resync=DELAYED`, `resync=PENDING`, `recover=REMOTE`...
    public var waiting: MDStatWaiting?
    /// The write-intent bitmap line.
    public var bitmap: MDStatBitmap?

    public init(device: String, active: Bool) {
        self.device = device
        self.active = active
        self.access = .readWrite
        self.members = []
    }

    /// The metadata version as sysfs `metadata_version` prints it ("0.90" when mdstat prints none).
    public var metadataVersion: String {
        guard let s = superblock else { return "0.90" }
        return s == "non-persistent" ? "none" : s
    }
}

/// A member in an mdstat array line: `sdb1[1](W)(F)`.
public struct MDStatMember: Sendable, Equatable {
    /// Kernel device name.
    public var name: String
    /// The number in brackets: the member's index in the superblock (`desc_nr`), not its slot.
    public var descriptorIndex: Int
    /// (W) write-mostly, (J) journal, (F) faulty, (S) spare (no slot), (R) replacement.
    public var writeMostly: Bool
    public var journal: Bool
    public var faulty: Bool
    public var spare: Bool
    public var replacement: Bool

    public init(
        name: String, descriptorIndex: Int, writeMostly: Bool = false, journal: Bool = false,
        faulty: Bool = false, spare: Bool = false, replacement: Bool = false
    ) {
        self.name = name
        self.descriptorIndex = descriptorIndex
        self.writeMostly = writeMostly
        self.journal = journal
        self.faulty = faulty
        self.spare = spare
        self.replacement = replacement
    }
}

/// `[==>..................]  recovery = 12.6% (37043392/293035520) finish=127.5min speed=31706K/sec`
public struct MDStatProgress: Sendable, Equatable {
    /// "resync" (also shown for repair), "recovery", "check" or "reshape".
    public var action: String
    /// Percentage done in tenths of a percent (126 for 12.6%), as printed.
    public var permille: Int
    /// KiB done and KiB in total (the kernel prints sectors / 2).
    public var doneKiB: UInt64
    public var totalKiB: UInt64
    /// Estimated time to finish, seconds (`finish=127.5min`).
    public var finishSeconds: Double?
    /// Speed, KiB per second (`speed=31706K/sec`).
    public var speedKiBPerSecond: UInt64?

    public init(
        action: String, permille: Int, doneKiB: UInt64, totalKiB: UInt64,
        finishSeconds: Double? = nil, speedKiBPerSecond: UInt64? = nil
    ) {
        self.action = action
        self.permille = permille
        self.doneKiB = doneKiB
        self.totalKiB = totalKiB
        self.finishSeconds = finishSeconds
        self.speedKiBPerSecond = speedKiBPerSecond
    }
}

/// `resync=DELAYED`: an operation ("resync", "recover", "reshape") and why it waits
/// ("DELAYED" behind an array sharing disks, "PENDING" until writable, "REMOTE" on another cluster node).
public struct MDStatWaiting: Sendable, Equatable {
    public var action: String
    public var reason: String

    public init(action: String, reason: String) {
        self.action = action
        self.reason = reason
    }
}

/// `bitmap: 2/8 pages [8KB], 65536KB chunk[, file: /path]`
public struct MDStatBitmap: Sendable, Equatable {
    /// Pages allocated in memory, and pages in total.
    public var pagesUsed: UInt64
    public var pagesTotal: UInt64
    /// Memory in the allocated pages, KiB.
    public var memoryKiB: UInt64
    /// Data covered by one bit, bytes ("65536KB" is 67108864).
    public var chunkBytes: UInt64
    /// External bitmap file, nil when internal.
    public var file: String?

    public init(pagesUsed: UInt64, pagesTotal: UInt64, memoryKiB: UInt64, chunkBytes: UInt64, file: String? = nil) {
        self.pagesUsed = pagesUsed
        self.pagesTotal = pagesTotal
        self.memoryKiB = memoryKiB
        self.chunkBytes = chunkBytes
        self.file = file
    }
}
