/// One mounted btrfs filesystem as `/sys/fs/btrfs/<fsid>/` shows it (fs/btrfs/sysfs.c).
///
/// Attributes an older kernel does not have are nil (`exclusive_operation` came in 5.10,
/// `devinfo/<id>/error_stats` in 5.14). A device whose `devinfo/<id>/` files do not parse
/// keeps its `error`; the rest of the filesystem is still read.
public struct BtrfsSysfs: Sendable, Equatable {
    /// Filesystem UUID, the directory name (lower case with dashes).
    public var fsid: String
    /// `label`; nil when empty.
    public var label: String?
    /// Kernel names of the member block devices present (`devices/`), sorted.
    public var deviceNames: [String] = []
    /// One entry per device id (`devinfo/<id>/`), by id.
    public var devices: [BtrfsSysfsDevice] = []
    /// Block-group types (`allocation/data`, `metadata`, `system`; `mixed` on mixed filesystems).
    public var allocation: [BtrfsSysfsAllocation] = []
    /// `exclusive_operation`: "none", "balance", "balance paused", "device add", "device
    /// remove", "device replace", "resize", "swap activate"; nil on kernels before 5.10.
    public var exclusiveOperation: String?
    /// `nodesize`, `sectorsize`, bytes.
    public var nodeSize: UInt64?
    public var sectorSize: UInt64?

    public init(fsid: String) { self.fsid = fsid }
}

/// One device of a btrfs filesystem (`devinfo/<devid>/`). The kernel does not say here
/// which block device it is: that takes the BTRFS_IOC_DEV_INFO ioctl (`BtrfsIoctl`).
public struct BtrfsSysfsDevice: Sendable, Equatable {
    public var devid: UInt64
    /// `missing`: the filesystem knows this device but it is not there.
    public var missing: Bool?
    /// `writeable`.
    public var writeable: Bool?
    /// `replace_target`: the target of a running `btrfs replace`.
    public var replaceTarget: Bool?
    /// `error_stats` (kernel 5.14 and later); nil when the file does not exist.
    public var errorStats: BtrfsDeviceErrorStats?
    /// Why this device could not be read in full.
    public var error: String?

    public init(devid: UInt64) { self.devid = devid }
}

/// The five persistent error counters of one btrfs device (`btrfs device stats`): they
/// survive remounts and count until reset with `btrfs device stats -z`.
public struct BtrfsDeviceErrorStats: Sendable, Equatable {
    /// Failed writes (EIO/EREMOTEIO from the block layer).
    public var write: UInt64
    /// Failed reads.
    public var read: UInt64
    /// Failed cache flushes.
    public var flush: UInt64
    /// Checksum or metadata verification failures (bit rot, overwritten blocks).
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

    /// Sum of the five counters (saturating).
    public var total: UInt64 {
        [write, read, flush, corruption, generation].reduce(0) { a, b in
            let (s, o) = a.addingReportingOverflow(b)
            return o ? UInt64.max : s
        }
    }
}

/// Space of one block-group type (`allocation/<type>/`), bytes.
public struct BtrfsSysfsAllocation: Sendable, Equatable {
    /// "data", "metadata", "system" or "mixed".
    public var type: String
    /// `total_bytes`: space allocated to this type, as the filesystem counts it (one copy).
    public var totalBytes: UInt64?
    /// `bytes_used`: of that, used (one copy).
    public var bytesUsed: UInt64?
    /// `disk_total`: raw device space allocated, all copies.
    public var diskTotal: UInt64?
    /// `disk_used`: raw device space used, all copies.
    public var diskUsed: UInt64?
    /// One entry per profile with chunks of this type (`raid1/`, `single/`...), by name.
    public var profiles: [BtrfsSysfsProfile] = []

    public init(type: String) { self.type = type }
}

/// Space in one profile of one block-group type (`allocation/<type>/<profile>/`), bytes.
public struct BtrfsSysfsProfile: Sendable, Equatable {
    /// "single", "dup", "raid0", "raid1", "raid1c3", "raid1c4", "raid10", "raid5", "raid6".
    public var name: String
    /// `total_bytes` (one copy).
    public var totalBytes: UInt64?
    /// `used_bytes` (one copy).
    public var usedBytes: UInt64?

