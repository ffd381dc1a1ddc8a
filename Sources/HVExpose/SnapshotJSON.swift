import HVModel

/// The `/json` document: the whole snapshot, schema documented in docs/json.md.
///
/// Bump `schemaVersion` on any incompatible change (a removed or renamed field, a changed
/// unit). Adding fields is compatible. Fields whose value is unknown are left out.
public enum SnapshotJSON {
    public static let schemaVersion = 1

    public static func encode(_ s: Snapshot, version: String = "dev") -> [UInt8] {
        var w = JSONWriter(reserve: 16_384 + s.guests.count * 2048 + s.processes.count * 160)
        w.beginObject()
        w.field("schema", "hvexporter.snapshot")
        w.field("schema_version", schemaVersion)
        w.field("exporter_version", version)
        w.field("timestamp_seconds", s.timestampSeconds)
        w.field("hostname", s.hostname)
        w.key("collectors"); w.beginArray()
        for c in s.collectors {
            w.beginObject()
            w.field("name", c.name); w.field("success", c.success)
            w.field("duration_seconds", c.durationSeconds); w.field("error", c.error)
            w.endObject()
        }
        w.endArray()
        if let l = s.libvirt {
            w.key("libvirt"); w.beginObject()
            w.field("uri", l.uri); w.field("up", l.up); w.field("error", l.error)
            w.field("library_version", l.libraryVersion); w.field("daemon_version", l.daemonVersion)
            w.field("hypervisor_type", l.hypervisorType); w.field("hypervisor_version", l.hypervisorVersion)
            w.field("duration_seconds", l.durationSeconds)
            w.endObject()
        }
        if let h = s.host { writeHost(&w, h) }
        w.key("guests"); w.beginArray()
        for g in s.guests { writeGuest(&w, g) }
        w.endArray()
        w.key("processes"); w.beginArray()
        for p in s.processes { writeProcess(&w, p) }
        w.endArray()
        w.key("md_arrays"); w.beginArray()
        for a in s.mdArrays { writeMDArray(&w, a) }
        w.endArray()
        w.key("storage_pools"); w.beginArray()
        for p in s.storagePools { writePool(&w, p) }
        w.endArray()
        writeRAIDControllers(&w, s)
        w.key("smart_disks"); w.beginArray()
        for d in s.smartDisks { writeSMARTDisk(&w, d) }
        w.endArray()
        w.key("btrfs_filesystems"); w.beginArray()
        for f in s.btrfsFilesystems { writeBtrfs(&w, f) }
        w.endArray()
        w.key("lxd_storage_pools"); w.beginArray()
        for p in s.lxdStoragePools { writeLXDPool(&w, p) }
        w.endArray()
        if let run = s.lxdPoolsRun {
            w.key("lxd_pools_tool"); w.beginObject()
            writeStorageToolRuns(&w, [run], problems: [])
            w.endObject()
        }
        if let lm = s.lockManager { w.field("lock_manager", lm) }
        w.key("departed_jobs"); w.beginArray()
        for d in s.departedJobs {
            w.beginObject()
            w.field("name", d.name); w.field("uuid", d.uuid); w.field("departed_at_seconds", d.departedAtSeconds)
            w.key("job"); writeJob(&w, d.job)
            w.endObject()
        }
        w.endArray()
        writeStorageStack(&w, s)
        w.key("guest_disk_stacks"); w.beginArray()
        for d in s.guestDiskStacks { writeGuestDiskStack(&w, d) }
        w.endArray()
        w.endObject()
        return w.bytes
    }

