/// One complete, immutable picture of the host, produced by one collection run.
///
/// Collectors each fill their part (see `HVCollect`); writers (`HVExpose`) turn it into
/// Prometheus text or JSON. Nothing in here refers back to where the data came from.
public struct Snapshot: Sendable, Equatable {
    /// Wall-clock time the collection started, seconds since the Unix epoch.
    public var timestampSeconds: Double
    /// Host name of the machine (for /json and hvtop; Prometheus adds `instance` itself).
    public var hostname: String
    /// One entry per collector that ran, in run order.
    public var collectors: [CollectorStatus]
    /// libvirt connection health; nil when the libvirt collector is disabled.
    public var libvirt: LibvirtStatus?
    /// Every guest known on the host: libvirt domains (running or not) and containers.
    public var guests: [Guest]
    /// Per-process / per-thread attribution (the guest mapper). Never exported per PID to /metrics.
    public var processes: [ProcessEntry]
    /// Host-wide figures (capacity, overcommit, KSM).
    public var host: HostFacts?
    /// Linux md RAID arrays.
    public var mdArrays: [MDArray]
    /// libvirt storage pools.
    public var storagePools: [StoragePool]
    /// Last jobs of domains that left this libvirt daemon (migrated away), kept for a while.
    public var departedJobs: [DepartedDomainJob]
    /// The exporter's own process (the `process_*` families).
    public var exporterProcess: ExporterProcessStats?
    /// Hardware RAID controllers (storcli/perccli, ssacli, arcconf), by `name`.
    public var raidControllers: [RAIDController]
    /// One status per RAID controller tool found (whole-host runs, target ""), also when no
    /// controller came out of it.
    public var raidControllerTools: [ToolRunStatus]
    /// Whole disks and their SMART / NVMe health (smartctl in the background).
    public var smartDisks: [SMARTDisk]
    /// Mounted btrfs filesystems, by UUID.
    public var btrfsFilesystems: [BtrfsFilesystem] = []
    /// LXD storage pools (empty when LXD is not there).
    public var lxdStoragePools: [LXDStoragePool] = []
    /// How the last background round of the LXD API went (nil: no LXD on this host).
    public var lxdPoolsRun: ToolRunStatus?
    /// libvirt's `lock_manager` from qemu.conf ("lockd", "sanlock", "none"); nil when the
    /// migration collector did not run.
    public var lockManager: String?
    /// DRBD resources; nil when the drbd collector is off or DRBD is not loaded.
    public var drbd: DRBDReport?
    /// dm-multipath maps; nil when the multipath collector is off or dm-multipath is not loaded.
    public var multipath: MultipathReport?
    /// ZFS pools; nil when the zfs collector is off or ZFS is not loaded.
    public var zfs: ZFSReport?
    /// The storage stack under every guest disk, health rolled up (`rollUpStorageHealth`).
    public var guestDiskStacks: [GuestDiskStack]

    public init(timestampSeconds: Double = 0, hostname: String = "") {
        self.timestampSeconds = timestampSeconds
        self.hostname = hostname
        self.collectors = []
        self.libvirt = nil
        self.guests = []
        self.processes = []
        self.host = nil
        self.mdArrays = []
        self.storagePools = []
        self.raidControllers = []
        self.raidControllerTools = []
        self.departedJobs = []
        self.exporterProcess = nil
        self.smartDisks = []
        self.lockManager = nil
        self.drbd = nil
        self.multipath = nil
        self.zfs = nil
        self.guestDiskStacks = []
    }

    /// Index of the guest with this key (`Guest.key`), if any.
    public func guestIndex(key: String) -> Int? {
        guests.firstIndex { $0.key == key }
    }
}

/// Outcome of one collector in one collection run.
public struct CollectorStatus: Sendable, Equatable {
    public var name: String
    public var success: Bool
    /// Wall-clock duration of the collector, seconds.
    public var durationSeconds: Double
    /// Human-readable reason when `success` is false.
    public var error: String?

    public init(name: String, success: Bool, durationSeconds: Double, error: String? = nil) {
        self.name = name
        self.success = success
        self.durationSeconds = durationSeconds
        self.error = error
    }
}

/// Health and versions of the libvirt connection.
public struct LibvirtStatus: Sendable, Equatable {
    public var uri: String
    public var up: Bool
    /// Why the connection is down or degraded (nil when up).
    public var error: String?
    /// Version of the libvirt library linked into the exporter, e.g. "9.0.0".
    public var libraryVersion: String?
    /// Version of the libvirt daemon answering the connection.
    public var daemonVersion: String?
    /// Hypervisor driver name ("QEMU", "LXC", "TEST") and its version.
    public var hypervisorType: String?
    public var hypervisorVersion: String?
    /// Wall-clock duration of the libvirt part of the scrape, seconds.
    public var durationSeconds: Double

    public init(
        uri: String, up: Bool, error: String? = nil, libraryVersion: String? = nil,
        daemonVersion: String? = nil, hypervisorType: String? = nil,
        hypervisorVersion: String? = nil, durationSeconds: Double = 0
    ) {
        self.uri = uri
        self.up = up
        self.error = error
        self.libraryVersion = libraryVersion
        self.daemonVersion = daemonVersion
        self.hypervisorType = hypervisorType
        self.hypervisorVersion = hypervisorVersion
        self.durationSeconds = durationSeconds
    }
}
