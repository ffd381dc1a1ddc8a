import HVModel
import HVSystem

/// The guest mapper as a collector ("processes"): fills `snapshot.processes`, adds containers
/// and unknown QEMU guests to `snapshot.guests`, and each guest's process/thread counts and
/// host CPU by role. Runs after the libvirt collector and before the cgroup collector (which
/// reads the cgroup paths found here).
public struct ProcessCollector: Collector {
    public let name = "processes"
    public let mapper: GuestMapper
    /// procfs (`self`) and cgroupfs (controllers) roots, checked at each collection.
    let paths: PathCheck

    public init(mapper: GuestMapper) {
        self.mapper = mapper
        self.paths = PathCheck(
            collector: "processes",
            [
                .procfs(mapper.proc.root),
                .cgroupLayout(mapper.cgroupfs),
            ])
    }

    /// - Parameters:
    ///   - procfs: procfs mount point (`--path.procfs`).
    ///   - cgroupfs: cgroup root (`--path.cgroupfs`), where guests' cgroups are listed.
    ///   - runDir: libvirt's run directory root (`/run`): pidfiles are read from `<runDir>/libvirt/qemu`.
    public init(procfs: String = "/proc", cgroupfs: String = "/sys/fs/cgroup", runDir: String = "/run") {
        self.init(mapper: GuestMapper(procfs: procfs, cgroupfs: cgroupfs, libvirtRunDirectories: [runDir + "/libvirt/qemu"]))
    }

    /// Merges what it finds with the libvirt domains when that collector runs.
    public static var reads: [CollectorInput] { [.optional(.libvirtDomains)] }
    public static var fills: Set<SnapshotPart> { [.guestProcesses] }
    public var prepares: Bool { true }

    /// The /proc and cgroup scan, which needs nothing from libvirt: done while the libvirt
    /// collector waits on libvirtd; `collect` then only attributes.
    public func prepare() { mapper.prepareScan() }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        try paths.verify()
        try mapper.attribute(into: &snapshot)
    }
}
