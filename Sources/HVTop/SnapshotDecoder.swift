import Foundation
import HVModel

/// Turns a `/json` document (schema docs/json.md, version 1) back into an `HVModel.Snapshot`,
/// so every hvtop view works on the same model whether the data came from the daemon or from
/// a direct collection. Unknown fields are ignored; missing ones stay nil.
public enum SnapshotDecoder {
    /// Decodes a whole `/json` document.
    public static func decode(_ bytes: [UInt8]) throws(SnapshotDecodeError) -> Snapshot {
        let root = try object(bytes)
        guard root.string("schema") == "hvexporter.snapshot" else {
            throw SnapshotDecodeError(
                reason: "not an hv-exporter snapshot (schema field is \(root.string("schema").map { "'\($0)'" } ?? "missing"))")
        }
        if let v = root.int("schema_version"), v > 1 {
            throw SnapshotDecodeError(reason: "snapshot schema version \(v) is newer than this hvtop understands (1); update hvtop")
        }
        var s = Snapshot(timestampSeconds: root.double("timestamp_seconds") ?? 0, hostname: root.string("hostname") ?? "")
        s.collectors = root.objects("collectors").map {
            CollectorStatus(
                name: $0.string("name") ?? "", success: $0.bool("success") ?? false,
                durationSeconds: $0.double("duration_seconds") ?? 0, error: $0.string("error"))
        }
        if let l = root.object("libvirt") {
            s.libvirt = LibvirtStatus(
                uri: l.string("uri") ?? "", up: l.bool("up") ?? false, error: l.string("error"),
                libraryVersion: l.string("library_version"), daemonVersion: l.string("daemon_version"),
                hypervisorType: l.string("hypervisor_type"), hypervisorVersion: l.string("hypervisor_version"),
                durationSeconds: l.double("duration_seconds") ?? 0)
        }
        if let h = root.object("host") { s.host = host(h) }
        s.guests = root.objects("guests").map(guest)
        s.processes = root.objects("processes").map(process)
        s.mdArrays = root.objects("md_arrays").map(mdArray)
        s.storagePools = root.objects("storage_pools").map(pool)
        raidControllers(root, into: &s)
        s.smartDisks = root.objects("smart_disks").map(smartDisk)
        s.btrfsFilesystems = root.objects("btrfs_filesystems").map(btrfs)
        s.lxdStoragePools = root.objects("lxd_storage_pools").map(lxdPool)
        s.lxdPoolsRun = root.object("lxd_pools_tool").flatMap { storageToolRuns($0).first }
        s.lockManager = root.string("lock_manager")
        s.guestDiskStacks = root.objects("guest_disk_stacks").map(guestDiskStack)
        s.departedJobs = root.objects("departed_jobs").compactMap { d in
            guard let j = d.object("job") else { return nil }
            return DepartedDomainJob(
                name: d.string("name") ?? "", uuid: d.string("uuid") ?? "", job: job(j),
                departedAtSeconds: d.double("departed_at_seconds") ?? 0)
        }
        decodeStorageStack(root, into: &s)
        return s
    }

    /// Parses bytes into a top-level JSON object.
    static func object(_ bytes: [UInt8]) throws(SnapshotDecodeError) -> JSONObject {
        let any: Any
        do {
            any = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw SnapshotDecodeError(reason: "not valid JSON (\(bytes.count) bytes): \(error.localizedDescription)")
        }
        guard let dict = any as? [String: Any] else { throw SnapshotDecodeError(reason: "top level is not a JSON object") }
        return JSONObject(dict)
    }

