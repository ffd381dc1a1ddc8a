/// What one guest-mapper scan did (for benchmarks, logs and tests).
public struct MapperScanStats: Sendable, Equatable {
    /// Processes (thread-group leaders) seen in /proc.
    public var processes: Int = 0
    /// Threads of watched processes (guest candidates) read individually.
    public var threads: Int = 0
    /// Processes whose evidence was (re)gathered this scan: new, young, or renamed.
    public var classified: Int = 0
    /// Processes served from the cache (only their stat re-read).
    public var reused: Int = 0
    /// Processes attributed to a guest (after `attribute`; 0 after a bare `scan`).
    public var guestProcesses: Int = 0
    /// Wall time of the scan, seconds.
    public var durationSeconds: Double = 0

    public init() {}
}
