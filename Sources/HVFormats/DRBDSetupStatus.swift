/// What `drbdsetup status --json --verbose --statistics` prints (DRBD 9): an array of
/// resources, each with its local devices (volumes) and its connections to peers, each
/// connection with one peer device per volume.
///
/// Sizes and byte counters in this output are KiB (`size`, `read`, `written`, `received`,
/// `sent`, `out-of-sync`). A resource that is not an object or has no name is listed in
/// `malformed`; the others are kept. A document that is not JSON or not an array throws.
public struct DRBDSetupStatus: Sendable, Equatable {
    public var resources: [DRBDSetupResource]
    /// Why an element of the array was left out.
    public var malformed: [String]

    public init(resources: [DRBDSetupResource] = [], malformed: [String] = []) {
        self.resources = resources
        self.malformed = malformed
    }

    public static func parse(_ bytes: [UInt8]) throws(StorageToolFormatError) -> DRBDSetupStatus {
        let doc: JSONValue
        do throws(JSONError) {
            doc = try JSONValue.parse(bytes)
        } catch {
            throw StorageToolFormatError("drbdsetup status: \(error)")
        }
        guard let items = doc.array else { throw StorageToolFormatError("drbdsetup status: expected a JSON array of resources") }
        var out = DRBDSetupStatus()
        for (i, item) in items.enumerated() {
            guard let name = item["name"]?.string, !name.isEmpty else {
                out.malformed.append("resource #\(i): no name")
                continue
            }
            var r = DRBDSetupResource(name: name)
            r.role = item["role"]?.string
            r.suspended = item["suspended"]?.bool
            for d in item["devices"]?.array ?? [] {
                guard let volume = d["volume"]?.int else {
                    out.malformed.append("resource \(name): a device without volume number")
                    continue
                }
                var dev = DRBDSetupDevice(volume: volume)
                dev.minor = d["minor"]?.int
                dev.diskState = d["disk-state"]?.string
                dev.client = d["client"]?.bool
                dev.quorum = d["quorum"]?.bool
                dev.sizeKiB = d["size"]?.uint64
                dev.readKiB = d["read"]?.uint64
                dev.writtenKiB = d["written"]?.uint64
                dev.upperPending = d["upper-pending"]?.uint64
                dev.lowerPending = d["lower-pending"]?.uint64
                r.devices.append(dev)
            }
            for c in item["connections"]?.array ?? [] {
                var conn = DRBDSetupConnection(name: c["name"]?.string ?? c["peer-node-id"]?.int.map { "node-\($0)" } ?? "")
                conn.peerNodeID = c["peer-node-id"]?.int
                conn.connectionState = c["connection-state"]?.string
                conn.peerRole = c["peer-role"]?.string
                conn.congested = c["congested"]?.bool
                for p in c["peer_devices"]?.array ?? [] {
                    guard let volume = p["volume"]?.int else {
                        out.malformed.append("resource \(name), peer \(conn.name): a peer device without volume number")
                        continue
                    }
                    var pd = DRBDSetupPeerDevice(volume: volume)
                    pd.replicationState = p["replication-state"]?.string
                    pd.peerDiskState = p["peer-disk-state"]?.string
                    pd.peerClient = p["peer-client"]?.bool
                    pd.resyncSuspended = p["resync-suspended"]?.string
                    pd.receivedKiB = p["received"]?.uint64
                    pd.sentKiB = p["sent"]?.uint64
                    pd.outOfSyncKiB = p["out-of-sync"]?.uint64
                    pd.pending = p["pending"]?.uint64
                    pd.unacked = p["unacked"]?.uint64
                    pd.percentInSync = p["percent-in-sync"]?.double
                    pd.estimatedSecondsToFinish = p["estimated-seconds-to-finish"]?.double
                    // With sync details: the last sync mark's sectors and milliseconds.
                    if let sectors = p["rs-db1-sectors"]?.double, let ms = p["rs-dt1-ms"]?.double, ms > 0 {
                        pd.resyncBytesPerSecond = sectors * 512 / (ms / 1000)
                    }
                    conn.peerDevices.append(pd)
                }
                r.connections.append(conn)
            }
            out.resources.append(r)
        }
        return out
    }
}

/// One DRBD 9 resource.
public struct DRBDSetupResource: Sendable, Equatable {
    public var name: String
    /// Primary, Secondary, Unknown.
    public var role: String?
    public var suspended: Bool?
    public var devices: [DRBDSetupDevice]
    public var connections: [DRBDSetupConnection]

    public init(name: String) {
        self.name = name
        self.devices = []
        self.connections = []
    }
}

/// A local volume of a resource.
public struct DRBDSetupDevice: Sendable, Equatable {
    public var volume: Int
    /// /dev/drbd<minor>.
    public var minor: Int?
    /// UpToDate, Inconsistent, Outdated, Diskless, Attaching, Failed, Consistent...
    public var diskState: String?
    /// A diskless client by intent.
    public var client: Bool?
    public var quorum: Bool?
    public var sizeKiB: UInt64?
    public var readKiB: UInt64?
    public var writtenKiB: UInt64?
    public var upperPending: UInt64?
    public var lowerPending: UInt64?

    public init(volume: Int) { self.volume = volume }
}

/// A resource's connection to one peer.
public struct DRBDSetupConnection: Sendable, Equatable {
    /// The peer's host name as configured.
    public var name: String
    public var peerNodeID: Int?
    /// Connected, StandAlone, Connecting, Disconnecting, Unconnected, NetworkFailure...
    public var connectionState: String?
    public var peerRole: String?
    public var congested: Bool?
    public var peerDevices: [DRBDSetupPeerDevice]

    public init(name: String) {
        self.name = name
        self.peerDevices = []
    }
}

/// One volume as seen over one connection.
public struct DRBDSetupPeerDevice: Sendable, Equatable {
    public var volume: Int
    /// Established, SyncSource, SyncTarget, PausedSyncS/T, WFBitMapS/T, Off, Ahead, Behind...
    public var replicationState: String?
    public var peerDiskState: String?
    public var peerClient: Bool?
    public var resyncSuspended: String?
    public var receivedKiB: UInt64?
    public var sentKiB: UInt64?
    public var outOfSyncKiB: UInt64?
    public var pending: UInt64?
    public var unacked: UInt64?
    /// 0...100.
    public var percentInSync: Double?
    public var estimatedSecondsToFinish: Double?
    /// Resync speed over the last sync mark, bytes per second (only with sync details).
    public var resyncBytesPerSecond: Double?

    public init(volume: Int) { self.volume = volume }
}
