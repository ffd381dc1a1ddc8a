import Foundation
import HVExpose
import HVModel
import Testing

@testable import HVTop

/// The `/json` schema has two hand-written sides, `SnapshotJSON` (the daemon's writer, kept
/// fast: no Codable in the scrape path) and `SnapshotDecoder` (hvtop's reader). This golden
/// round trip holds them together: a snapshot with every field filled (checked by reflection,
/// so a field added to the model must be filled here) -> JSON -> decoder -> the same snapshot,
/// field by field, and the same JSON again; every key written is named in docs/json.md.
/// A field added to one side only fails here.
struct SnapshotSchemaTests {
    /// Model fields deliberately not in `/json`, with why.
    static let notInJSON: [String: String] = [
        "exporterProcess": "the exporter's own figures go to the process_* families only",
        "guests[].cgroup.unifiedPath": "collector plumbing (the cgroup collector's input)",
        "guests[].cgroup.controllerPaths": "collector plumbing (the cgroup collector's input)",
        "guests[].cgroup.initPID": "collector plumbing (where container net/dev is read)",
    ]

    /// Every field set, none to its default (no nil, no empty collection or string, no
    /// false, no zero), so a field the reader does not read cannot come back equal by luck.
    static var full: Snapshot {
        var s = Snapshot(timestampSeconds: 1_765_000_000.25, hostname: "hv1")
        s.collectors = [CollectorStatus(name: "libvirt", success: true, durationSeconds: 0.5, error: "partial: 1 domain timed out")]
        s.libvirt = LibvirtStatus(
            uri: "qemu:///system", up: true, error: "e", libraryVersion: "9.0.0", daemonVersion: "9.0.0",
            hypervisorType: "QEMU", hypervisorVersion: "7.2.0", durationSeconds: 0.125)
        var h = HostFacts()
        h.cpus = 8; h.memoryTotalBytes = 1 << 34; h.memoryAvailableBytes = 1 << 33; h.guestVCPUs = 12; h.guestMemoryBytes = 1 << 32
        h.ksmPagesShared = 3; h.ksmPagesSharing = 4; h.ksmFullScans = 5; h.hugepagesTotal = 6; h.hugepagesFree = 7;
        h.hugepageSizeBytes = 2 << 20
        s.host = h

        var g = Guest(name: "web \"1\"", uuid: "11111111-2222-3333-4444-555555555555", kind: .vm, driver: "qemu", state: .paused)
        g.domainID = 7; g.stateReason = 2; g.persistent = true; g.autostart = true; g.timedOut = true; g.listedByLibvirt = true
        g.statsAgeSeconds = 12.5
        g.maxMemoryBytes = 4 << 30; g.memoryBytes = 2 << 30; g.vcpuMaximum = 4; g.vcpuCurrent = 2
        g.cpuTimeSeconds = 10.5; g.cpuUserSeconds = 6.25; g.cpuSystemSeconds = 4.25
        var v = VCPUStats(index: 1)
        v.state = 1; v.timeSeconds = 3.5; v.waitSeconds = 0.5; v.delaySeconds = 0.25; v.threadID = 4242
        g.vcpus = [v]
        var b = BalloonStats()
        b.currentBytes = 1; b.maximumBytes = 2; b.swapInBytes = 3; b.swapOutBytes = 4; b.majorFaults = 5; b.minorFaults = 6
        b.unusedBytes = 7; b.availableBytes = 8; b.usableBytes = 9; b.rssBytes = 10; b.diskCachesBytes = 11
        b.hugetlbPgAlloc = 12; b.hugetlbPgFail = 13; b.lastUpdateSeconds = 14
        g.balloon = b
        var d = BlockDevice(target: "vda", source: "/var/lib/libvirt/images/web.qcow2")
        d.diskType = "file"; d.device = "disk"; d.bus = "virtio"; d.cache = "none"; d.format = "qcow2"; d.serial = "S1"; d.readOnly = true
        d.readBytes = 1; d.readRequests = 2; d.readTimeSeconds = 0.5; d.writeBytes = 3; d.writeRequests = 4; d.writeTimeSeconds = 1.5
        d.flushRequests = 5; d.flushTimeSeconds = 2.5; d.errors = 6; d.capacityBytes = 7; d.allocationBytes = 8; d.physicalBytes = 9
        d.sourceIdentity = "file:2049:131"
        d.shareable = true
        g.blockDevices = [d]
        var n = NetInterface(target: "vnet0")
        n.type = "bridge"; n.source = "br0"; n.mac = "52:54:00:00:00:01"; n.model = "virtio"
        n.rxBytes = 1; n.rxPackets = 2; n.rxErrors = 3; n.rxDrops = 4; n.txBytes = 5; n.txPackets = 6; n.txErrors = 7; n.txDrops = 8
        g.interfaces = [n]
        var c = GuestCgroupStats(path: "/machine.slice/machine-qemu\\x2d7\\x2dweb.scope")
        c.unifiedPath = "/machine.slice/u"; c.controllerPaths = ["memory": "/m"]; c.initPID = 99
        c.cpuUserSeconds = 1.5; c.cpuSystemSeconds = 2.5; c.cpuUsageSeconds = 4.5; c.throttledPeriods = 3; c.throttledSeconds = 0.75
        c.memoryUsageBytes = 1; c.memoryWorkingSetBytes = 2; c.memoryLimitBytes = 3; c.memorySwapBytes = 4; c.oomKills = 5
        c.blockReadBytes = 6; c.blockWriteBytes = 7; c.blockReadOps = 8; c.blockWriteOps = 9
        c.cpuPressureSomeSeconds = 0.5; c.cpuPressureFullSeconds = 0.25; c.memoryPressureSomeSeconds = 1.5
        c.memoryPressureFullSeconds = 1.25; c.ioPressureSomeSeconds = 2.5; c.ioPressureFullSeconds = 2.25
        c.processes = 3; c.threadsByRole = ["vcpu": 2, "emulator": 1]; c.cpuSecondsByRole = ["vcpu": 7.5, "emulator": 0.5]
        c.netRxBytes = 10; c.netTxBytes = 11; c.netRxPackets = 12; c.netTxPackets = 13
        g.cgroup = c
        g.job = job(type: 2)
        let last = job(type: 3)
        g.lastJob = last
        g.blockJobs = [BlockJob(disk: "vda", type: 2, currentBytes: 10, endBytes: 40, bandwidthBytesPerSecond: 4 << 20)]
        g.migrationBlockers = [MigrationBlocker(.hostdevPCI, "0000:06:12.5"), MigrationBlocker(.localDisk, "vda /var/lib/a.qcow2")]
        s.guests = [g]

        s.processes = [
            ProcessEntry(
                pid: 100, tid: 102, comm: "CPU 0/KVM", role: "vcpu", vcpu: 1, guestKey: g.key,
                cpuSeconds: 3.25, rssBytes: 4096, evidence: "pidfile")
        ]

        var a = MDArray(device: "md0", source: .mdstat)
        a.level = "raid5"; a.arrayState = "active"; a.raidDisks = 4; a.raidDisksBefore = 3; a.degraded = 1
        a.syncAction = "reshape"; a.lastSyncAction = "check"; a.syncState = .running
        a.syncCompletedSectors = 10; a.syncTotalSectors = 100; a.syncSpeedBytesPerSecond = 1 << 20; a.syncRemainingSeconds = 90.5
        a.mismatchSectors = 8; a.metadataVersion = "1.2"; a.chunkSizeBytes = 512 << 10; a.chunkSizeBytesBefore = 64 << 10
        a.componentSizeBytes = 1 << 30; a.sizeBytes = 3 << 30; a.reshapePositionSectors = 2048; a.consistencyPolicy = "bitmap"
        a.uuid = "a:b:c:d"; a.bitmap = MDBitmap(pagesUsed: 2, pagesTotal: 8, memoryBytes: 8192, chunkBytes: 65536 << 10, file: "/bm")
        a.error = "e"
        var m = MDMember(device: "sda1", states: ["in_sync", "write_mostly"], slot: 2)
        m.errors = 3; m.descriptorIndex = 4; m.parentDisk = "sda"; m.model = "DISK"; m.serial = "S"; m.wwn = "0x5000"
        m.byIdPath = "/dev/disk/by-id/ata-DISK_S-part1"
        a.members = [m]
        s.mdArrays = [a]

        var p = StoragePool(name: "default", state: 3)
        p.uuid = "u"; p.type = "dir"; p.capacityBytes = 100; p.allocationBytes = 40; p.availableBytes = 60; p.volumes = 2
        p.autostart = true; p.persistent = true; p.timedOut = true; p.error = "e"; p.targetPath = "/var/lib/libvirt/images"
        p.source = "host:/dir"; p.lastRefreshSeconds = 1_765_000_000.5; p.lastRefreshSucceeded = true; p.refreshError = "r"
        s.storagePools = [p]
        var sd = SMARTDisk(
            device: "sda", path: "/dev/sda", state: .failed,
            run: ToolRunStatus(
                tool: "smartctl", target: "/dev/sda", success: true, error: "e", lastRunSeconds: 1_765_000_000.5,
                lastSuccessSeconds: 1_765_000_000.25, durationSeconds: 0.75, stale: true))
        sd.protocolName = "ATA"; sd.deviceType = "sat"; sd.model = "M"; sd.serial = "S"; sd.wwn = "5000cca264eb01d7"
        sd.firmware = "F"; sd.passed = true; sd.stateReason = "r"; sd.exitStatus = 216; sd.exitStatusBits = ["disk_failing"]
        sd.messages = ["m"]; sd.figuresTimestampSeconds = 1_765_000_000.125; sd.powerOnHours = 12.5; sd.temperatureCelsius = 36
        sd.powerCycles = 9; sd.reallocatedSectors = 1; sd.pendingSectors = 2; sd.offlineUncorrectableSectors = 3
        sd.reportedUncorrectableErrors = 4; sd.crcErrors = 5; sd.enduranceUsedPercent = 19; sd.prefailAttributesFailing = [5]
        sd.nvmeCriticalWarning = 16; sd.availableSparePercent = 99; sd.availableSpareThresholdPercent = 10; sd.mediaErrors = 7
        sd.errorLogEntries = 62; sd.unsafeShutdowns = 10; sd.dataUnitsRead = 11; sd.dataUnitsWritten = 12; sd.grownDefects = 13
        sd.readUncorrectedErrors = 14; sd.writeUncorrectedErrors = 15; sd.verifyUncorrectedErrors = 16
        sd.attributes = [
            SMARTDisk.Attribute(
                id: 5, name: "Reallocated_Sector_Ct", value: 1, worst: 1, threshold: 5, raw: 1975, whenFailed: "now", prefailure: true)
        ]
        s.smartDisks = [sd]

        var bf = BtrfsFilesystem(uuid: "d69c6151-667b-4f6c-99b6-6b8bcf001ada")
        bf.label = "hvbtr-lab"; bf.mountPoint = "/mnt"; bf.exclusiveOperation = "balance"; bf.scrubRunning = true; bf.error = "e"
        var alloc = BtrfsAllocation(type: "data")
        alloc.totalBytes = 100; alloc.usedBytes = 40; alloc.diskTotalBytes = 200; alloc.diskUsedBytes = 80
        alloc.profiles = [BtrfsProfileSpace(name: "raid1", totalBytes: 100, usedBytes: 40)]
        bf.allocation = [alloc]
        var dev = BtrfsDevice(devid: 2, device: "loop1", missing: true)
        dev.replaceTarget = true; dev.sizeBytes = 300; dev.usedBytes = 120; dev.error = "e"
        dev.errors = BtrfsDeviceErrors(write: 1, read: 2, flush: 3, corruption: 16, generation: 5)
        bf.devices = [dev]
        bf.lastScrub = BtrfsScrubResult(
            startSeconds: 1_796_607_856, durationSeconds: 2, finished: true, canceled: true, errorsFound: 16,
            correctedErrors: 15, uncorrectableErrors: 1)
        s.btrfsFilesystems = [bf]
        var lp = LXDStoragePool(name: "default", driver: "dir", status: "Created")
        lp.poolDescription = "d"; lp.source = "/var/lib/lxd/storage-pools/default"; lp.totalBytes = 100; lp.usedBytes = 10
        lp.inodesTotal = 50; lp.inodesUsed = 5; lp.usedBy = 3; lp.volumesByType = ["container": 2]; lp.error = "e"
        s.lxdStoragePools = [lp]
        s.lxdPoolsRun = ToolRunStatus(
            tool: "lxd", target: "t", success: true, error: "timed out", lastRunSeconds: 1_765_000_310.5,
            lastSuccessSeconds: 1_765_000_250.5, durationSeconds: 2, stale: true)
        s.lockManager = "lockd"
        s.departedJobs = [DepartedDomainJob(name: "gone", uuid: "u-2", job: last, departedAtSeconds: 1_765_000_200.5)]
        let run = ToolRunStatus(
            tool: "storcli64", target: "storcli/c0", success: true, error: "e", lastRunSeconds: 1_765_000_300.5,
            lastSuccessSeconds: 1_765_000_290.5, durationSeconds: 2.5, stale: true)
        s.raidControllers = [
            RAIDController(
                name: "storcli/c0", tool: "storcli64", vendor: "broadcom", model: "PERC H730P", serial: "S1", firmware: "25.5",
                status: .degraded, statusWord: "Needs Attention", battery: .failed, batteryWord: "Failed", cache: .disabled,
                cacheWord: "Disabled",
                logicalDrives: [
                    RAIDLogicalDrive(
                        id: "0/1", raidLevel: "RAID5", state: .rebuilding, stateWord: "Dgrd", sizeBytes: 1 << 40, device: "sdb",
                        wwn: "600605b0", rebuildRatio: 0.25, label: "data")
                ],
                physicalDrives: [
                    RAIDPhysicalDrive(
                        slot: "32:3", state: .predictiveFailure, stateWord: "Onln", model: "ST1200", serial: "Z1",
                        wwn: "5000c500", sizeBytes: 1 << 39, medium: "HDD", mediaErrors: 3, otherErrors: 4, predictiveFailures: 1,
                        smartAlert: true, rebuildRatio: 0.5)
                ], toolRun: run, problems: ["c0: drive 32:9 in the drive details but not in PD LIST"])
        ]
        var whole = run
        whole.target = "x"
        s.raidControllerTools = [whole]
        var layer = StorageLayer(kind: .disk, device: "sda", detail: "disk", depth: 2)
        layer.filesystemUUID = "68f9b9ee-0ca5-4bd6-9fb4-69119d5c67b1"; layer.zpool = "tank"; layer.model = "DISK"
        layer.serial = "S"; layer.wwn = "5000"; layer.byIdPath = "/dev/disk/by-id/ata-DISK_S"; layer.problem = "p"
        layer.severity = .degraded; layer.reason = "1 of 2 members missing"; layer.findingSource = "mdraid"
        var stack = GuestDiskStack(
            guestKey: g.key, guest: g.name, driver: "qemu", targetDevice: "vda", source: "/var/lib/libvirt/images/web.qcow2",
            layers: [layer])
        stack.error = "e"; stack.health.severity = .failed; stack.health.layer = "md1"; stack.health.layerIndex = 3
        stack.health.source = "mdraid"; stack.health.reason = "md1: array inactive"; stack.health.layersReported = 2
        s.guestDiskStacks = [stack]
        s.exporterProcess = ExporterProcessStats(
            cpuSeconds: 1.5, residentBytes: 2, virtualBytes: 3, startTimeSeconds: 4.5,
            openFDs: 5, maxFDs: 6, threads: 7)
        let storageRun = ToolRunStatus(
            tool: "zpool", target: "t", success: true, error: "e", lastRunSeconds: 1_765_000_300.5, lastSuccessSeconds: 1_765_000_290.5,
            durationSeconds: 0.25, stale: true)
        var vol = DRBDResource.Volume(volume: 1, minor: 1001, diskState: "UpToDate", client: true)
        vol.quorum = true; vol.sizeBytes = 1 << 30; vol.readBytes = 5; vol.writtenBytes = 6
        var pv = DRBDResource.PeerVolume(volume: 1, diskState: "Inconsistent", replicationState: "SyncSource", syncStalled: true)
        pv.outOfSyncBytes = 7; pv.syncRatio = 0.5; pv.syncSpeedBytesPerSecond = 1024.5; pv.syncRemainingSeconds = 60.5; pv.client = true
        s.drbd = DRBDReport(
            source: "drbdsetup", moduleVersion: "9.2.8",
            resources: [
                DRBDResource(
                    name: "r0", role: "Primary", volumes: [vol],
                    peers: [.init(name: "b", connectionState: "Connected", role: "Secondary", volumes: [pv])])
            ],
            toolRuns: [storageRun], problems: ["p"])
        var mp = MultipathMap(
            name: "mpatha", paths: [.init(device: "sdb", group: 1, dmState: "active", checkerState: "ready", deviceState: "running")])
        mp.wwid = "3600"; mp.dmDevice = "dm-3"; mp.queueing = "5 chk"; mp.features = "1 queue_if_no_path"; mp.dmState = "active"
        mp.vendor = "IBM"; mp.product = "2145"; mp.pathFaults = 2; mp.reportedActivePaths = 1
        s.multipath = MultipathReport(maps: [mp], toolRuns: [storageRun], problems: ["p"])
        var zp = ZFSPool(name: "tank", state: "DEGRADED")
        zp.status = "st"; zp.sizeBytes = 100; zp.allocatedBytes = 40; zp.freeBytes = 60; zp.fragmentationRatio = 0.25; zp.dataErrors = 1
        var scan = ZFSPool.Scan(kind: "scrub", state: "finished")
        scan.progressRatio = 0.5; scan.errors = 2; scan.repairedBytes = 3; scan.endTimestampSeconds = 1_765_000_000.5
        scan.startTimestampSeconds = 1_764_990_000.5; scan.remainingSeconds = 30.5
        zp.scan = scan
        var vd = ZFSPool.Vdev(name: "sda", path: "logs/sda", depth: 1, section: "logs", state: "ONLINE", leaf: true)
        vd.readErrors = 1; vd.writeErrors = 2; vd.checksumErrors = 3; vd.blockDevice = "sda"
        zp.vdevs = [vd]
        s.zfs = ZFSReport(source: "zpool", pools: [zp], toolRuns: [storageRun], problems: ["p"])
        return s
    }

