/// An LXD storage pool, from the LXD API (`/1.0/storage-pools?recursion=1` and
/// `/1.0/storage-pools/<name>/resources`). Sizes are bytes.
public struct LXDStoragePool: Sendable, Equatable {
    public var name: String
    /// Storage driver: "dir", "btrfs", "zfs", "lvm", "ceph", "cephfs", "cephobject".
    public var driver: String
    /// LXD's status word: "Created", "Pending", "Errored", "Unknown", "Unavailable".
    public var status: String
    /// Description from the pool's configuration (may be empty).
    public var poolDescription: String
    /// `config.source`: the directory, device or dataset under the pool; nil when unset.
    public var source: String?
    /// Space of the pool's storage (resources.space); nil when LXD did not say (an
    /// unavailable pool).
    public var totalBytes: UInt64?
    public var usedBytes: UInt64?
    /// Inodes (dir and btrfs drivers report them).
    public var inodesTotal: UInt64?
    public var inodesUsed: UInt64?
    /// Volumes in the pool (`used_by` entries: instances, images, custom volumes, profiles).
    public var usedBy: Int
    /// Volumes by type ("container", "virtual-machine", "image", "custom"), from
    /// `used_by` URLs; profiles are not volumes and not counted here.
    public var volumesByType: [String: Int]
    /// Why the figures of this pool are missing (the resources call failed).
    public var error: String?

    public init(name: String, driver: String, status: String) {
        self.name = name
        self.driver = driver
        self.status = status
        self.poolDescription = ""
        self.usedBy = 0
        self.volumesByType = [:]
    }

    /// Total volumes (every type).
    public var volumes: Int { volumesByType.values.reduce(0, +) }
}