    static func guest(_ o: JSONObject) -> Guest {
        var g = Guest(
            name: o.string("name") ?? "", uuid: o.string("uuid"),
            kind: GuestKind(rawValue: o.string("kind") ?? "") ?? .vm,
            driver: o.string("driver") ?? "",
            state: GuestState(rawValue: o.string("state") ?? "") ?? GuestState(code: o.int("state_code") ?? 0))
        g.domainID = o.int("domain_id")
        g.stateReason = o.int("state_reason") ?? 0
        g.persistent = o.bool("persistent")
        g.listedByLibvirt = o.bool("listed_by_libvirt") ?? false
        g.autostart = o.bool("autostart")
        g.timedOut = o.bool("timed_out") ?? false
        g.statsAgeSeconds = o.double("stats_age_seconds")
        g.maxMemoryBytes = o.uint("max_memory_bytes")
        g.memoryBytes = o.uint("memory_bytes")
        g.vcpuCurrent = o.int("vcpu_current")
        g.vcpuMaximum = o.int("vcpu_maximum")
        g.cpuTimeSeconds = o.double("cpu_time_seconds")
        g.cpuUserSeconds = o.double("cpu_user_seconds")
        g.cpuSystemSeconds = o.double("cpu_system_seconds")
        g.vcpus = o.objects("vcpus").map { v in
            var c = VCPUStats(index: v.int("index") ?? 0)
            c.state = v.int("state"); c.timeSeconds = v.double("time_seconds"); c.waitSeconds = v.double("wait_seconds")
            c.delaySeconds = v.double("delay_seconds"); c.threadID = v.int("thread_id")
            return c
        }
        if let b = o.object("balloon") {
            var bs = BalloonStats()
            bs.currentBytes = b.uint("current_bytes"); bs.maximumBytes = b.uint("maximum_bytes")
            bs.swapInBytes = b.uint("swap_in_bytes"); bs.swapOutBytes = b.uint("swap_out_bytes")
            bs.majorFaults = b.uint("major_faults"); bs.minorFaults = b.uint("minor_faults")
            bs.unusedBytes = b.uint("unused_bytes"); bs.availableBytes = b.uint("available_bytes")
            bs.usableBytes = b.uint("usable_bytes"); bs.rssBytes = b.uint("rss_bytes")
            bs.diskCachesBytes = b.uint("disk_caches_bytes"); bs.lastUpdateSeconds = b.uint("last_update_seconds")
            bs.hugetlbPgAlloc = b.uint("hugetlb_pgalloc"); bs.hugetlbPgFail = b.uint("hugetlb_pgfail")
            g.balloon = bs
        }
        g.blockDevices = o.objects("block_devices").map { b in
            var d = BlockDevice(target: b.string("target") ?? "", source: b.string("source") ?? "")
            d.diskType = b.string("type"); d.device = b.string("device"); d.bus = b.string("bus"); d.cache = b.string("cache")
            d.format = b.string("format"); d.serial = b.string("serial"); d.readOnly = b.bool("read_only") ?? false
            d.readBytes = b.uint("read_bytes"); d.readRequests = b.uint("read_requests"); d.readTimeSeconds = b.double("read_time_seconds")
            d.writeBytes = b.uint("write_bytes"); d.writeRequests = b.uint("write_requests");
            d.writeTimeSeconds = b.double("write_time_seconds")
            d.flushRequests = b.uint("flush_requests"); d.flushTimeSeconds = b.double("flush_time_seconds")
            d.errors = b.uint("errors")
            d.capacityBytes = b.uint("capacity_bytes"); d.allocationBytes = b.uint("allocation_bytes");
            d.physicalBytes = b.uint("physical_bytes")
            d.sourceIdentity = b.string("source_identity")
            d.shareable = b.bool("shareable") ?? false
            return d
        }
        g.interfaces = o.objects("interfaces").map { n in
            var i = NetInterface(target: n.string("target") ?? "")
            i.type = n.string("type"); i.source = n.string("source"); i.mac = n.string("mac"); i.model = n.string("model")
            i.rxBytes = n.uint("rx_bytes"); i.rxPackets = n.uint("rx_packets"); i.rxErrors = n.uint("rx_errors");
            i.rxDrops = n.uint("rx_drops")
            i.txBytes = n.uint("tx_bytes"); i.txPackets = n.uint("tx_packets"); i.txErrors = n.uint("tx_errors");
            i.txDrops = n.uint("tx_drops")
            return i
        }
        if let c = o.object("cgroup") { g.cgroup = cgroup(c) }
        if let j = o.object("job") { g.job = job(j) }
        if let j = o.object("last_job") { g.lastJob = job(j) }
        if o.has("migration_blockers") {
            g.migrationBlockers = o.objects("migration_blockers").map { b in
                MigrationBlocker(MigrationBlocker.Reason(rawValue: b.string("reason") ?? "") ?? .unknown, b.string("detail") ?? "")
            }
        }
        g.blockJobs = o.objects("block_jobs").map { j in
            BlockJob(
                disk: j.string("disk") ?? "", type: j.int("type") ?? 0, currentBytes: j.uint("current_bytes") ?? 0,
                endBytes: j.uint("end_bytes") ?? 0, bandwidthBytesPerSecond: j.uint("bandwidth_bytes_per_second") ?? 0)
        }
        return g
    }