    static func writeGuest(_ w: inout JSONWriter, _ g: Guest) {
        w.beginObject()
        w.field("name", g.name); w.field("uuid", g.uuid); w.field("key", g.key)
        w.field("domain_id", g.domainID); w.field("kind", g.kind.rawValue); w.field("driver", g.driver)
        w.field("state", g.state.rawValue); w.field("state_code", g.state.code); w.field("state_reason", g.stateReason)
        w.field("persistent", g.persistent); w.field("autostart", g.autostart); w.field("timed_out", g.timedOut)
        w.field("stats_age_seconds", g.statsAgeSeconds)
        w.field("listed_by_libvirt", g.listedByLibvirt)
        w.field("max_memory_bytes", g.maxMemoryBytes); w.field("memory_bytes", g.memoryBytes)
        w.field("vcpu_current", g.vcpuCurrent); w.field("vcpu_maximum", g.vcpuMaximum)
        w.field("cpu_time_seconds", g.cpuTimeSeconds); w.field("cpu_user_seconds", g.cpuUserSeconds)
        w.field("cpu_system_seconds", g.cpuSystemSeconds)
        w.key("vcpus"); w.beginArray()
        for v in g.vcpus {
            w.beginObject()
            w.field("index", v.index); w.field("state", v.state); w.field("time_seconds", v.timeSeconds)
            w.field("wait_seconds", v.waitSeconds); w.field("delay_seconds", v.delaySeconds); w.field("thread_id", v.threadID)
            w.endObject()
        }
        w.endArray()
        if let b = g.balloon {
            w.key("balloon"); w.beginObject()
            w.field("current_bytes", b.currentBytes); w.field("maximum_bytes", b.maximumBytes)
            w.field("swap_in_bytes", b.swapInBytes); w.field("swap_out_bytes", b.swapOutBytes)
            w.field("major_faults", b.majorFaults); w.field("minor_faults", b.minorFaults)
            w.field("unused_bytes", b.unusedBytes); w.field("available_bytes", b.availableBytes)
            w.field("usable_bytes", b.usableBytes); w.field("rss_bytes", b.rssBytes)
            w.field("disk_caches_bytes", b.diskCachesBytes); w.field("last_update_seconds", b.lastUpdateSeconds)
            w.field("hugetlb_pgalloc", b.hugetlbPgAlloc); w.field("hugetlb_pgfail", b.hugetlbPgFail)
            w.endObject()
        }
        w.key("block_devices"); w.beginArray()
        for b in g.blockDevices {
            w.beginObject()
            w.field("target", b.target); w.field("source", b.source); w.field("type", b.diskType)
            w.field("device", b.device); w.field("bus", b.bus); w.field("cache", b.cache)
            w.field("format", b.format); w.field("serial", b.serial); w.field("read_only", b.readOnly)
            w.field("read_bytes", b.readBytes); w.field("read_requests", b.readRequests)
            w.field("read_time_seconds", b.readTimeSeconds); w.field("write_bytes", b.writeBytes)
            w.field("write_requests", b.writeRequests); w.field("write_time_seconds", b.writeTimeSeconds)
            w.field("flush_requests", b.flushRequests); w.field("flush_time_seconds", b.flushTimeSeconds)
            w.field("errors", b.errors)
            w.field("capacity_bytes", b.capacityBytes); w.field("allocation_bytes", b.allocationBytes)
            w.field("physical_bytes", b.physicalBytes)
            w.field("source_identity", b.sourceIdentity); w.field("shareable", b.shareable)
            w.endObject()
        }
        w.endArray()
        w.key("interfaces"); w.beginArray()
        for n in g.interfaces {
            w.beginObject()
            w.field("target", n.target); w.field("type", n.type); w.field("source", n.source)
            w.field("mac", n.mac); w.field("model", n.model)
            w.field("rx_bytes", n.rxBytes); w.field("rx_packets", n.rxPackets); w.field("rx_errors", n.rxErrors)
            w.field("rx_drops", n.rxDrops); w.field("tx_bytes", n.txBytes); w.field("tx_packets", n.txPackets)
            w.field("tx_errors", n.txErrors); w.field("tx_drops", n.txDrops)
            w.endObject()
        }
        w.endArray()
        if let c = g.cgroup { writeCgroup(&w, c) }
        if let j = g.job { w.key("job"); writeJob(&w, j) }
        if let j = g.lastJob { w.key("last_job"); writeJob(&w, j) }
        if let blockers = g.migrationBlockers {
            w.key("migration_blockers"); w.beginArray()
            for b in blockers {
                w.beginObject()
                w.field("reason", b.reason.rawValue); w.field("detail", b.detail)
                w.endObject()
            }
            w.endArray()
        }
        if !g.blockJobs.isEmpty {
            w.key("block_jobs"); w.beginArray()
            for j in g.blockJobs {
                w.beginObject()
                w.field("disk", j.disk); w.field("type", j.type); w.field("current_bytes", j.currentBytes)
                w.field("end_bytes", j.endBytes); w.field("bandwidth_bytes_per_second", j.bandwidthBytesPerSecond)
                w.field("progress_ratio", j.progressRatio); w.field("type_name", j.typeName)
                w.endObject()
            }
            w.endArray()
        }
        w.endObject()
    }

