/// A libvirt storage pool. Sizes are bytes, times seconds since the epoch.
public struct StoragePool: Sendable, Equatable {
    public var name: String
    public var uuid: String?
    /// Pool type from the XML: dir, fs, netfs, logical, iscsi, rbd, gluster, zfs ...
    public var type: String?
    /// `virStoragePoolState`: 0 inactive, 1 building, 2 running, 3 degraded, 4 inaccessible.
    public var state: Int
    /// Sizes as of the pool's last start or refresh; nil while the pool is inactive (libvirt
    /// reports zeroes then).
    public var capacityBytes: UInt64?
    public var allocationBytes: UInt64?
    public var availableBytes: UInt64?
    /// Volumes libvirt knows in the pool (active pools only).
    public var volumes: Int?
    public var autostart: Bool?
    public var persistent: Bool?
    /// True when libvirt did not answer for this pool within the scrape deadline; the
    /// figures above are then missing.
    public var timedOut: Bool
    /// Why some of this pool's figures are missing (a failed call), nil when all answered.
    public var error: String?
    /// `<target><path>` from the XML: the pool's directory or device directory.
    public var targetPath: String?
    /// Where the storage comes from, from the XML `<source>`: "host:/dir" (netfs),
    /// device paths (logical, disk, fs), the source name (rbd, gluster, zfs, logical).
    public var source: String?
    /// Last background refresh of this pool (`--libvirt.pool-refresh-interval`): when it
    /// finished, and whether it succeeded. nil when refresh is off or has not run yet.
    public var lastRefreshSeconds: Double?
    public var lastRefreshSucceeded: Bool?
    /// libvirt's message when the last refresh failed.
    public var refreshError: String?

    public init(name: String, state: Int) {
        self.name = name
        self.state = state
        self.timedOut = false
    }

    /// Name of `state`: inactive, building, running, degraded, inaccessible; "unknown" for
    /// another code (`LibvirtCodeNames.poolState`).
    public var stateName: String { LibvirtCodeNames.poolState(state) }

    /// allocation / capacity, 0...1; nil when unknown or the capacity is 0.
    public var usedRatio: Double? {
        guard let c = capacityBytes, c > 0, let a = allocationBytes else { return nil }
        return min(1, Double(a) / Double(c))
    }
}
