import HVModel
import HVSystem

/// Host capacity and what guests claim of it ("host" collector): CPUs (`/proc/stat`),
/// memory and hugepages (`/proc/meminfo`), KSM (`/sys/kernel/mm/ksm`), and the vCPUs and
/// memory of active guests. Runs after the libvirt collector.
///
/// "Active" guests are those with a running QEMU or container: state running, blocked, paused
/// or pmsuspended (a paused guest still holds its memory). A guest counts with its current
/// vCPUs (else maximum) and its maximum memory (else current balloon size); containers
/// without libvirt limits count for nothing.
public struct HostCollector: Collector {
    public let name = "host"
    public let proc: ProcFS
    public let sys: SysFS
    /// procfs (`self`) and sysfs (`kernel`, where KSM lives) roots, checked at each collection.
    let paths: PathCheck

    public init(procfs: String = "/proc", sysfs: String = "/sys") {
        self.proc = ProcFS(root: procfs)
        self.sys = SysFS(root: sysfs)
        self.paths = PathCheck(
            collector: "host",
            [
                .procfs(procfs),
                .sysfs(sysfs, needs: ["kernel"]),
            ])
    }

    /// Sums the guests the other collectors found (VMs and containers).
    public static var reads: [CollectorInput] { [.optional(.libvirtDomains), .optional(.guestProcesses)] }
    public static var fills: Set<SnapshotPart> { [.hostFacts] }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        try paths.verify()
        var h = snapshot.host ?? HostFacts()
        h.cpus = try proc.cpuCount()
        let mem = try proc.memInfo()
        h.memoryTotalBytes = mem.totalBytes
        h.memoryAvailableBytes = mem.availableBytes
        h.hugepagesTotal = mem.hugePagesTotal
        h.hugepagesFree = mem.hugePagesFree
        h.hugepageSizeBytes = mem.hugePageSizeBytes
        let ksm = sys.ksm()
        h.ksmPagesShared = ksm.pagesShared
        h.ksmPagesSharing = ksm.pagesSharing
        h.ksmFullScans = ksm.fullScans
        let sums = HostCollector.guestSums(snapshot.guests)
        h.guestVCPUs = sums.vcpus
        h.guestMemoryBytes = sums.memoryBytes
        snapshot.host = h
    }

    /// vCPUs and memory (bytes) of active guests.
    public static func guestSums(_ guests: [Guest]) -> (vcpus: Int, memoryBytes: UInt64) {
        var vcpus = 0
        var memory: UInt64 = 0
        for g in guests {
            switch g.state {
            case .running, .blocked, .paused, .pmsuspended: break
            default: continue
            }
            vcpus += g.vcpuCurrent ?? g.vcpuMaximum ?? 0
            memory &+= g.maxMemoryBytes ?? g.memoryBytes ?? 0
        }
        return (vcpus, memory)
    }
}