    static func writeCgroup(_ w: inout JSONWriter, _ c: GuestCgroupStats) {
        w.key("cgroup"); w.beginObject()
        w.field("path", c.path)
        w.field("cpu_user_seconds", c.cpuUserSeconds); w.field("cpu_system_seconds", c.cpuSystemSeconds)
        w.field("cpu_usage_seconds", c.cpuUsageSeconds); w.field("throttled_periods", c.throttledPeriods)
        w.field("throttled_seconds", c.throttledSeconds); w.field("memory_usage_bytes", c.memoryUsageBytes)
        w.field("memory_working_set_bytes", c.memoryWorkingSetBytes); w.field("memory_limit_bytes", c.memoryLimitBytes)
        w.field("memory_swap_bytes", c.memorySwapBytes); w.field("oom_kills", c.oomKills)
        w.field("block_read_bytes", c.blockReadBytes); w.field("block_write_bytes", c.blockWriteBytes)
        w.field("block_read_ops", c.blockReadOps); w.field("block_write_ops", c.blockWriteOps)
        w.field("cpu_pressure_some_seconds", c.cpuPressureSomeSeconds)
        w.field("cpu_pressure_full_seconds", c.cpuPressureFullSeconds)
        w.field("memory_pressure_some_seconds", c.memoryPressureSomeSeconds)
        w.field("memory_pressure_full_seconds", c.memoryPressureFullSeconds)
        w.field("io_pressure_some_seconds", c.ioPressureSomeSeconds)
        w.field("io_pressure_full_seconds", c.ioPressureFullSeconds)
        w.field("processes", c.processes)
        w.key("threads_by_role"); w.beginObject()
        for k in c.threadsByRole.keys.sorted() { w.field(k, c.threadsByRole[k]) }
        w.endObject()
        w.key("cpu_seconds_by_role"); w.beginObject()
        for k in c.cpuSecondsByRole.keys.sorted() { w.field(k, c.cpuSecondsByRole[k]) }
        w.endObject()
        w.field("net_rx_bytes", c.netRxBytes); w.field("net_tx_bytes", c.netTxBytes)
        w.field("net_rx_packets", c.netRxPackets); w.field("net_tx_packets", c.netTxPackets)
        w.endObject()
    }

    static func writeJob(_ w: inout JSONWriter, _ j: DomainJob) {
        w.beginObject()
        w.field("type", j.type); w.field("operation", j.operation)
        w.field("elapsed_seconds", j.elapsedSeconds); w.field("remaining_seconds", j.remainingSeconds)
        w.field("data_total_bytes", j.dataTotalBytes); w.field("data_processed_bytes", j.dataProcessedBytes)
        w.field("data_remaining_bytes", j.dataRemainingBytes); w.field("memory_total_bytes", j.memoryTotalBytes)
        w.field("memory_processed_bytes", j.memoryProcessedBytes); w.field("memory_remaining_bytes", j.memoryRemainingBytes)
        w.field("memory_bandwidth_bytes_per_second", j.memoryBandwidthBytesPerSecond)
        w.field("memory_dirty_rate_bytes_per_second", j.memoryDirtyRateBytesPerSecond)
        w.field("memory_page_size_bytes", j.memoryPageSizeBytes); w.field("memory_iteration", j.memoryIteration)
        w.field("memory_postcopy_requests", j.memoryPostcopyRequests)
        w.field("disk_total_bytes", j.diskTotalBytes); w.field("disk_processed_bytes", j.diskProcessedBytes)
        w.field("disk_remaining_bytes", j.diskRemainingBytes)
        w.field("disk_bandwidth_bytes_per_second", j.diskBandwidthBytesPerSecond)
        w.field("downtime_seconds", j.downtimeSeconds); w.field("setup_time_seconds", j.setupTimeSeconds)
        w.field("compression_bytes", j.compressionBytes); w.field("observed_at_seconds", j.observedAtSeconds)
        w.field("progress_ratio", j.progressRatio)
        w.field("operation_name", j.operationName)
        w.field("auto_converge_throttle_percent", j.autoConvergeThrottlePercent)
        w.field("outcome", j.outcome?.rawValue); w.field("ended_at_seconds", j.endedAtSeconds)
        w.field("peak_progress_ratio", j.peakProgressRatio); w.field("error_message", j.errorMessage)
        w.endObject()
    }

