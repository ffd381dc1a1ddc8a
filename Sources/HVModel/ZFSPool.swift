/// One ZFS pool: health, capacity, the running or last scrub/resilver, and its vdev tree.
public struct ZFSPool: Sendable, Equatable {
    public var name: String
    /// ONLINE, DEGRADED, FAULTED, OFFLINE, UNAVAIL, REMOVED, SUSPENDED.
    public var state: String
    /// zpool's status sentence, when it prints one.
    public var status: String?
    public var sizeBytes: UInt64?
    public var allocatedBytes: UInt64?
    public var freeBytes: UInt64?
    /// Free-space fragmentation, 0...1.
    public var fragmentationRatio: Double?
    public var scan: Scan?
    /// Data errors on the `errors:` line (0 for "No known data errors"); nil when not printed.
    public var dataErrors: UInt64?
    /// Every line of the config tree, in order (the pool's root first).
    public var vdevs: [Vdev]

    public init(name: String, state: String, vdevs: [Vdev] = []) {
        self.name = name
        self.state = state
        self.vdevs = vdevs
    }

    /// The running or last scrub or resilver.
    public struct Scan: Sendable, Equatable {
        /// "scrub" or "resilver" ("other" for what this version does not know).
        public var kind: String
        /// "running", "paused", "finished", "canceled", "none" (never run), "unknown".
        public var state: String
        /// Fraction done while running, 0...1.
        public var progressRatio: Double?
        /// Errors found by the last finished scan ("with N errors").
        public var errors: UInt64?
        /// Bytes repaired (scrub) or resilvered by the last finished scan.
        public var repairedBytes: UInt64?
        /// When the scan ended (finished, canceled) or started (running), seconds since the
        /// Unix epoch; zpool prints local time, converted with the host's time zone.
        public var endTimestampSeconds: Double?
        public var startTimestampSeconds: Double?
        /// Estimated time to completion while running, seconds.
        public var remainingSeconds: Double?

        public init(kind: String, state: String) {
            self.kind = kind
            self.state = state
        }
    }

    /// One line of the config tree: the pool root, a mirror/raidz/draid vdev, a disk...
    public struct Vdev: Sendable, Equatable {
        /// As zpool prints it: "mirror-0", "sda", "ata-ST8000...-part1", a GUID for a missing disk.
        public var name: String
        /// Names from the pool down to this one, "/"-joined ("mirror-0/sda"); the root is its name.
        public var path: String
        /// 0 root, 1 top-level vdev, 2 and more below.
        public var depth: Int
        /// "" for the main tree, else logs, cache, spares, special, dedup.
        public var section: String
        public var state: String?
        public var readErrors: UInt64?
        public var writeErrors: UInt64?
        public var checksumErrors: UInt64?
        /// A device with nothing below it.
        public var leaf: Bool
        /// Kernel block device of a leaf ("sda1"), when its name resolves under /dev.
        public var blockDevice: String?

        public init(name: String, path: String, depth: Int, section: String = "", state: String? = nil, leaf: Bool = false) {
            self.name = name
            self.path = path
            self.depth = depth
            self.section = section
            self.state = state
            self.leaf = leaf
        }
    }

    /// Pool health words written as state-set series.
    public static let states = ["ONLINE", "DEGRADED", "FAULTED", "OFFLINE", "UNAVAIL", "REMOVED", "SUSPENDED"]
}
