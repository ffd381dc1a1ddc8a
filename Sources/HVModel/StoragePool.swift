/// A libvirt storage pool.
public struct StoragePool: Sendable, Equatable {
    public var name: String
    public var uuid: String?
    /// Pool type from the XML: dir, fs, netfs, logical, iscsi, rbd, gluster, zfs ...
    public var type: String?
    /// `virStoragePoolState`: 0 inactive, 1 building, 2 running, 3 degraded, 4 inaccessible.
    public var state: Int
    public var capacityBytes: UInt64?
    public var allocationBytes: UInt64?
    public var availableBytes: UInt64?
    public var volumes: Int?
    public var autostart: Bool?
    public var persistent: Bool?
    public var timedOut: Bool

    public init(name: String, state: Int) {
        self.name = name
        self.state = state
        self.timedOut = false
    }
}
