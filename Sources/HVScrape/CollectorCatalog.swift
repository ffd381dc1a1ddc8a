import HVCollect
import Logging

/// The collectors hv-exporter knows, with their defaults, in the order their statuses are
/// reported (they run in the order their declared inputs give: `CollectorPlan`).
/// `--collector.<name>` / `--no-collector.<name>` switch them; adding a collector means
/// adding one entry here.
public enum CollectorCatalog {
    /// What a collector factory gets: settings and shared resources.
    public final class Context {
        public let settings: Settings
        public let logger: Logger
        private var session: LibvirtSession?

        init(settings: Settings, logger: Logger) {
            self.settings = settings
            self.logger = logger
        }

        /// The one libvirt connection shared by every libvirt-backed collector.
        public var libvirt: LibvirtSession {
            if let session { return session }
            let s = LibvirtSession(uri: settings.libvirtURI, logger: logger)
            session = s
            return s
        }
    }

    public struct Entry: @unchecked Sendable {
        public let name: String
        public let enabledByDefault: Bool
        /// The collector's type: what it reads and fills (`Collector.reads`, `fills`).
        public let type: any Collector.Type
        public let help: String
        let make: @Sendable (Context) -> any Collector
    }

    public static let entries: [Entry] = [
        Entry(
            name: "libvirt", enabledByDefault: true, type: LibvirtCollector.self,
            help: "libvirt domains: state, CPU, vCPUs, balloon, block devices, interfaces, device metadata."
        ) { ctx in
            LibvirtCollector(session: ctx.libvirt, timeout: ctx.settings.libvirtTimeout, logger: ctx.logger)
        },
        Entry(
            name: "processes", enabledByDefault: true, type: ProcessCollector.self,
            help:
                "Guest mapper: every process and thread to its guest (QEMU vCPU/emulator/iothread/vhost, containers); process and thread counts, host CPU by role."
        ) { ctx in
            ProcessCollector(procfs: ctx.settings.procfs, cgroupfs: ctx.settings.cgroupfs, runDir: ctx.settings.runDir)
        },
        Entry(
            name: "cgroup", enabledByDefault: true, type: CgroupCollector.self,
            help:
                "Per-guest cgroup v1/v2 figures: CPU, throttling, memory, swap, OOM kills, block I/O, pressure; container network counters."
        ) { ctx in
            CgroupCollector(cgroupfs: ctx.settings.cgroupfs, procfs: ctx.settings.procfs)
        },
        Entry(
            name: "host", enabledByDefault: true, type: HostCollector.self,
            help: "Host capacity against guests: vCPU and memory overcommit, KSM sharing, hugepages."
        ) { ctx in
            HostCollector(procfs: ctx.settings.procfs, sysfs: ctx.settings.sysfs)
        },
        Entry(
            name: "pools", enabledByDefault: true, type: StoragePoolCollector.self,
            help:
                "libvirt storage pools: state, type, capacity/allocation/available, volumes, autostart; refreshed only with --libvirt.pool-refresh-interval."
        ) { ctx in
            let interval = ctx.settings.poolRefreshInterval
            let refresher =
                interval > 0
                ? StoragePoolRefresher(uri: ctx.settings.libvirtURI, interval: interval, logger: ctx.logger) : nil
            return StoragePoolCollector(session: ctx.libvirt, refresher: refresher, logger: ctx.logger)
        },
        Entry(
            name: "jobs", enabledByDefault: true, type: JobsCollector.self,
            help:
                "Domain jobs (migration, save, dump...) with progress and the last finished job; block jobs (copy, commit, pull). Running jobs are sampled every second."
        ) { ctx in
            JobsCollector(session: ctx.libvirt, timeout: ctx.settings.libvirtTimeout, logger: ctx.logger)
        },
        Entry(
            name: "exporter", enabledByDefault: true, type: ExporterProcessCollector.self,
            help: "hv-exporter's own process: process_cpu_seconds_total, process_resident_memory_bytes, file descriptors."
        ) { ctx in
            ExporterProcessCollector(procfs: ctx.settings.procfs)
        },
        Entry(
            name: "mdraid", enabledByDefault: true, type: MDRAIDCollector.self,
            help: "Linux md RAID arrays (sysfs, /proc/mdstat): state, sync progress, members and their disks (udev)."
        ) { ctx in
            MDRAIDCollector(procfs: ctx.settings.procfs, sysfs: ctx.settings.sysfs, logger: ctx.logger)
        },
        Entry(
            name: "raid_controller", enabledByDefault: true, type: RAIDControllerCollector.self,
            help:
                "Hardware RAID controllers through storcli/perccli, ssacli and arcconf, run in the background (--raid.interval): controller, battery, logical and physical drive states."
        ) { ctx in
            RAIDControllerCollector(settings: ctx.settings.raid, logger: ctx.logger)
        },
        Entry(
            name: "smart", enabledByDefault: true, type: SMARTCollector.self,
            help:
                "Disk health (SMART / NVMe) from smartctl, run in the background per disk (--smart.interval, --smart.timeout): verdict, reallocated/pending sectors, wear, temperature. Needs smartmontools; without it reports nothing."
        ) { ctx in
            let s = ctx.settings
            return SMARTCollector(
                sysfs: s.sysfs, smartctlPath: s.smartctlPath, interval: s.smartInterval, timeout: s.smartTimeout,
                devices: s.smartDevices, logger: ctx.logger)
        },
        Entry(
            name: "btrfs", enabledByDefault: true, type: BtrfsCollector.self,
            help:
                "Mounted btrfs filesystems (sysfs, read-only ioctls, btrfs-progs' last scrub record): profiles, devices present and missing, allocation, device error counters, balance and scrub."
        ) { ctx in
            BtrfsCollector(sysfs: ctx.settings.sysfs, procfs: ctx.settings.procfs, logger: ctx.logger)
        },
        Entry(
            name: "lxd_pools", enabledByDefault: true, type: LXDPoolCollector.self,
            help:
                "LXD storage pools from the LXD API on its unix socket, asked in the background every --storage-tools.interval: driver, status, space, volumes. No LXD: no series."
        ) { ctx in
            LXDPoolCollector(interval: ctx.settings.storageTools.interval, logger: ctx.logger)
        },
        Entry(
            name: "migration", enabledByDefault: true, type: MigrationCollector.self,
            help:
                "Migration safety: guests' disks and media on local storage (with the XML blockers), each disk's source identity, libvirt's lock manager."
        ) { ctx in
            MigrationCollector(procfs: ctx.settings.procfs, sysfs: ctx.settings.sysfs, qemuConf: ctx.settings.libvirtQemuConf)
        },
        Entry(
            name: "drbd", enabledByDefault: true, type: DRBDCollector.self,
            help:
                "DRBD resources: roles, disk and connection states, out-of-sync data, resync progress, split brain; 8.x from /proc/drbd, 9 from drbdsetup (in the background)."
        ) { ctx in
            DRBDCollector(
                procfs: ctx.settings.procfs, drbdsetupPath: ctx.settings.drbdsetupPath, settings: ctx.settings.storageTools,
                logger: ctx.logger)
        },
        Entry(
            name: "multipath", enabledByDefault: true, type: MultipathCollector.self,
            help: "dm-multipath maps: paths by state, active paths, queueing; from multipathd (in the background)."
        ) { ctx in
            MultipathCollector(
                sysfs: ctx.settings.sysfs, multipathdPath: ctx.settings.multipathdPath, settings: ctx.settings.storageTools,
                logger: ctx.logger)
        },
        Entry(
            name: "zfs", enabledByDefault: true, type: ZFSCollector.self,
            help:
                "ZFS pools: health, capacity, fragmentation, scrub/resilver, vdev states and errors; from zpool (in the background), or pool states from /proc/spl/kstat/zfs."
        ) { ctx in
            ZFSCollector(
                procfs: ctx.settings.procfs, zpoolPath: ctx.settings.zpoolPath, settings: ctx.settings.storageTools, logger: ctx.logger)
        },
        Entry(
            name: "storage", enabledByDefault: true, type: StorageStackCollector.self,
            help:
                "The storage stack under every guest disk (file, filesystem, partition, dm/LVM, md, loop, btrfs, disks with udev identity; network sources), resolved on mount table changes and every 5 minutes; health rolled up from md, btrfs, SMART and RAID controller findings."
        ) { ctx in
            StorageStackCollector(procfs: ctx.settings.procfs, sysfs: ctx.settings.sysfs, logger: ctx.logger)
        },
    ]

