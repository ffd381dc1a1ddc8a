/// How the storage tool collectors (drbd, multipath, zfs) run their tools in the background:
/// `--storage-tools.interval` and `--storage-tools.timeout`, shared by all three.
public struct StorageToolSettings: Sendable {
    /// Pause between the end of one run and the start of the next.
    public var interval: Duration
    /// A run taking longer is killed (its process group) and counts as failed.
    public var timeout: Duration

    public init(interval: Duration = .seconds(60), timeout: Duration = .seconds(30)) {
        self.interval = interval
        self.timeout = timeout
    }
}
