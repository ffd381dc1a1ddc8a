/// A libvirt domain job (`virDomainGetJobStats`): migration, save, dump, snapshot...
/// Byte counts are bytes, times are seconds, rates are bytes per second.
public struct DomainJob: Sendable, Equatable {
    /// `virDomainJobType`: 0 none, 1 bounded, 2 unbounded, 3 completed, 4 failed, 5 cancelled.
    public var type: Int
    /// `virDomainJobOperation`: 1 start, 2 save, 3 restore, 4 incoming migration,
    /// 5 outgoing migration, 6 snapshot, 7 snapshot revert, 8 dump, 9 backup, ...
    public var operation: Int?
    public var elapsedSeconds: Double?
    public var remainingSeconds: Double?
    public var dataTotalBytes: UInt64?
    public var dataProcessedBytes: UInt64?
    public var dataRemainingBytes: UInt64?
    public var memoryTotalBytes: UInt64?
    public var memoryProcessedBytes: UInt64?
    public var memoryRemainingBytes: UInt64?
    public var memoryBandwidthBytesPerSecond: UInt64?
    public var memoryDirtyRateBytesPerSecond: UInt64?
    public var memoryPageSizeBytes: UInt64?
    public var memoryIteration: UInt64?
    public var memoryPostcopyRequests: UInt64?
    public var diskTotalBytes: UInt64?
    public var diskProcessedBytes: UInt64?
    public var diskRemainingBytes: UInt64?
    public var diskBandwidthBytesPerSecond: UInt64?
    public var downtimeSeconds: Double?
    public var setupTimeSeconds: Double?
    public var compressionBytes: UInt64?
    /// When this job was last seen (completed jobs: when it ended), seconds since the epoch.
    public var observedAtSeconds: Double?

    public init(type: Int) { self.type = type }

    /// Fraction done, 0...1, from data (else memory) processed / total; nil when unknown.
    public var progressRatio: Double? {
        if let t = dataTotalBytes, t > 0, let p = dataProcessedBytes { return min(1, Double(p) / Double(t)) }
        if let t = memoryTotalBytes, t > 0, let p = memoryProcessedBytes { return min(1, Double(p) / Double(t)) }
        return nil
    }
}

/// A libvirt block job (copy, commit, pull, active commit) on one disk.
public struct BlockJob: Sendable, Equatable {
    public var disk: String
    /// `virDomainBlockJobType`: 1 pull, 2 copy, 3 commit, 4 active commit, 5 backup.
    public var type: Int
    public var currentBytes: UInt64
    public var endBytes: UInt64
    /// Bandwidth limit, bytes per second (0 = unlimited).
    public var bandwidthBytesPerSecond: UInt64

    public init(disk: String, type: Int, currentBytes: UInt64, endBytes: UInt64, bandwidthBytesPerSecond: UInt64) {
        self.disk = disk
        self.type = type
        self.currentBytes = currentBytes
        self.endBytes = endBytes
        self.bandwidthBytesPerSecond = bandwidthBytesPerSecond
    }

    public var progressRatio: Double? { endBytes > 0 ? min(1, Double(currentBytes) / Double(endBytes)) : nil }
}