    public static var names: [String] { entries.map(\.name) }
    public static var defaults: Set<String> { Set(entries.filter(\.enabledByDefault).map(\.name)) }

    /// Settings collectors are built from.
    public struct Settings: Sendable {
        public var libvirtURI = "qemu:///system"
        /// Deadline for all libvirt calls of one scrape (`--libvirt.timeout`).
        public var libvirtTimeout = Duration.seconds(5)
        /// Interval between storage pool refreshes, seconds (0 = never refresh).
        public var poolRefreshInterval = 0.0
        public var procfs = "/proc"
        public var sysfs = "/sys"
        public var cgroupfs = "/sys/fs/cgroup"
        /// Where libvirt keeps its run state (`<rundir>/libvirt/qemu/*.pid`).
        public var runDir = "/run"
        /// RAID controller tools, their interval and timeout (`--raid.*`).
        public var raid = RAIDControllerCollector.Settings()
        /// smartctl executable (`--smart.smartctl-path`); nil: `smartctl` on the PATH.
        public var smartctlPath: String?
        /// Pause between two smartctl runs on one disk (`--smart.interval`).
        public var smartInterval = Duration.seconds(600)
        /// One smartctl run is killed after this (`--smart.timeout`).
        public var smartTimeout = Duration.seconds(30)
        /// Device paths to ask instead of the disks found in sysfs (`--smart.devices`); nil: discover.
        public var smartDevices: [String]?
        /// libvirt's qemu.conf, read for `lock_manager` (`--path.libvirt-qemu-conf`).
        public var libvirtQemuConf = "/etc/libvirt/qemu.conf"
        /// drbdsetup, multipathd and zpool (`--drbd.drbdsetup-path`, `--multipath.multipathd-path`,
        /// `--zfs.zpool-path`); empty: looked up on PATH.
        public var drbdsetupPath = ""
        public var multipathdPath = ""
        public var zpoolPath = ""
        /// Interval and timeout of those tools' background runs (`--storage-tools.*`).
        public var storageTools = StorageToolSettings()
        public init() {}
    }