    static func cgroup(_ c: JSONObject) -> GuestCgroupStats {
        var s = GuestCgroupStats(path: c.string("path") ?? "")
        s.cpuUserSeconds = c.double("cpu_user_seconds"); s.cpuSystemSeconds = c.double("cpu_system_seconds")
        s.cpuUsageSeconds = c.double("cpu_usage_seconds")
        s.throttledPeriods = c.uint("throttled_periods"); s.throttledSeconds = c.double("throttled_seconds")
        s.memoryUsageBytes = c.uint("memory_usage_bytes"); s.memoryWorkingSetBytes = c.uint("memory_working_set_bytes")
        s.memoryLimitBytes = c.uint("memory_limit_bytes"); s.memorySwapBytes = c.uint("memory_swap_bytes")
        s.oomKills = c.uint("oom_kills")
        s.blockReadBytes = c.uint("block_read_bytes"); s.blockWriteBytes = c.uint("block_write_bytes")
        s.blockReadOps = c.uint("block_read_ops"); s.blockWriteOps = c.uint("block_write_ops")
        s.cpuPressureSomeSeconds = c.double("cpu_pressure_some_seconds"); s.cpuPressureFullSeconds = c.double("cpu_pressure_full_seconds")
        s.memoryPressureSomeSeconds = c.double("memory_pressure_some_seconds");
        s.memoryPressureFullSeconds = c.double("memory_pressure_full_seconds")
        s.ioPressureSomeSeconds = c.double("io_pressure_some_seconds"); s.ioPressureFullSeconds = c.double("io_pressure_full_seconds")
        s.processes = c.int("processes")
        if let t = c.object("threads_by_role") { for k in t.keys { if let v = t.int(k) { s.threadsByRole[k] = v } } }
        if let t = c.object("cpu_seconds_by_role") { for k in t.keys { if let v = t.double(k) { s.cpuSecondsByRole[k] = v } } }
        s.netRxBytes = c.uint("net_rx_bytes"); s.netTxBytes = c.uint("net_tx_bytes")
        s.netRxPackets = c.uint("net_rx_packets"); s.netTxPackets = c.uint("net_tx_packets")
        return s
    }

    static func job(_ o: JSONObject) -> DomainJob {
        var j = DomainJob(type: o.int("type") ?? 0)
        j.operation = o.int("operation")
        j.elapsedSeconds = o.double("elapsed_seconds"); j.remainingSeconds = o.double("remaining_seconds")
        j.dataTotalBytes = o.uint("data_total_bytes"); j.dataProcessedBytes = o.uint("data_processed_bytes")
        j.dataRemainingBytes = o.uint("data_remaining_bytes")
        j.memoryTotalBytes = o.uint("memory_total_bytes"); j.memoryProcessedBytes = o.uint("memory_processed_bytes")
        j.memoryRemainingBytes = o.uint("memory_remaining_bytes")
        j.memoryBandwidthBytesPerSecond = o.uint("memory_bandwidth_bytes_per_second")
        j.memoryDirtyRateBytesPerSecond = o.uint("memory_dirty_rate_bytes_per_second")
        j.memoryPageSizeBytes = o.uint("memory_page_size_bytes"); j.memoryIteration = o.uint("memory_iteration")
        j.memoryPostcopyRequests = o.uint("memory_postcopy_requests")
        j.diskTotalBytes = o.uint("disk_total_bytes"); j.diskProcessedBytes = o.uint("disk_processed_bytes")
        j.diskRemainingBytes = o.uint("disk_remaining_bytes"); j.diskBandwidthBytesPerSecond = o.uint("disk_bandwidth_bytes_per_second")
        j.downtimeSeconds = o.double("downtime_seconds"); j.setupTimeSeconds = o.double("setup_time_seconds")
        j.compressionBytes = o.uint("compression_bytes"); j.observedAtSeconds = o.double("observed_at_seconds")
        j.autoConvergeThrottlePercent = o.uint("auto_converge_throttle_percent")
        j.outcome = DomainJob.Outcome(rawValue: o.string("outcome") ?? "")
        j.endedAtSeconds = o.double("ended_at_seconds")
        j.peakProgressRatio = o.double("peak_progress_ratio")
        j.errorMessage = o.string("error_message")
        return j
    }

    static func process(_ o: JSONObject) -> ProcessEntry {
        let pid = o.int("pid") ?? 0
        return ProcessEntry(
            pid: pid, tid: o.int("tid") ?? pid, comm: o.string("comm") ?? "", role: o.string("role") ?? "",
            vcpu: o.int("vcpu"), guestKey: o.string("guest"), cpuSeconds: o.double("cpu_seconds") ?? 0,
            rssBytes: o.uint("rss_bytes") ?? 0, evidence: o.string("evidence") ?? "")
    }

