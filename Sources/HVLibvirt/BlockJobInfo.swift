/// Progress of one block job (`virDomainBlockJobInfo`).
public struct BlockJobInfo: Sendable, Equatable {
    /// `virDomainBlockJobType`: 1 pull, 2 copy, 3 commit, 4 active commit, 5 backup.
    public var type: Int
    /// Bandwidth limit, bytes per second (0 = unlimited).
    public var bandwidthBytesPerSecond: UInt64
    /// Progress: `current` out of `end`, in bytes for QEMU (the units are the hypervisor's).
    public var current: UInt64
    public var end: UInt64

    public init(type: Int, bandwidthBytesPerSecond: UInt64, current: UInt64, end: UInt64) {
        self.type = type
        self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
        self.current = current
        self.end = end
    }
}
