/// Host-side figures for one guest, from its cgroup (v1 or v2) and its processes.
/// Owned by the guest mapper / cgroup collector; every field is optional because
/// kernels and cgroup versions differ.
public struct GuestCgroupStats: Sendable, Equatable {
    /// The guest's own cgroup path relative to the hierarchy root, e.g.
    /// "/machine/qemu-1-vm1.libvirt-qemu" (without `libvirt/`, `emulator`, `vcpuN` levels);
    /// "" when the guest's processes are in no recognised cgroup.
    public var path: String
    /// The guest's path in the v2 (unified) hierarchy, when it is in one.
    public var unifiedPath: String?
    /// The guest's path per v1 controller ("memory", "cpu", "cpuacct", "blkio", "name=systemd").
    public var controllerPaths: [String: String]
    /// Host PID of the container's init (PID 1 of its PID namespace); nil for VMs.
    public var initPID: Int?
    /// CPU time from cpuacct.stat / cpu.stat, seconds (user, system, total).
    public var cpuUserSeconds: Double?
    public var cpuSystemSeconds: Double?
    public var cpuUsageSeconds: Double?
    /// CFS bandwidth periods in which the guest was throttled, and time throttled, seconds.
    public var throttledPeriods: UInt64?
    public var throttledSeconds: Double?
    /// Memory charged to the cgroup, bytes (v1 memory.usage_in_bytes, v2 memory.current).
    public var memoryUsageBytes: UInt64?
    /// Usage minus inactive file cache, bytes (what the kernel cannot easily reclaim).
    public var memoryWorkingSetBytes: UInt64?
    /// Memory limit, bytes; nil when unlimited.
    public var memoryLimitBytes: UInt64?
    /// Swap used by the cgroup, bytes.
    public var memorySwapBytes: UInt64?
    /// Processes killed by the OOM killer in this cgroup (count since it was created).
    public var oomKills: UInt64?
    /// Block I/O summed over devices: bytes and operations.
    public var blockReadBytes: UInt64?
    public var blockWriteBytes: UInt64?
    public var blockReadOps: UInt64?
    public var blockWriteOps: UInt64?
    /// PSI "some"/"full" totals, seconds (cgroup v2 only).
    public var cpuPressureSomeSeconds: Double?
    public var cpuPressureFullSeconds: Double?
    public var memoryPressureSomeSeconds: Double?
    public var memoryPressureFullSeconds: Double?
    public var ioPressureSomeSeconds: Double?
    public var ioPressureFullSeconds: Double?
    /// Processes (thread groups) of the guest: qemu, helpers, per-VM kernel threads, container processes.
    public var processes: Int?
    /// Thread counts by role ("vcpu", "emulator", "iothread", "vhost", "worker", "main", ...).
    public var threadsByRole: [String: Int]
    /// Host CPU seconds by thread role (vCPU threads vs emulator, iothreads, vhost kernel threads).
    public var cpuSecondsByRole: [String: Double]
    /// Container network counters read in the container's own network namespace
    /// (all interfaces except lo): bytes and packets.
    public var netRxBytes: UInt64?
    public var netTxBytes: UInt64?
    public var netRxPackets: UInt64?
    public var netTxPackets: UInt64?

    public init(path: String) {
        self.path = path
        self.controllerPaths = [:]
        self.threadsByRole = [:]
        self.cpuSecondsByRole = [:]
    }
}

/// One host process or thread and the guest it belongs to (nil guest = the host itself).
public struct ProcessEntry: Sendable, Equatable {
    public var pid: Int
    /// Thread ID; equal to `pid` for the main thread.
    public var tid: Int
    public var comm: String
    /// "main", "vcpu", "emulator", "iothread", "vhost", "worker", "helper", "container" ...
    public var role: String
    /// vCPU index for role "vcpu".
    public var vcpu: Int?
    /// `Guest.key` of the owning guest, nil for host processes.
    public var guestKey: String?
    /// CPU time (user+system), seconds.
    public var cpuSeconds: Double
    /// Resident set size, bytes (per process; threads share their process's).
    public var rssBytes: UInt64
    /// How the owner was found: "pidfile", "cgroup", "cmdline-uuid", "vhost", "pidns", ...
    public var evidence: String

    public init(
        pid: Int, tid: Int, comm: String, role: String, vcpu: Int? = nil, guestKey: String?,
        cpuSeconds: Double, rssBytes: UInt64, evidence: String
    ) {
        self.pid = pid
        self.tid = tid
        self.comm = comm
        self.role = role
        self.vcpu = vcpu
        self.guestKey = guestKey
        self.cpuSeconds = cpuSeconds
        self.rssBytes = rssBytes
        self.evidence = evidence
    }
}

/// Host-wide figures only a hypervisor exporter knows.
public struct HostFacts: Sendable, Equatable {
    public var cpus: Int?
    public var memoryTotalBytes: UInt64?
    public var memoryAvailableBytes: UInt64?
    /// Sums over running guests.
    public var guestVCPUs: Int?
    public var guestMemoryBytes: UInt64?
    /// KSM (/sys/kernel/mm/ksm): pages shared / sharing, full scans.
    public var ksmPagesShared: UInt64?
    public var ksmPagesSharing: UInt64?
    public var ksmFullScans: UInt64?
    public var hugepagesTotal: UInt64?
    public var hugepagesFree: UInt64?
    public var hugepageSizeBytes: UInt64?

    public init() {}
}