    static func host(_ o: JSONObject) -> HostFacts {
        var h = HostFacts()
        h.cpus = o.int("cpus"); h.memoryTotalBytes = o.uint("memory_total_bytes"); h.memoryAvailableBytes = o.uint("memory_available_bytes")
        h.guestVCPUs = o.int("guest_vcpus"); h.guestMemoryBytes = o.uint("guest_memory_bytes")
        h.ksmPagesShared = o.uint("ksm_pages_shared"); h.ksmPagesSharing = o.uint("ksm_pages_sharing");
        h.ksmFullScans = o.uint("ksm_full_scans")
        h.hugepagesTotal = o.uint("hugepages_total"); h.hugepagesFree = o.uint("hugepages_free");
        h.hugepageSizeBytes = o.uint("hugepage_size_bytes")
        return h
    }

    static func mdArray(_ o: JSONObject) -> MDArray {
        var a = MDArray(device: o.string("device") ?? "", source: MDDataSource(rawValue: o.string("source") ?? "") ?? .sysfs)
        a.level = o.string("level"); a.arrayState = o.string("array_state")
        a.raidDisks = o.int("raid_disks"); a.raidDisksBefore = o.int("raid_disks_before"); a.degraded = o.int("degraded")
        a.syncAction = o.string("sync_action"); a.lastSyncAction = o.string("last_sync_action")
        a.syncState = MDSyncState(rawValue: o.string("sync_state") ?? "")
        a.syncCompletedSectors = o.uint("sync_completed_sectors"); a.syncTotalSectors = o.uint("sync_total_sectors")
        a.syncSpeedBytesPerSecond = o.uint("sync_speed_bytes_per_second"); a.syncRemainingSeconds = o.double("sync_remaining_seconds")
        a.mismatchSectors = o.uint("mismatch_sectors") ?? o.uint("mismatch_count")
        a.metadataVersion = o.string("metadata_version"); a.chunkSizeBytes = o.uint("chunk_size_bytes")
        a.chunkSizeBytesBefore = o.uint("chunk_size_bytes_before"); a.reshapePositionSectors = o.uint("reshape_position_sectors")
        if let b = o.object("bitmap") {
            a.bitmap = MDBitmap(
                pagesUsed: b.uint("pages_used") ?? 0, pagesTotal: b.uint("pages_total") ?? 0,
                memoryBytes: b.uint("memory_bytes") ?? 0, chunkBytes: b.uint("chunk_bytes") ?? 0, file: b.string("file"))
        }
        a.componentSizeBytes = o.uint("component_size_bytes"); a.sizeBytes = o.uint("size_bytes")
        a.consistencyPolicy = o.string("consistency_policy"); a.uuid = o.string("uuid")
        a.error = o.string("error")
        a.members = o.objects("members").map { m in
            var mm = MDMember(device: m.string("device") ?? "", states: m.strings("states"), slot: m.int("slot"))
            mm.errors = m.uint("errors"); mm.descriptorIndex = m.int("descriptor_index"); mm.parentDisk = m.string("parent_disk")
            mm.model = m.string("model"); mm.serial = m.string("serial"); mm.wwn = m.string("wwn"); mm.byIdPath = m.string("by_id_path")
            return mm
        }
        return a
    }

    static func pool(_ o: JSONObject) -> StoragePool {
        var p = StoragePool(name: o.string("name") ?? "", state: o.int("state") ?? 0)
        p.uuid = o.string("uuid"); p.type = o.string("type")
        p.capacityBytes = o.uint("capacity_bytes"); p.allocationBytes = o.uint("allocation_bytes");
        p.availableBytes = o.uint("available_bytes")
        p.volumes = o.int("volumes"); p.autostart = o.bool("autostart"); p.persistent = o.bool("persistent")
        p.timedOut = o.bool("timed_out") ?? false
        p.error = o.string("error"); p.targetPath = o.string("target_path"); p.source = o.string("source")
        p.lastRefreshSeconds = o.double("last_refresh_seconds"); p.lastRefreshSucceeded = o.bool("last_refresh_succeeded")
        p.refreshError = o.string("refresh_error")
        return p
    }
}

