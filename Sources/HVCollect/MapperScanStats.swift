/// What one guest-mapper scan did (for benchmarks, logs and tests).
public struct MapperScanStats: Sendable, Equatable {
    /// Processes (thread-group leaders) seen in /proc.
    public var processes: Int = 0
    /// Threads of guest processes and candidates read individually.
    public var threads: Int = 0
    /// Processes new to the cache this scan (a new PID, or a reused one), plus guest processes
    /// whose evidence was gathered again (young, renamed, moved).
    public var classified: Int = 0
    /// Processes served from the cache (`processes - classified`).
    public var reused: Int = 0
    /// Guest processes and candidates read in full (stat, threads) this scan.
    public var guestCandidates: Int = 0
    /// Directory listings and files read under the cgroup root.
    public var cgroupReads: Int = 0
    /// Host processes whose `/proc/<pid>/stat` was read (once per process, bounded per scan).
    public var hostDetailsRead: Int = 0
    /// Host processes still waiting for that read after this scan.
    public var hostDetailsPending: Int = 0
    /// PID-namespace links read (containers' own procfs checks and host processes' `ns/pid`).
    public var namespaceReads: Int = 0
    /// A container's procfs listed more processes than its cgroups hold (or could not be
    /// counted), so host processes' namespaces were read.
    public var namespaceSearch = false
    /// A running libvirt QEMU guest had no process, so every waiting host process was read.
    public var fallback = false
    /// Processes attributed to a guest (after `attribute`; 0 after a bare `scan`).
    public var guestProcesses: Int = 0
    /// Wall time of the scan, seconds.
    public var durationSeconds: Double = 0

    public init() {}
}
