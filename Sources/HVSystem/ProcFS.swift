/// Readers for a procfs tree. `root` is "/proc" on a live host, or a fixture directory.
///
/// Each method reads one file (bounded, EINTR-safe, see `FileReader`) and hands the bytes to
/// a pure parser; errors carry the path. A process that exits between listing and reading
/// gives `SystemError.Kind.notFound`.
public struct ProcFS: Sendable {
    public let root: String

    public init(root: String = "/proc") {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    public func path(_ pid: Int, _ file: String) -> String { root + "/" + String(pid) + "/" + file }
    public func taskPath(_ pid: Int, _ tid: Int, _ file: String) -> String {
        root + "/" + String(pid) + "/task/" + String(tid) + "/" + file
    }

    /// All PIDs (thread-group leaders) currently listed in the procfs root.
    public func pids() throws -> [Int] { try DirectoryReader.numericNames(root) }

    /// All PIDs with the inode of their `/proc/<pid>` directory (one `getdents64(2)` pass; see
    /// `NumberedEntry` for what the inode tells).
    public func pidEntries() throws -> [NumberedEntry] { try DirectoryReader.numberedEntries(root) }

    /// Children of thread `tid` of process `pid` (`/proc/<pid>/task/<tid>/children`, Linux
    /// CONFIG_PROC_CHILDREN). The children of kthreadd (PID 2) are the kernel threads.
    public func children(_ pid: Int, tid: Int) throws -> [Int] {
        try read(taskPath(pid, tid, "children"), PidList.parseSeparated)
    }

    /// The procfs a process sees as its `/proc` (`/proc/<pid>/root/proc`): a container's own
    /// procfs, which lists the processes of the container's PID namespace.
    public func procfsSeen(by pid: Int) -> ProcFS { ProcFS(root: path(pid, "root/proc")) }

    /// Number of processes listed in this procfs root.
    public func processCount() throws -> Int { try DirectoryReader.countNumeric(root) }

    /// All thread IDs of a process (`/proc/<pid>/task`).
    public func tids(_ pid: Int) throws -> [Int] { try DirectoryReader.numericNames(root + "/" + String(pid) + "/task") }

    public func stat(_ pid: Int) throws -> ProcStat { try read(path(pid, "stat"), ProcStat.parse) }
    public func stat(_ pid: Int, tid: Int) throws -> ProcStat { try read(taskPath(pid, tid, "stat"), ProcStat.parse) }
    /// `stat(_:)` and `stat(_:tid:)` through `kept`: the file stays open and is read again
    /// with one pread into the cache's buffer (for the processes and threads read every scrape).
    public func stat(_ pid: Int, keeping kept: KernelFiles) throws -> ProcStat {
        try read(path(pid, "stat"), keeping: kept, ProcStat.parse)
    }
    public func stat(_ pid: Int, tid: Int, keeping kept: KernelFiles) throws -> ProcStat {
        try read(taskPath(pid, tid, "stat"), keeping: kept, ProcStat.parse)
    }

    /// Thread name from `/proc/<pid>/task/<tid>/comm`, without the trailing newline.
    public func comm(_ pid: Int, tid: Int) throws -> String {
        var b = try FileReader.read(taskPath(pid, tid, "comm"), maxBytes: 64)
        if b.last == 0x0A { b.removeLast() }
        return String(decoding: b, as: UTF8.self)
    }

    public func status(_ pid: Int) throws -> ProcStatus { try read(path(pid, "status"), ProcStatus.parse) }
    public func cgroup(_ pid: Int) throws -> CgroupMembership { try read(path(pid, "cgroup"), CgroupMembership.parse) }
    public func cgroup(_ pid: Int, tid: Int) throws -> CgroupMembership {
        try read(taskPath(pid, tid, "cgroup"), CgroupMembership.parse)
    }
    public func cmdline(_ pid: Int) throws -> Cmdline {
        Cmdline.parse(try FileReader.read(path(pid, "cmdline"), maxBytes: 1 << 20))
    }

    /// Namespace inode of a process, `type` one of "pid", "net", "mnt", ... (readlink of ns/<type>).
    public func namespaceInode(_ pid: Int, _ type: String) throws -> UInt64 {
        let p = path(pid, "ns/" + type)
        return try parsing(p) { try NamespaceInode.parse(try FileReader.readLink(p)) }
    }

    /// Interface counters of the network namespace `pid` is in (`/proc/<pid>/net/dev`).
    public func netDev(_ pid: Int) throws -> [NetDevCounters] { try read(path(pid, "net/dev"), NetDev.parse) }
    /// `/proc/net/dev`: the counters of the network namespace of the reading process.
    public func ownNetDev() throws -> [NetDevCounters] { try read(root + "/net/dev", NetDev.parse) }

    public func memInfo() throws -> MemInfo { try read(root + "/meminfo", MemInfo.parse) }
    /// Number of CPUs listed in `/proc/stat`.
    public func cpuCount() throws -> Int { try read(root + "/stat", CPUStat.parseCPUCount) }

    func read<T>(_ p: String, keeping kept: KernelFiles, _ parse: ([UInt8]) throws -> T) throws -> T {
        try kept.read(p) { bytes in try parsing(p) { try parse(bytes) } }
    }

    func read<T>(_ p: String, _ parse: ([UInt8]) throws -> T) throws -> T {
        let bytes = try FileReader.read(p)
        return try parsing(p) { try parse(bytes) }
    }
}
