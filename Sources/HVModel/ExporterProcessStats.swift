/// The exporter's own process, for the standard `process_*` families.
public struct ExporterProcessStats: Sendable, Equatable {
    /// User + system CPU time, seconds.
    public var cpuSeconds: Double
    public var residentBytes: UInt64
    public var virtualBytes: UInt64
    /// Process start, seconds since the Unix epoch.
    public var startTimeSeconds: Double
    public var openFDs: Int
    public var maxFDs: Int
    public var threads: Int

    public init(
        cpuSeconds: Double, residentBytes: UInt64, virtualBytes: UInt64, startTimeSeconds: Double,
        openFDs: Int, maxFDs: Int, threads: Int
    ) {
        self.cpuSeconds = cpuSeconds
        self.residentBytes = residentBytes
        self.virtualBytes = virtualBytes
        self.startTimeSeconds = startTimeSeconds
        self.openFDs = openFDs
        self.maxFDs = maxFDs
        self.threads = threads
    }
}
