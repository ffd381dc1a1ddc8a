/// What the guest mapper keeps about every PID in /proc, guest or not, across scans.
///
/// Identity is the PID and the inode of `/proc/<pid>` (free from the directory listing): a
/// reused PID gets a new inode, so the record starts over. Details (`comm`, start time, the
/// kernel-thread flag) come from one read of `/proc/<pid>/stat`, done once per process, a
/// bounded number per scan (`GuestMapper.hostDetailsPerScan`); `pidNamespace` from one
/// `readlink` of `/proc/<pid>/ns/pid`, done only when a container may have a process outside
/// its cgroup. Guest processes are read in full on every scan (`ObservedProcess`).
struct HostProcess: Sendable {
    /// Inode of `/proc/<pid>` when the record was made.
    var inode: UInt64
    /// Process name from `/proc/<pid>/stat`; "" until read.
    var comm: String = ""
    /// Start time after boot, clock ticks; nil until the details are read.
    var startTime: UInt64?
    var kernelThread = false
    /// The details were read while the process was younger than `youngProcessSeconds`
    /// (it may still exec and change its comm): read again when the budget allows.
    var young = false
    /// PID namespace inode; nil when not read (or unreadable).
    var pidNamespace: UInt64?
    /// `ns/pid` was read (successfully or not).
    var namespaceChecked = false

    init(inode: UInt64) { self.inode = inode }

    var hasDetails: Bool { startTime != nil }
}