    public init(name: String, totalBytes: UInt64? = nil, usedBytes: UInt64? = nil) {
        self.name = name
        self.totalBytes = totalBytes
        self.usedBytes = usedBytes
    }

    /// The profiles the kernel knows (`btrfs_raid_array` in fs/btrfs/volumes.c), as the
    /// directory names under `allocation/<type>/`.
    public static let knownNames: Set<String> = [
        "single", "dup", "raid0", "raid1", "raid1c3", "raid1c4", "raid10", "raid5", "raid6",
    ]
}

/// Pure parsers for the values under `/sys/fs/btrfs/<fsid>/`. Each takes the file's bytes
/// and returns a value or throws `SystemError` (`.malformed`).
public enum BtrfsSysfsAttribute {
    /// An unsigned decimal ("%llu\n").
    public static func unsigned(_ bytes: [UInt8]) throws -> UInt64 {
        try MDSysfsAttribute.unsigned(bytes)
    }

    /// "0" or "1".
    public static func flag(_ bytes: [UInt8]) throws -> Bool {
        switch try MDSysfsAttribute.unsigned(bytes) {
        case 0: return false
        case 1: return true
        case let v: throw SystemError.malformed("expected 0 or 1, got \(v)")
        }
    }

    /// `label`: the text before the newline (any bytes but NUL); nil when empty.
    public static func label(_ bytes: [UInt8]) throws -> String? {
        var s = bytes[...]
        if s.last == MDText.newline { s = s.dropLast() }
        if s.contains(0) { throw SystemError.malformed("NUL byte in label") }
        if s.contains(MDText.newline) { throw SystemError.malformed("more than one line") }
        return s.isEmpty ? nil : MDText.string(s)
    }

    /// `exclusive_operation`: one line of lower-case words ("none", "balance paused").
    public static func exclusiveOperation(_ bytes: [UInt8]) throws -> String {
        let s = try MDSysfsAttribute.value(bytes)
        guard !s.isEmpty else { throw SystemError.malformed("empty value") }
        for b in s {
            let ok = (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || b == MDText.space || b == UInt8(ascii: "_")
            guard ok else { throw SystemError.malformed("expected words, got \(MDText.excerpt(s))") }
        }
        return MDText.string(s)
    }

    /// `devinfo/<id>/error_stats`: "write_errs N", "read_errs N", "flush_errs N",
    /// "corruption_errs N", "generation_errs N", one per line. All five must be there;
    /// unknown keys (a later kernel's) are ignored.
    public static func errorStats(_ bytes: [UInt8]) throws -> BtrfsDeviceErrorStats {
        var values: [String: UInt64] = [:]
        for line in MDText.lines(bytes) where !MDText.isBlankLine(line) {
            let t = MDText.tokens(line)
            guard t.count == 2, let v = MDText.uint(t[1]) else {
                throw SystemError.malformed("expected \"<name> <count>\", got \(MDText.excerpt(line))")
            }
            let key = MDText.string(t[0])
            guard values[key] == nil else { throw SystemError.malformed("\(key) twice") }
            values[key] = v
        }
        func need(_ k: String) throws -> UInt64 {
            guard let v = values[k] else { throw SystemError.malformed("no \(k)") }
            return v
        }
        return BtrfsDeviceErrorStats(
            write: try need("write_errs"), read: try need("read_errs"), flush: try need("flush_errs"),
            corruption: try need("corruption_errs"), generation: try need("generation_errs"))
    }

    /// Whether a name under /sys/fs/btrfs is a filesystem UUID (36 characters, hex digits and
    /// dashes at 8-4-4-4-12), not `features` or another global entry.
    public static func isFSID(_ name: String) -> Bool {
        let u = Array(name.utf8)
        guard u.count == 36 else { return false }
        for (i, b) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return false }
            } else {
                let hex =
                    (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f"))
                guard hex else { return false }
            }
        }
        return true
    }
}