    static func job(type: Int) -> DomainJob {
        var j = DomainJob(type: type)
        j.operation = 5; j.elapsedSeconds = 12.5; j.remainingSeconds = 3.5
        j.dataTotalBytes = 100; j.dataProcessedBytes = 60; j.dataRemainingBytes = 40
        j.memoryTotalBytes = 90; j.memoryProcessedBytes = 50; j.memoryRemainingBytes = 40
        j.memoryBandwidthBytesPerSecond = 1 << 20; j.memoryDirtyRateBytesPerSecond = 1 << 10; j.memoryPageSizeBytes = 4096
        j.memoryIteration = 3; j.memoryPostcopyRequests = 2
        j.diskTotalBytes = 10; j.diskProcessedBytes = 5; j.diskRemainingBytes = 5; j.diskBandwidthBytesPerSecond = 1 << 19
        j.downtimeSeconds = 0.25; j.setupTimeSeconds = 0.125; j.compressionBytes = 7; j.autoConvergeThrottlePercent = 20
        j.observedAtSeconds = 1_765_000_050.5
        // Only a finished job has these; filled on both so that every field is checked.
        j.outcome = .completed; j.endedAtSeconds = 1_765_000_100.5; j.peakProgressRatio = 0.75; j.errorMessage = "none"
        return j
    }

