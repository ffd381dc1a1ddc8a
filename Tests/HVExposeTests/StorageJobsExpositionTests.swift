import Foundation
import HVModel
import LabSupport
import Testing

@testable import HVExpose

/// Storage pool and job families on a hand-built snapshot whose figures come from the lab
/// (libvirt 9.0: a dir pool, a save, a live migration, a throttled blockcopy): golden text,
/// promtool, and the rules (no size series for inactive or timed-out pools, one last-job
/// series per domain name, departed domains).
struct StorageJobsExpositionTests {
    static func sample() -> Snapshot {
        var s = Snapshot(timestampSeconds: 1_795_321_800, hostname: "hv1")
        s.collectors = [
            CollectorStatus(name: "libvirt", success: true, durationSeconds: 0.01),
            CollectorStatus(name: "pools", success: true, durationSeconds: 0.01),
            CollectorStatus(name: "jobs", success: true, durationSeconds: 0.01),
        ]

        var dir = StoragePool(name: "images", state: 2)
        dir.uuid = "5fc070de-efc2-49ac-b0d2-dc5529319289"; dir.type = "dir"
        dir.capacityBytes = 270_553_174_016; dir.allocationBytes = 18_753_093_632; dir.availableBytes = 251_800_080_384
        dir.volumes = 3; dir.autostart = true; dir.persistent = true
        dir.lastRefreshSeconds = 1_795_321_790; dir.lastRefreshSucceeded = true
        var nfs = StoragePool(name: "nfs \"backup\"", state: 0)   // inactive: no sizes, no volumes
        nfs.uuid = "8c4e0a55-1f29-4c0b-9b7e-2e1a7a6b4f10"; nfs.type = "netfs"; nfs.autostart = false; nfs.persistent = true
        nfs.lastRefreshSeconds = 1_795_321_700; nfs.lastRefreshSucceeded = false; nfs.refreshError = "cannot open directory"
        var hung = StoragePool(name: "san1", state: 0)   // did not answer
        hung.uuid = "4ca35cc6-ff43-4df7-8fc0-1a6d7b25b4b2"; hung.type = "iscsi"; hung.timedOut = true
        s.storagePools = [dir, nfs, hung]

        // Running outgoing migration (figures of Fixtures/jobs/migration-out-running.txt).
        var mig = Guest(name: "db1", uuid: "0000-a", kind: .vm, driver: "qemu", state: .running)
        mig.listedByLibvirt = true
        var j = DomainJob(type: 2)
        j.operation = 5; j.elapsedSeconds = 9.485; j.downtimeSeconds = 0.3
        j.dataTotalBytes = 201_719_808; j.dataProcessedBytes = 71_507_010; j.dataRemainingBytes = 65_929_216
        j.memoryTotalBytes = 201_719_808; j.memoryProcessedBytes = 71_507_010; j.memoryRemainingBytes = 65_929_216
        j.memoryBandwidthBytesPerSecond = 8_413_380; j.memoryDirtyRateBytesPerSecond = 0; j.memoryPageSizeBytes = 4096
        j.memoryIteration = 1; j.memoryPostcopyRequests = 0
        j.diskTotalBytes = 0; j.diskProcessedBytes = 0; j.diskRemainingBytes = 0
        j.peakProgressRatio = 0.75
        mig.job = j
        // A completed save as its last job (Fixtures/jobs/save-completed.txt), and a block copy.
        var save = DomainJob(type: 3)
        save.operation = 2; save.elapsedSeconds = 9.356; save.downtimeSeconds = 9.352; save.dataTotalBytes = 201_719_808
        save.dataRemainingBytes = 0; save.outcome = .completed; save.endedAtSeconds = 1_795_321_643.5; save.peakProgressRatio = 1
        mig.lastJob = save
        mig.blockJobs = [BlockJob(disk: "vda", type: 2, currentBytes: 16_777_216, endBytes: 67_108_864, bandwidthBytesPerSecond: 4_194_304)]

        // Cancelled save, no job now.
        var web = Guest(name: "web\\1", uuid: "0000-b", kind: .vm, driver: "qemu", state: .running)
        web.listedByLibvirt = true
        var cancelled = DomainJob(type: 5)
        cancelled.operation = 2; cancelled.elapsedSeconds = 2; cancelled.dataTotalBytes = 200_000_000
        cancelled.outcome = .cancelled; cancelled.endedAtSeconds = 1_795_321_700; cancelled.peakProgressRatio = 0.55
        web.lastJob = cancelled
        // A container with the same name as a departed domain must not duplicate series.
        let ct = Guest(name: "ct1", uuid: nil, kind: .container, driver: "lxc-tools", state: .running)
        s.guests = [mig, web, ct]

        // Migrated away with --undefinesource: the source keeps the job-completed event's figures.
        var out = DomainJob(type: 3)
        out.operation = 5; out.elapsedSeconds = 11.848; out.downtimeSeconds = 0.039; out.dataTotalBytes = 201_719_808
        out.dataRemainingBytes = 0; out.outcome = .completed; out.endedAtSeconds = 1_795_321_809; out.peakProgressRatio = 1
        // An older departure of a domain whose name is back on the host: not exported.
        var older = out
        older.endedAtSeconds = 1_795_300_000
        s.departedJobs = [
            DepartedDomainJob(name: "hv-job1", uuid: "3159d23e", job: out, departedAtSeconds: 1_795_321_810),
            DepartedDomainJob(name: "db1", uuid: "0000-x", job: older, departedAtSeconds: 1_795_300_001),
        ]
        return s
    }