extension SnapshotDecoder {
    static func btrfs(_ o: JSONObject) -> BtrfsFilesystem {
        var f = BtrfsFilesystem(uuid: o.string("uuid") ?? "")
        f.label = o.string("label"); f.mountPoint = o.string("mount_point")
        f.exclusiveOperation = o.string("exclusive_operation"); f.scrubRunning = o.bool("scrub_running")
        f.error = o.string("error")
        f.allocation = o.objects("allocation").map { a in
            var m = BtrfsAllocation(type: a.string("type") ?? "")
            m.totalBytes = a.uint("total_bytes"); m.usedBytes = a.uint("used_bytes")
            m.diskTotalBytes = a.uint("disk_total_bytes"); m.diskUsedBytes = a.uint("disk_used_bytes")
            m.profiles = a.objects("profiles").map {
                BtrfsProfileSpace(name: $0.string("name") ?? "", totalBytes: $0.uint("total_bytes"), usedBytes: $0.uint("used_bytes"))
            }
            return m
        }
        f.devices = o.objects("devices").map { d in
            var m = BtrfsDevice(devid: d.uint("devid") ?? 0, device: d.string("device"), missing: d.bool("missing") ?? false)
            m.replaceTarget = d.bool("replace_target"); m.sizeBytes = d.uint("size_bytes"); m.usedBytes = d.uint("used_bytes")
            m.error = d.string("error")
            if let e = d.object("errors") {
                m.errors = BtrfsDeviceErrors(
                    write: e.uint("write") ?? 0, read: e.uint("read") ?? 0, flush: e.uint("flush") ?? 0,
                    corruption: e.uint("corruption") ?? 0, generation: e.uint("generation") ?? 0)
            }
            return m
        }
        if let s = o.object("last_scrub") {
            f.lastScrub = BtrfsScrubResult(
                startSeconds: s.double("start_seconds"), durationSeconds: s.double("duration_seconds"),
                finished: s.bool("finished") ?? false, canceled: s.bool("canceled") ?? false,
                errorsFound: s.uint("errors_found") ?? 0, correctedErrors: s.uint("corrected_errors") ?? 0,
                uncorrectableErrors: s.uint("uncorrectable_errors") ?? 0)
        }
        return f
    }

    static func lxdPool(_ o: JSONObject) -> LXDStoragePool {
        var p = LXDStoragePool(name: o.string("name") ?? "", driver: o.string("driver") ?? "", status: o.string("status") ?? "")
        p.poolDescription = o.string("description") ?? ""; p.source = o.string("source")
        p.totalBytes = o.uint("total_bytes"); p.usedBytes = o.uint("used_bytes")
        p.inodesTotal = o.uint("inodes_total"); p.inodesUsed = o.uint("inodes_used")
        p.usedBy = o.int("used_by") ?? 0
        if let v = o.object("volumes_by_type") {
            for k in v.keys { if let n = v.int(k) { p.volumesByType[k] = n } }
        }
        p.error = o.string("error")
        return p
    }
}

/// A JSON document that hvtop could not use.
public struct SnapshotDecodeError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "cannot read the snapshot: \(reason)" }
}

/// Typed read access to a parsed JSON object (JSONSerialization output).
struct JSONObject {
    let dict: [String: Any]
    init(_ dict: [String: Any]) { self.dict = dict }

    var keys: [String] { Array(dict.keys) }
    func string(_ k: String) -> String? { dict[k] as? String }
    func has(_ k: String) -> Bool { dict[k] != nil }
    func bool(_ k: String) -> Bool? {
        if let b = dict[k] as? Bool { return b }
        return nil
    }
    // Numbers come as NSNumber; 0 and 1 also pass `is Bool` on Linux, so booleans are not
    // told apart here (the schema says which fields are numbers).
    func double(_ k: String) -> Double? {
        if let n = dict[k] as? NSNumber { return n.doubleValue }
        return dict[k] as? Double
    }
    func int(_ k: String) -> Int? {
        guard let d = double(k), d.isFinite, d >= Double(Int.min), d <= Double(Int.max) else { return nil }
        if let n = dict[k] as? NSNumber { return n.intValue }
        return Int(d)
    }
    func uint(_ k: String) -> UInt64? {
        guard let n = dict[k] as? NSNumber else { return nil }
        let d = n.doubleValue
        guard d.isFinite, d >= 0 else { return nil }
        // Exact for integers up to 2^64-1 (NSNumber keeps the integer); doubles above 2^53 round.
        if d >= 9.0e15 { return n.uint64Value }
        return UInt64(d)
    }
    func object(_ k: String) -> JSONObject? { (dict[k] as? [String: Any]).map(JSONObject.init) }
    func objects(_ k: String) -> [JSONObject] { (dict[k] as? [Any] ?? []).compactMap { ($0 as? [String: Any]).map(JSONObject.init) } }
    func strings(_ k: String) -> [String] { (dict[k] as? [Any] ?? []).compactMap { $0 as? String } }
}
