/// One DRBD resource: its local volumes and its connections to peers.
///
/// DRBD 8.x (/proc/drbd) has no resource names: each minor is a resource named
/// "drbd<minor>" with volume 0 and one peer named "peer"; its combined connection state is
/// split the DRBD 9 way (SyncSource = connection Connected + replication SyncSource).
public struct DRBDResource: Sendable, Equatable {
    public var name: String
    /// Local role: Primary, Secondary, Unknown.
    public var role: String?
    public var volumes: [Volume]
    public var peers: [Peer]

    public init(name: String, role: String? = nil, volumes: [Volume] = [], peers: [Peer] = []) {
        self.name = name
        self.role = role
        self.volumes = volumes
        self.peers = peers
    }

    /// A local volume (a /dev/drbd<minor> device).
    public struct Volume: Sendable, Equatable {
        public var volume: Int
        /// Device minor; kernel block device name "drbd<minor>".
        public var minor: Int?
        /// UpToDate, Inconsistent, Outdated, Consistent, Diskless, Attaching, Failed, Negotiating, DUnknown.
        public var diskState: String?
        /// Diskless on purpose (a DRBD 9 client reading through a peer).
        public var client: Bool
        public var quorum: Bool?
        public var sizeBytes: UInt64?
        /// Bytes read from / written to the local backing disk (counters).
        public var readBytes: UInt64?
        public var writtenBytes: UInt64?

        public init(volume: Int, minor: Int? = nil, diskState: String? = nil, client: Bool = false) {
            self.volume = volume
            self.minor = minor
            self.diskState = diskState
            self.client = client
        }

        /// "drbd<minor>", the kernel block device name; nil without a minor.
        public var blockDevice: String? { minor.map { "drbd\($0)" } }
    }

    /// The connection to one peer.
    public struct Peer: Sendable, Equatable {
        public var name: String
        /// Connected, StandAlone, Connecting, WFConnection, Disconnecting, Unconnected, NetworkFailure...
        public var connectionState: String?
        /// The peer's role: Primary, Secondary, Unknown.
        public var role: String?
        public var volumes: [PeerVolume]

        public init(name: String, connectionState: String? = nil, role: String? = nil, volumes: [PeerVolume] = []) {
            self.name = name
            self.connectionState = connectionState
            self.role = role
            self.volumes = volumes
        }

        /// A configured peer the resource is StandAlone against: DRBD drops to StandAlone
        /// when it detects a split brain it may not resolve (or after `drbdadm disconnect`).
        public var splitBrain: Bool { connectionState == "StandAlone" }
    }

    /// One volume as replicated to one peer.
    public struct PeerVolume: Sendable, Equatable {
        public var volume: Int
        /// The peer's disk state: UpToDate, Inconsistent, Outdated, Diskless, DUnknown...
        public var diskState: String?
        /// Established, SyncSource, SyncTarget, PausedSyncS, PausedSyncT, VerifyS, VerifyT,
        /// WFBitMapS, WFBitMapT, Ahead, Behind, Off.
        public var replicationState: String?
        /// Data the two sides disagree on, bytes.
        public var outOfSyncBytes: UInt64?
        /// Fraction in sync while a resync runs, 0...1 (DRBD 9: percent-in-sync; 8.x: sync'ed).
        public var syncRatio: Double?
        /// Resync speed, bytes per second (when the source tells).
        public var syncSpeedBytesPerSecond: Double?
        /// Estimated time to the end of the resync, seconds.
        public var syncRemainingSeconds: Double?
        /// The 8.x kernel printed "stalled" for this resync.
        public var syncStalled: Bool
        /// The peer is diskless on purpose (a DRBD 9 client).
        public var client = false

        public init(volume: Int, diskState: String? = nil, replicationState: String? = nil, syncStalled: Bool = false) {
            self.volume = volume
            self.diskState = diskState
            self.replicationState = replicationState
            self.syncStalled = syncStalled
        }

        /// Whether a resync or verify of this volume runs or waits.
        public var syncing: Bool {
            guard let r = replicationState else { return false }
            return r != "Established" && r != "Off" && r != "Ahead" && r != "Behind"
        }
    }

    /// Connection states (DRBD 8.4 and 9) written as state-set series.
    public static let connectionStates = [
        "StandAlone", "Disconnecting", "Unconnected", "Timeout", "BrokenPipe", "NetworkFailure", "ProtocolError",
        "TearDown", "Connecting", "WFConnection", "WFReportParams", "Connected",
    ]
    /// Disk states written as state-set series.
    public static let diskStates = [
        "Diskless", "Attaching", "Detaching", "Failed", "Negotiating", "Inconsistent", "Outdated", "DUnknown", "Consistent",
        "UpToDate",
    ]
    /// Roles written as state-set series.
    public static let roles = ["Primary", "Secondary", "Unknown"]
    /// Replication states written as state-set series.
    public static let replicationStates = [
        "Off", "Established", "StartingSyncS", "StartingSyncT", "WFBitMapS", "WFBitMapT", "WFSyncUUID", "SyncSource",
        "SyncTarget", "PausedSyncS", "PausedSyncT", "VerifyS", "VerifyT", "Ahead", "Behind",
    ]
}
