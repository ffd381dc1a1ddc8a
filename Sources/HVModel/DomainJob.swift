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
    /// Pages dirtied per second times the page size.
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
    /// Auto-converge CPU throttle applied to the guest, percent (0...100).
    public var autoConvergeThrottlePercent: UInt64?
    /// When this job was last seen (completed jobs: when it ended), seconds since the epoch.
    public var observedAtSeconds: Double?

    // MARK: finished jobs (the "last job" kept after it ends)

    /// How a finished job ended; nil while it runs.
    public var outcome: Outcome?
    /// When the job ended as the exporter saw it (job-completed event, or the first sample
    /// without the job), seconds since the epoch; nil when it ended before the exporter
    /// watched (stats found at start-up).
    public var endedAtSeconds: Double?
    /// Highest `progressRatio` the exporter saw while the job ran (sampled about once a
    /// second), 0...1.
    public var peakProgressRatio: Double?
    /// libvirt's error message for a failed job ("errmsg"), when it gives one.
    public var errorMessage: String?

    /// How a job ended.
    public enum Outcome: String, Sendable, Equatable {
        /// libvirt reported completed statistics or a job-completed event.
        case completed
        /// libvirt reported the job failed (completed statistics of type failed, or success=false).
        case failed
        /// libvirt reported it cancelled, or the job vanished and the domain's state reason
        /// says "migration canceled" / "save canceled" (libvirt uses those for failures too).
        case cancelled
        /// The job vanished and libvirt kept no statistics (e.g. the domain is gone).
        case unknown
    }

    public init(type: Int) { self.type = type }

    /// True for a job that is still running (bounded or unbounded).
    public var isActive: Bool { type == 1 || type == 2 }

    /// Fraction done, 0...1: 1 - remaining/total for data (else memory, else disk), since
    /// "processed" leaves out pages sent as zeroes; processed/total when libvirt gives no
    /// remaining figure; nil when unknown.
    public var progressRatio: Double? {
        let pairs: [(UInt64?, UInt64?, UInt64?)] = [
            (dataTotalBytes, dataRemainingBytes, dataProcessedBytes),
            (memoryTotalBytes, memoryRemainingBytes, memoryProcessedBytes),
            (diskTotalBytes, diskRemainingBytes, diskProcessedBytes),
        ]
        for (total, remaining, processed) in pairs {
            guard let t = total, t > 0 else { continue }
            if let r = remaining { return max(0, min(1, 1 - Double(r) / Double(t))) }
            if let p = processed { return max(0, min(1, Double(p) / Double(t))) }
        }
        return nil
    }

    /// Name of `operation` for labels: "migration_out", "save"...; "unknown" when absent or
    /// not known (`LibvirtCodeNames.jobOperation`).
    public var operationName: String { LibvirtCodeNames.jobOperation(operation) }

    /// Name of `type`: "bounded", "completed", "failed"...; "unknown" when not known
    /// (`LibvirtCodeNames.jobType`).
    public var typeName: String { LibvirtCodeNames.jobType(type) }

    /// True for a migration in either direction (operation `migration_in` or `migration_out`).
    public var isMigration: Bool { operation == 4 || operation == 5 }
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

    /// Name of `type` for labels: "pull", "copy", "commit", "active_commit", "backup",
    /// "unknown" (`LibvirtCodeNames.blockJobType`).
    public var typeName: String { LibvirtCodeNames.blockJobType(type) }
}