    static func text() -> String {
        var set = MetricSet()
        SnapshotMetrics.addStoragePoolFamilies(sample(), &set)
        SnapshotMetrics.addJobFamilies(sample(), &set)
        return String(decoding: PrometheusTextWriter.write(set), as: UTF8.self)
    }

    /// HV_WRITE_GOLDEN=<file> writes the current text there (to review and paste below).
    @Test func goldenText() throws {
        let got = Self.text()
        if let path = ProcessInfo.processInfo.environment["HV_WRITE_GOLDEN"] {
            try got.write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(got == Self.golden + "\n", "got:\n\(got)")
    }

    @Test(.promtool) func theFullExpositionHasThemAndPassesPromtool() throws {
        let set = SnapshotMetrics.build(Self.sample())
        #expect(set.samples("libvirt_storage_pool_state").count == 2)
        #expect(set.samples("hv_domain_last_job_info").count == 3)
        let text = PrometheusTextWriter.write(set)
        let report = try Promtool.checkMetrics(text)
        #expect(report.isClean, "\(report)")
    }

    @Test func noPoolsCollectorNoPoolFamilies() {
        var set = MetricSet()
        SnapshotMetrics.addStoragePoolFamilies(Snapshot(), &set)
        #expect(set.sortedNames.isEmpty)
        // With the collector on and no pool, the timed-out family is still declared.
        var s = Snapshot()
        s.collectors = [CollectorStatus(name: "pools", success: true, durationSeconds: 0)]
        SnapshotMetrics.addStoragePoolFamilies(s, &set)
        #expect(set.sortedNames == ["hv_storage_pool_timed_out"])
    }

    @Test func jsonCarriesPoolsLastJobsAndDepartedJobs() throws {
        let data = Data(SnapshotJSON.encode(Self.sample()))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let pools = try #require(root["storage_pools"] as? [[String: Any]])
        #expect(pools.map { $0["state_name"] as? String } == ["running", "inactive", "inactive"])
        #expect(pools[1]["refresh_error"] as? String == "cannot open directory")
        let departed = try #require(root["departed_jobs"] as? [[String: Any]])
        #expect(departed.count == 2)
        let job = try #require(departed[0]["job"] as? [String: Any])
        #expect(job["operation_name"] as? String == "migration_out")
        #expect(job["outcome"] as? String == "completed")
        let guests = try #require(root["guests"] as? [[String: Any]])
        let bj = try #require((guests[0]["block_jobs"] as? [[String: Any]])?.first)
        #expect(bj["type_name"] as? String == "copy")
        #expect(bj["progress_ratio"] as? Double == 0.25)
    }

    static let golden = #"""
        # HELP hv_domain_block_job_progress_ratio Progress of the block job on the disk, current/end (0..1).
        # TYPE hv_domain_block_job_progress_ratio gauge
        hv_domain_block_job_progress_ratio{domain="db1",target_device="vda",type="copy"} 0.25
        # HELP hv_domain_job_progress_ratio Progress of the running job (0..1): 1 - remaining/total of its data (else memory, else disk).
        # TYPE hv_domain_job_progress_ratio gauge
        hv_domain_job_progress_ratio{domain="db1",operation="migration_out"} 0.673164392462638
        # HELP hv_domain_last_job_data_total_bytes Data the domain's last finished job had to move, bytes.
        # TYPE hv_domain_last_job_data_total_bytes gauge
        hv_domain_last_job_data_total_bytes{domain="db1"} 201719808
        hv_domain_last_job_data_total_bytes{domain="web\\1"} 200000000
        hv_domain_last_job_data_total_bytes{domain="hv-job1"} 201719808
        # HELP hv_domain_last_job_downtime_seconds How long the guest was paused at the switch-over of its last finished job, seconds.
        # TYPE hv_domain_last_job_downtime_seconds gauge
        hv_domain_last_job_downtime_seconds{domain="db1"} 9.352
        hv_domain_last_job_downtime_seconds{domain="hv-job1"} 0.039
        # HELP hv_domain_last_job_duration_seconds How long the domain's last finished job ran, seconds.
        # TYPE hv_domain_last_job_duration_seconds gauge
        hv_domain_last_job_duration_seconds{domain="db1"} 9.356
        hv_domain_last_job_duration_seconds{domain="web\\1"} 2
        hv_domain_last_job_duration_seconds{domain="hv-job1"} 11.848
        # HELP hv_domain_last_job_end_timestamp_seconds When the domain's last finished job ended, as the exporter saw it, seconds since the epoch.
        # TYPE hv_domain_last_job_end_timestamp_seconds gauge
        hv_domain_last_job_end_timestamp_seconds{domain="db1"} 1795321643.5
        hv_domain_last_job_end_timestamp_seconds{domain="web\\1"} 1795321700
        hv_domain_last_job_end_timestamp_seconds{domain="hv-job1"} 1795321809
        # HELP hv_domain_last_job_info The domain's last finished job: operation (save, migration_out ...) and outcome (completed, failed, cancelled, unknown); value 1.
        # TYPE hv_domain_last_job_info gauge
        hv_domain_last_job_info{domain="db1",operation="save",outcome="completed"} 1
        hv_domain_last_job_info{domain="web\\1",operation="save",outcome="cancelled"} 1
        hv_domain_last_job_info{domain="hv-job1",operation="migration_out",outcome="completed"} 1
        # HELP hv_domain_last_job_peak_progress_ratio Highest progress (0..1) the exporter saw for the domain's last finished job (sampled about once a second).
        # TYPE hv_domain_last_job_peak_progress_ratio gauge
        hv_domain_last_job_peak_progress_ratio{domain="db1"} 1
        hv_domain_last_job_peak_progress_ratio{domain="web\\1"} 0.55
        hv_domain_last_job_peak_progress_ratio{domain="hv-job1"} 1
        # HELP hv_storage_pool_autostart 1 if libvirt starts the storage pool when libvirtd starts.
        # TYPE hv_storage_pool_autostart gauge
        hv_storage_pool_autostart{pool="images"} 1
        hv_storage_pool_autostart{pool="nfs \"backup\""} 0
        # HELP hv_storage_pool_last_refresh_success 1 if the exporter's last refresh of the storage pool succeeded, 0 if libvirt failed it (libvirt then stops the pool).
        # TYPE hv_storage_pool_last_refresh_success gauge
        hv_storage_pool_last_refresh_success{pool="images"} 1
        hv_storage_pool_last_refresh_success{pool="nfs \"backup\""} 0
        # HELP hv_storage_pool_last_refresh_timestamp_seconds When the exporter last refreshed the storage pool (--libvirt.pool-refresh-interval), seconds since the epoch.
        # TYPE hv_storage_pool_last_refresh_timestamp_seconds gauge
        hv_storage_pool_last_refresh_timestamp_seconds{pool="images"} 1795321790
        hv_storage_pool_last_refresh_timestamp_seconds{pool="nfs \"backup\""} 1795321700
        # HELP hv_storage_pool_persistent 1 if the storage pool has a persistent definition, 0 if transient.
        # TYPE hv_storage_pool_persistent gauge
        hv_storage_pool_persistent{pool="images"} 1
        hv_storage_pool_persistent{pool="nfs \"backup\""} 1
        # HELP hv_storage_pool_timed_out 1 if libvirt did not answer for this storage pool within the scrape deadline, or failed to give its state (its figures are missing).
        # TYPE hv_storage_pool_timed_out gauge
        hv_storage_pool_timed_out{pool="images"} 0
        hv_storage_pool_timed_out{pool="nfs \"backup\""} 0
        hv_storage_pool_timed_out{pool="san1"} 1
        # HELP hv_storage_pool_used_ratio Allocation divided by capacity of the storage pool (0..1).
        # TYPE hv_storage_pool_used_ratio gauge
        hv_storage_pool_used_ratio{pool="images"} 0.06931389254701915
        # HELP libvirt_domain_block_job_bandwidth_bytes_per_second Bandwidth limit of the block job on the disk, bytes per second (0 = unlimited).
        # TYPE libvirt_domain_block_job_bandwidth_bytes_per_second gauge
        libvirt_domain_block_job_bandwidth_bytes_per_second{domain="db1",target_device="vda",type="copy"} 4194304
        # HELP libvirt_domain_block_job_current_bytes Progress of the block job on the disk: data done, bytes. type: pull, copy, commit, active_commit, backup.
        # TYPE libvirt_domain_block_job_current_bytes gauge
        libvirt_domain_block_job_current_bytes{domain="db1",target_device="vda",type="copy"} 16777216
        # HELP libvirt_domain_block_job_end_bytes Data the block job on the disk has to go through, bytes.
        # TYPE libvirt_domain_block_job_end_bytes gauge
        libvirt_domain_block_job_end_bytes{domain="db1",target_device="vda",type="copy"} 67108864
        # HELP libvirt_domain_job_data_processed_bytes Data the running job has moved, bytes.
        # TYPE libvirt_domain_job_data_processed_bytes gauge
        libvirt_domain_job_data_processed_bytes{domain="db1"} 71507010
        # HELP libvirt_domain_job_data_remaining_bytes Data the running job still has to move, bytes.
        # TYPE libvirt_domain_job_data_remaining_bytes gauge
        libvirt_domain_job_data_remaining_bytes{domain="db1"} 65929216
        # HELP libvirt_domain_job_data_total_bytes Data the running job has to move in total (memory and disks), bytes.
        # TYPE libvirt_domain_job_data_total_bytes gauge
        libvirt_domain_job_data_total_bytes{domain="db1"} 201719808
        # HELP libvirt_domain_job_disk_processed_bytes Disk data the running job has moved, bytes.
        # TYPE libvirt_domain_job_disk_processed_bytes gauge
        libvirt_domain_job_disk_processed_bytes{domain="db1"} 0
        # HELP libvirt_domain_job_disk_remaining_bytes Disk data the running job still has to move, bytes.
        # TYPE libvirt_domain_job_disk_remaining_bytes gauge
        libvirt_domain_job_disk_remaining_bytes{domain="db1"} 0
        # HELP libvirt_domain_job_disk_total_bytes Disk data the running job has to move (storage migration), bytes.
        # TYPE libvirt_domain_job_disk_total_bytes gauge
        libvirt_domain_job_disk_total_bytes{domain="db1"} 0
        # HELP libvirt_domain_job_downtime_seconds Downtime of the guest in the running job: while a migration runs, the pause expected at the switch-over, seconds.
        # TYPE libvirt_domain_job_downtime_seconds gauge
        libvirt_domain_job_downtime_seconds{domain="db1"} 0.3
        # HELP libvirt_domain_job_memory_bandwidth_bytes_per_second Rate at which the running job moves guest memory, bytes per second.
        # TYPE libvirt_domain_job_memory_bandwidth_bytes_per_second gauge
        libvirt_domain_job_memory_bandwidth_bytes_per_second{domain="db1"} 8413380
        # HELP libvirt_domain_job_memory_dirty_rate_bytes_per_second Rate at which the guest dirties memory during the running job (pages per second times page size), bytes per second.
        # TYPE libvirt_domain_job_memory_dirty_rate_bytes_per_second gauge
        libvirt_domain_job_memory_dirty_rate_bytes_per_second{domain="db1"} 0
        # HELP libvirt_domain_job_memory_iteration Pre-copy pass over guest memory the running migration is in (1 = first pass).
        # TYPE libvirt_domain_job_memory_iteration gauge
        libvirt_domain_job_memory_iteration{domain="db1"} 1
        # HELP libvirt_domain_job_memory_page_size_bytes Memory page size the running job counts in, bytes.
        # TYPE libvirt_domain_job_memory_page_size_bytes gauge
        libvirt_domain_job_memory_page_size_bytes{domain="db1"} 4096
        # HELP libvirt_domain_job_memory_postcopy_requests Page requests the destination made during post-copy of the running migration.
        # TYPE libvirt_domain_job_memory_postcopy_requests gauge
        libvirt_domain_job_memory_postcopy_requests{domain="db1"} 0
        # HELP libvirt_domain_job_memory_processed_bytes Guest memory the running job has moved, bytes.
        # TYPE libvirt_domain_job_memory_processed_bytes gauge
        libvirt_domain_job_memory_processed_bytes{domain="db1"} 71507010
        # HELP libvirt_domain_job_memory_remaining_bytes Guest memory the running job still has to move, bytes.
        # TYPE libvirt_domain_job_memory_remaining_bytes gauge
        libvirt_domain_job_memory_remaining_bytes{domain="db1"} 65929216
        # HELP libvirt_domain_job_memory_total_bytes Guest memory the running job has to move, bytes.
        # TYPE libvirt_domain_job_memory_total_bytes gauge
        libvirt_domain_job_memory_total_bytes{domain="db1"} 201719808
        # HELP libvirt_domain_job_operation Operation of the running job: 1 start, 2 save, 3 restore, 4 incoming migration, 5 outgoing migration, 6 snapshot, 7 snapshot revert, 8 dump, 9 backup, 10 snapshot delete.
        # TYPE libvirt_domain_job_operation gauge
        libvirt_domain_job_operation{domain="db1"} 5
        # HELP libvirt_domain_job_time_elapsed_seconds Time since the running job started, seconds.
        # TYPE libvirt_domain_job_time_elapsed_seconds gauge
        libvirt_domain_job_time_elapsed_seconds{domain="db1"} 9.485
        # HELP libvirt_domain_job_type Type of the running job: 1 bounded, 2 unbounded (only while a job runs).
        # TYPE libvirt_domain_job_type gauge
        libvirt_domain_job_type{domain="db1"} 2
        # HELP libvirt_storage_pool_allocation_bytes Space allocated in the storage pool, bytes.
        # TYPE libvirt_storage_pool_allocation_bytes gauge
        libvirt_storage_pool_allocation_bytes{pool="images"} 18753093632
        # HELP libvirt_storage_pool_available_bytes Space still free for new allocations in the storage pool, bytes.
        # TYPE libvirt_storage_pool_available_bytes gauge
        libvirt_storage_pool_available_bytes{pool="images"} 251800080384
        # HELP libvirt_storage_pool_capacity_bytes Size of the storage pool, bytes.
        # TYPE libvirt_storage_pool_capacity_bytes gauge
        libvirt_storage_pool_capacity_bytes{pool="images"} 270553174016
        # HELP libvirt_storage_pool_info Storage pool identity as labels (type: dir, fs, netfs, logical, iscsi, rbd, gluster, zfs ...); value 1.
        # TYPE libvirt_storage_pool_info gauge
        libvirt_storage_pool_info{pool="images",uuid="5fc070de-efc2-49ac-b0d2-dc5529319289",type="dir"} 1
        libvirt_storage_pool_info{pool="nfs \"backup\"",uuid="8c4e0a55-1f29-4c0b-9b7e-2e1a7a6b4f10",type="netfs"} 1
        libvirt_storage_pool_info{pool="san1",uuid="4ca35cc6-ff43-4df7-8fc0-1a6d7b25b4b2",type="iscsi"} 1
        # HELP libvirt_storage_pool_state Storage pool state: 0 inactive, 1 building, 2 running, 3 degraded, 4 inaccessible.
        # TYPE libvirt_storage_pool_state gauge
        libvirt_storage_pool_state{pool="images"} 2
        libvirt_storage_pool_state{pool="nfs \"backup\""} 0
        # HELP libvirt_storage_pool_volumes Number of volumes in the storage pool (active pools only).
        # TYPE libvirt_storage_pool_volumes gauge
        libvirt_storage_pool_volumes{pool="images"} 3
        """#
}
