import HVSystem

/// What the guest mapper knows about one guest process (or candidate: a process found in a
/// guest's cgroup, a libvirt pidfile, by its comm or by its PID namespace), cached across
/// scans under (pid, start time). Its stat and threads are read on every scan.
///
/// Everything except the CPU/RSS figures is evidence gathered once when the process is first
/// seen (and again while it is young, or when its comm, pidfile or cgroup owner changes);
/// attribution to a guest is recomputed from this evidence on every scan, so guests appearing
/// later are still matched.
struct ObservedProcess: Sendable {
    /// Why a process outside every guest cgroup and pidfile is watched.
    enum Promotion: Sendable, Equatable {
        /// Its comm: a QEMU emulator, swtpm, an LXC monitor, a per-VM kernel thread.
        case comm
        /// Its PID namespace is a container's.
        case namespace
    }

    var pid: Int
    /// Start time after boot, clock ticks (with `pid`, the process identity).
    var startTime: UInt64
    var comm: String
    var ppid: Int
    var kernelThread: Bool
    /// utime + stime of the whole process, clock ticks.
    var ticks: UInt64
    var rssPages: UInt64
    var numThreads: Int

    // Evidence.
    var membership: CgroupMembership?
    var placement: CgroupPlacement?
    var pidNamespace: UInt64?
    /// From the cmdline of QEMU-like processes.
    var qemuUUID: String?
    var qemuName: String?
    /// Name in a libvirt pidfile that holds this PID.
    var pidfileName: String?
    /// swtpm: the UUID in `--tpmstate dir=.../swtpm/<uuid>/...`.
    var helperUUID: String?
    /// LXC monitor: lxcpath and container name from `[lxc monitor] <lxcpath> <name>`.
    var lxcMonitorPath: String?
    var lxcMonitorName: String?
    /// PID inside the innermost PID namespace (`NSpid` last value), read for container processes.
    var innermostPID: Int?
    /// Boot-clock seconds at the last classification.
    var classifiedAt: Double

    /// Threads, for processes that may be a guest's (empty for other processes).
    var threads: [Int: ObservedThread] = [:]
    /// Boot-clock seconds at which `threads` were last read (`GuestMapper.updateThreads`).
    var threadsReadAt = -Double.infinity

    /// The comm is that of a QEMU emulator ("qemu-system-x86", "qemu-kvm", "kvm").
    var qemuComm = false

    /// Set when the process is watched for other evidence than a guest cgroup or a pidfile.
    var promotion: Promotion?

    /// Still watched when it leaves every guest cgroup and pidfile: a QEMU (by UUID, pidfile
    /// or comm), a helper known by UUID, an LXC monitor, or a promoted process.
    var isSticky: Bool { isQEMU || helperUUID != nil || lxcMonitorName != nil || promotion != nil }

    /// True when the process is a QEMU emulator: a cmdline UUID, a libvirt pidfile, or a QEMU
    /// comm (then found by its cgroup's domain ID).
    var isQEMU: Bool { qemuUUID != nil || pidfileName != nil || qemuComm }
}

/// One thread of a process the mapper watches closely.
struct ObservedThread: Sendable {
    var tid: Int
    var startTime: UInt64
    var comm: String
    /// utime + stime of this thread, clock ticks.
    var ticks: UInt64
    /// The thread's own cgroup part (QEMU threads: vcpuN, emulator, iothreadN), when needed.
    var part: CgroupPlacement.Part?
    /// `part` was read from the thread's cgroup file (for its current comm).
    var partRead = false
}

/// Identity of a thread across scans.
struct ThreadKey: Hashable, Sendable {
    var tid: Int
    var startTime: UInt64
}