    static func writeProcess(_ w: inout JSONWriter, _ p: ProcessEntry) {
        w.beginObject()
        w.field("pid", p.pid); w.field("tid", p.tid); w.field("comm", p.comm); w.field("role", p.role)
        w.field("vcpu", p.vcpu); w.field("guest", p.guestKey); w.field("cpu_seconds", p.cpuSeconds)
        w.field("rss_bytes", p.rssBytes); w.field("evidence", p.evidence)
        w.endObject()
    }

    static func writeHost(_ w: inout JSONWriter, _ h: HostFacts) {
        w.key("host"); w.beginObject()
        w.field("cpus", h.cpus); w.field("memory_total_bytes", h.memoryTotalBytes)
        w.field("memory_available_bytes", h.memoryAvailableBytes); w.field("guest_vcpus", h.guestVCPUs)
        w.field("guest_memory_bytes", h.guestMemoryBytes); w.field("ksm_pages_shared", h.ksmPagesShared)
        w.field("ksm_pages_sharing", h.ksmPagesSharing); w.field("ksm_full_scans", h.ksmFullScans)
        w.field("hugepages_total", h.hugepagesTotal); w.field("hugepages_free", h.hugepagesFree)
        w.field("hugepage_size_bytes", h.hugepageSizeBytes)
        w.endObject()
    }

    static func writeMDArray(_ w: inout JSONWriter, _ a: MDArray) {
        w.beginObject()
        w.field("device", a.device); w.field("level", a.level); w.field("array_state", a.arrayState)
        w.field("error", a.error)
        w.field("source", a.source.rawValue)
        w.field("raid_disks", a.raidDisks); w.field("raid_disks_before", a.raidDisksBefore); w.field("degraded", a.degraded)
        w.field("sync_action", a.syncAction); w.field("last_sync_action", a.lastSyncAction)
        w.field("sync_state", a.syncState?.rawValue)
        w.field("sync_completed_sectors", a.syncCompletedSectors); w.field("sync_total_sectors", a.syncTotalSectors)
        w.field("sync_completed_ratio", a.syncCompletedRatio)
        w.field("sync_speed_bytes_per_second", a.syncSpeedBytesPerSecond); w.field("sync_remaining_seconds", a.syncRemainingSeconds)
        w.field("mismatch_sectors", a.mismatchSectors); w.field("metadata_version", a.metadataVersion)
        w.field("chunk_size_bytes", a.chunkSizeBytes); w.field("chunk_size_bytes_before", a.chunkSizeBytesBefore)
        w.field("component_size_bytes", a.componentSizeBytes); w.field("size_bytes", a.sizeBytes)
        w.field("reshape_position_sectors", a.reshapePositionSectors)
        w.field("consistency_policy", a.consistencyPolicy); w.field("uuid", a.uuid)
        if let b = a.bitmap {
            w.key("bitmap"); w.beginObject()
            w.field("pages_used", b.pagesUsed); w.field("pages_total", b.pagesTotal)
            w.field("memory_bytes", b.memoryBytes); w.field("chunk_bytes", b.chunkBytes); w.field("file", b.file)
            w.endObject()
        }
        w.key("members"); w.beginArray()
        for m in a.members {
            w.beginObject()
            w.field("device", m.device); w.field("slot", m.slot)
            w.key("states"); w.beginArray(); for s in m.states { w.string(s) }; w.endArray()
            w.field("errors", m.errors); w.field("descriptor_index", m.descriptorIndex)
            w.field("parent_disk", m.parentDisk); w.field("model", m.model); w.field("serial", m.serial)
            w.field("wwn", m.wwn); w.field("by_id_path", m.byIdPath)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    static func writePool(_ w: inout JSONWriter, _ p: StoragePool) {
        w.beginObject()
        w.field("name", p.name); w.field("uuid", p.uuid); w.field("type", p.type); w.field("state", p.state)
        w.field("capacity_bytes", p.capacityBytes); w.field("allocation_bytes", p.allocationBytes)
        w.field("available_bytes", p.availableBytes); w.field("volumes", p.volumes)
        w.field("autostart", p.autostart); w.field("persistent", p.persistent); w.field("timed_out", p.timedOut)
        w.field("state_name", p.stateName); w.field("used_ratio", p.usedRatio); w.field("error", p.error)
        w.field("target_path", p.targetPath); w.field("source", p.source)
        w.field("last_refresh_seconds", p.lastRefreshSeconds); w.field("last_refresh_succeeded", p.lastRefreshSucceeded)
        w.field("refresh_error", p.refreshError)
        w.endObject()
    }
}