    /// Paths of fields left nil, empty, false or zero in `value`.
    static func unfilled(_ value: Any, _ path: String, into out: inout [String]) {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let inner = mirror.children.first else { out.append(path); return }
            return unfilled(inner.value, path, into: &out)
        }
        switch value {
        case let v as Bool where !v: out.append(path)
        case let v as String where v.isEmpty: out.append(path)
        case let v as Int where v == 0: out.append(path)
        case let v as UInt64 where v == 0: out.append(path)
        case let v as Double where v == 0: out.append(path)
        default: break
        }
        let container = mirror.displayStyle == .collection || mirror.displayStyle == .dictionary
        if container && mirror.children.isEmpty { out.append(path) }
        if mirror.displayStyle == .dictionary { return }
        for child in mirror.children {
            unfilled(child.value, container ? path + "[]" : (path.isEmpty ? "" : path + ".") + (child.label ?? "?"), into: &out)
        }
    }

    /// The snapshot as it should come back: the fields not in /json cleared.
    static func withoutFieldsNotInJSON(_ s: Snapshot) -> Snapshot {
        var e = s
        e.exporterProcess = nil
        for i in e.guests.indices where e.guests[i].cgroup != nil {
            e.guests[i].cgroup!.unifiedPath = nil
            e.guests[i].cgroup!.controllerPaths = [:]
            e.guests[i].cgroup!.initPID = nil
        }
        return e
    }

    @Test func theGoldenSnapshotFillsEveryField() {
        var out: [String] = []
        Self.unfilled(Self.full, "", into: &out)
        #expect(out == [], "fill these fields in SnapshotSchemaTests.full (and write and read them in /json, or list them in notInJSON)")
    }

    @Test func everyFieldSurvivesWriterAndDecoder() throws {
        let original = Self.full
        let bytes = SnapshotJSON.encode(original, version: "t")
        let back = try SnapshotDecoder.decode(bytes)
        let expected = Self.withoutFieldsNotInJSON(original)
        #expect(back.timestampSeconds == expected.timestampSeconds)
        #expect(back.hostname == expected.hostname)
        #expect(back.collectors == expected.collectors)
        #expect(back.libvirt == expected.libvirt)
        #expect(back.host == expected.host)
        #expect(back.guests.count == 1)
        if let g = back.guests.first, let e = expected.guests.first {
            #expect(g.vcpus == e.vcpus)
            #expect(g.balloon == e.balloon)
            #expect(g.blockDevices == e.blockDevices)
            #expect(g.interfaces == e.interfaces)
            #expect(g.cgroup == e.cgroup)
            #expect(g.job == e.job)
            #expect(g.lastJob == e.lastJob)
            #expect(g.blockJobs == e.blockJobs)
            #expect(g == e)
        }
        #expect(back.processes == expected.processes)
        #expect(back.mdArrays == expected.mdArrays)
        #expect(back.storagePools == expected.storagePools)
        #expect(back.btrfsFilesystems == expected.btrfsFilesystems)
        #expect(back.lxdStoragePools == expected.lxdStoragePools)
        #expect(back.lxdPoolsRun == expected.lxdPoolsRun && back.lxdPoolsRun != nil)
        #expect(back.departedJobs == expected.departedJobs)
        #expect(back.raidControllers == expected.raidControllers)
        #expect(back.raidControllerTools == expected.raidControllerTools)
        #expect(back.smartDisks == expected.smartDisks)
        #expect(back.exporterProcess == expected.exporterProcess)
        #expect(back.drbd == expected.drbd)
        #expect(back.multipath == expected.multipath)
        #expect(back.zfs == expected.zfs)
        #expect(back == expected)
        // Whatever the writer puts out, the reader takes in: written again, the same bytes.
        #expect(String(decoding: SnapshotJSON.encode(back, version: "t"), as: UTF8.self) == String(decoding: bytes, as: UTF8.self))
    }

    /// Every key the writer puts out is named (in backquotes, arrays as `name[]`) in docs/json.md.
    @Test func everyKeyIsDocumented() throws {
        let docs = try String(
            contentsOf: URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("docs/json.md"), encoding: .utf8)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(SnapshotJSON.encode(Self.full))) as? [String: Any])
        var keys = Set<String>()
        func walk(_ v: Any) {
            if let o = v as? [String: Any] {
                for (k, x) in o {
                    keys.insert(k)
                    // Role names are data, not schema.
                    if k != "threads_by_role" && k != "cpu_seconds_by_role" { walk(x) }
                }
            } else if let a = v as? [Any] {
                a.forEach(walk)
            }
        }
        walk(doc)
        #expect(keys.count > 150)
        let missing = keys.filter { !docs.contains("`\($0)`") && !docs.contains("`\($0)[]`") }.sorted()
        #expect(missing == [], "name these /json fields in docs/json.md")
    }
}
