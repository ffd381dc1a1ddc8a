/// One dm-multipath map: a dm device over several paths (SCSI/NVMe devices) to one LUN.
public struct MultipathMap: Sendable, Equatable {
    /// Map name: alias, "mpatha", or the WWID.
    public var name: String
    /// WWID as multipathd prints it ("3" + NAA identifier for SCSI).
    public var wwid: String?
    /// Kernel name of the dm device, "dm-3".
    public var dmDevice: String?
    /// multipathd's queueing word: "off", "on" (queue_if_no_path), "<n> chk" (no_path_retry left), "-".
    public var queueing: String?
    /// dm features string ("1 queue_if_no_path").
    public var features: String?
    /// dm state of the map: active, suspend.
    public var dmState: String?
    public var vendor: String?
    public var product: String?
    /// Path failures seen since the map was created (a counter).
    public var pathFaults: UInt64?
    /// Usable paths as multipathd counts them (checker up or ghost).
    public var reportedActivePaths: Int?
    public var paths: [Path]

    public init(name: String, paths: [Path] = []) {
        self.name = name
        self.paths = paths
    }

    public struct Path: Sendable, Equatable {
        /// Kernel name of the path device, "sdb".
        public var device: String
        public var group: Int?
        /// dm's view: active, failed.
        public var dmState: String?
        /// Path checker: ready, faulty, shaky, ghost, i/o pending, delayed, undef...
        public var checkerState: String?
        /// Device state: running, offline, blocked, transport-offline...
        public var deviceState: String?

        public init(device: String, group: Int? = nil, dmState: String? = nil, checkerState: String? = nil, deviceState: String? = nil) {
            self.device = device
            self.group = group
            self.dmState = dmState
            self.checkerState = checkerState
            self.deviceState = deviceState
        }

        /// dm uses it and the checker does not call it down.
        public var isActive: Bool { dmState == "active" && checkerState != "faulty" && checkerState != "shaky" }
        /// dm failed it or the checker finds it faulty/shaky.
        public var isFailed: Bool { dmState == "failed" || checkerState == "faulty" || checkerState == "shaky" }
    }

    /// Paths in use: counted from the path list, or multipathd's count when it lists none;
    /// nil when neither is known.
    public var activePaths: Int? { paths.isEmpty ? reportedActivePaths : paths.filter(\.isActive).count }
    public var failedPaths: Int { paths.filter(\.isFailed).count }

    /// Whether I/O queues when no path is left (queue_if_no_path, or no_path_retry counting).
    public var queueingEnabled: Bool {
        if let q = queueing, q != "off", q != "-" { return true }
        return features?.contains("queue_if_no_path") ?? false
    }

    /// The WWN the map's WWID carries: a SCSI WWID "3<NAA hex>" gives the NAA identifier
    /// (lower case, no "0x"); nil for other WWID types (t10 "1...", eui "2...", NVMe).
    public var wwn: String? {
        guard let w = wwid?.lowercased(), w.hasPrefix("3"), w.count == 17 || w.count == 33,
            w.dropFirst().allSatisfy(\.isHexDigit)
        else { return nil }
        return String(w.dropFirst())
    }

    /// Path checker states written as state-set series.
    public static let checkerStates = ["ready", "faulty", "shaky", "ghost", "i/o pending", "i/o timeout", "delayed", "undef"]
}