    /// Builds the enabled collectors, in catalog order.
    public static func build(enabled: Set<String>, settings: Settings, logger: Logger) -> [any Collector] {
        let ctx = Context(settings: settings, logger: logger)
        return entries.filter { enabled.contains($0.name) }.map { $0.make(ctx) }
    }

    /// The coordinator of the enabled collectors, sharing one libvirt budget per scrape.
    /// - Parameter maxAge: a snapshot this recent is served again instead of collecting
    ///   (`--scrape.max-age`; zero: every request after a finished collection collects).
    public static func coordinator(
        enabled: Set<String>, settings: Settings, maxAge: Duration = .zero, logger: Logger
    ) -> ScrapeCoordinator {
        ScrapeCoordinator(
            collectors: build(enabled: enabled, settings: settings, logger: logger),
            libvirtTimeout: settings.libvirtTimeout, maxAge: maxAge, logger: logger)
    }

    /// Refuses a set of collectors in which one needs an input that no enabled collector
    /// fills (e.g. `cgroup` without `processes`, which finds the guests' cgroups).
    public static func check(enabled: Set<String>) throws(CollectorFlagError) {
        let on = entries.filter { enabled.contains($0.name) }
        for e in on {
            for input in e.type.reads where input.required {
                let fillers = entries.filter { $0.type.fills.contains(input.part) }
                guard !fillers.contains(where: { enabled.contains($0.name) }) else { continue }
                let names = fillers.map(\.name)
                throw CollectorFlagError(
                    name: e.name,
                    problem:
                        "collector '\(e.name)' reads \(input.part.rawValue), which collector \(names.map { "'\($0)'" }.joined(separator: " or ")) fills; enable it (\(names.map { "--collector.\($0)" }.joined(separator: ", "))) or disable '\(e.name)' (--no-collector.\(e.name))"
                )
            }
        }
    }

    /// Applies `--collector.<name>` / `--no-collector.<name>` arguments to the defaults and
    /// returns the remaining arguments. Unknown collector names are an error.
    public static func extractFlags(_ args: [String]) throws(CollectorFlagError) -> (enabled: Set<String>, rest: [String]) {
        var enabled = defaults
        var rest: [String] = []
        for a in args {
            let on = a.hasPrefix("--collector.")
            let off = a.hasPrefix("--no-collector.")
            guard on || off else { rest.append(a); continue }
            let name = String(a.dropFirst(on ? "--collector.".count : "--no-collector.".count))
            guard names.contains(name) else { throw CollectorFlagError(name: name) }
            if on { enabled.insert(name) } else { enabled.remove(name) }
        }
        try check(enabled: enabled)
        return (enabled, rest)
    }

    /// The collector list for --help.
    public static var helpText: String {
        let width = (entries.map(\.name.count).max() ?? 0) + 2
        return entries.map { e in
            let pad = String(repeating: " ", count: width - e.name.count)
            return "  \(e.name)\(pad)[\(e.enabledByDefault ? "on " : "off")] \(e.help)"
        }.joined(separator: "\n")
    }
}

public struct CollectorFlagError: Error, CustomStringConvertible {
    public let name: String
    /// What is wrong; nil: the name is unknown.
    public var problem: String?
    public init(name: String, problem: String? = nil) {
        self.name = name
        self.problem = problem
    }
    public var description: String {
        problem ?? "unknown collector '\(name)'; known: \(CollectorCatalog.names.joined(separator: ", "))"
    }
}
