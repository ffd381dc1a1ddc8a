import HVLibvirt
import HVModel

/// Pure mapping from `virDomainGetJobStats` typed parameters (or a job-completed event's)
/// onto a `DomainJob`. Units: libvirt gives milliseconds, bytes, bytes per second, and
/// dirtied pages per second; the model holds seconds, bytes and bytes per second.
enum DomainJobMapping {
    static func job(type: Int, _ params: TypedParameters) -> DomainJob {
        var j = DomainJob(type: type)
        var dirtyPages: UInt64?
        var success: Bool?
        for (key, value) in params.items {
            let ms = value.double.map { $0 / 1000 }
            switch key {
            case "operation": j.operation = value.int64.map { Int($0) }
            case "time_elapsed": j.elapsedSeconds = ms
            case "time_remaining": j.remainingSeconds = ms
            case "downtime": j.downtimeSeconds = ms
            case "setup_time": j.setupTimeSeconds = ms
            case "data_total": j.dataTotalBytes = value.uint64
            case "data_processed": j.dataProcessedBytes = value.uint64
            case "data_remaining": j.dataRemainingBytes = value.uint64
            case "memory_total": j.memoryTotalBytes = value.uint64
            case "memory_processed": j.memoryProcessedBytes = value.uint64
            case "memory_remaining": j.memoryRemainingBytes = value.uint64
            case "memory_bps": j.memoryBandwidthBytesPerSecond = value.uint64
            case "memory_dirty_rate": dirtyPages = value.uint64
            case "memory_page_size": j.memoryPageSizeBytes = value.uint64
            case "memory_iteration": j.memoryIteration = value.uint64
            case "memory_postcopy_requests": j.memoryPostcopyRequests = value.uint64
            case "disk_total": j.diskTotalBytes = value.uint64
            case "disk_processed": j.diskProcessedBytes = value.uint64
            case "disk_remaining": j.diskRemainingBytes = value.uint64
            case "disk_bps": j.diskBandwidthBytesPerSecond = value.uint64
            case "compression_bytes": j.compressionBytes = value.uint64
            case "auto_converge_throttle": j.autoConvergeThrottlePercent = value.uint64
            case "success": success = value.int64.map { $0 != 0 }
            case "errmsg": j.errorMessage = value.string
            default: break
            }
        }
        // libvirt counts dirtied pages; without a page size there is no byte rate to give.
        if let pages = dirtyPages, let size = j.memoryPageSizeBytes {
            j.memoryDirtyRateBytesPerSecond = pages.multipliedReportingOverflow(by: size).overflow ? nil : pages * size
        }
        if type == 3 || type == 4 || type == 5 {
            j.outcome = outcome(type: type, success: success)
        }
        return j
    }

    /// Outcome of finished-job statistics: by type (3 completed, 4 failed, 5 cancelled),
    /// overridden by an explicit "success" = false.
    static func outcome(type: Int, success: Bool?) -> DomainJob.Outcome {
        if success == false { return type == 5 ? .cancelled : .failed }
        switch type {
        case 3: return .completed
        case 4: return .failed
        case 5: return .cancelled
        default: return .unknown
        }
    }

    /// What identifies one finished job among repeated reads of libvirt's completed-job
    /// record: operation, elapsed time and bytes processed. Two reads of the same record (or
    /// the job-completed event and a later read) give the same key.
    static func identity(_ params: TypedParameters) -> String {
        let op = params["operation"]?.int64 ?? -1
        let elapsed = params["time_elapsed"]?.uint64 ?? 0
        let processed = params["data_processed"]?.uint64 ?? params["memory_processed"]?.uint64 ?? 0
        let total = params["data_total"]?.uint64 ?? 0
        return "\(op)/\(elapsed)/\(processed)/\(total)"
    }
}
