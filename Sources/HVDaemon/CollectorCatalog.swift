import HVCollect
import Logging

/// The collectors hv-exporter knows, in the order they run, with their defaults.
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

    public struct Entry: Sendable {
        public let name: String
        public let enabledByDefault: Bool
        public let help: String
        let make: @Sendable (Context) -> any Collector
    }

    public static let entries: [Entry] = [
        Entry(name: "libvirt", enabledByDefault: true,
              help: "libvirt domains: state, CPU, vCPUs, balloon, block devices, interfaces, device metadata.") { ctx in
            LibvirtCollector(session: ctx.libvirt, timeout: ctx.settings.libvirtTimeout, logger: ctx.logger)
        },
        Entry(name: "processes", enabledByDefault: true,
              help: "Guest mapper: every process and thread to its guest (QEMU vCPU/emulator/iothread/vhost, containers); process and thread counts, host CPU by role.") { ctx in
            ProcessCollector(procfs: ctx.settings.procfs, cgroupfs: ctx.settings.cgroupfs, runDir: ctx.settings.runDir)
        },
        Entry(name: "cgroup", enabledByDefault: true,
              help: "Per-guest cgroup v1/v2 figures: CPU, throttling, memory, swap, OOM kills, block I/O, pressure; container network counters.") { ctx in
            CgroupCollector(cgroupfs: ctx.settings.cgroupfs, procfs: ctx.settings.procfs)
        },
        Entry(name: "host", enabledByDefault: true,
              help: "Host capacity against guests: vCPU and memory overcommit, KSM sharing, hugepages.") { ctx in
            HostCollector(procfs: ctx.settings.procfs, sysfs: ctx.settings.sysfs)
        },
        Entry(name: "pools", enabledByDefault: true,
              help: "libvirt storage pools: state, type, capacity/allocation/available, volumes, autostart; refreshed only with --libvirt.pool-refresh-interval.") { ctx in
            let interval = ctx.settings.poolRefreshInterval
            let refresher = interval > 0
                ? StoragePoolRefresher(uri: ctx.settings.libvirtURI, interval: interval, logger: ctx.logger) : nil
            return StoragePoolCollector(session: ctx.libvirt, timeout: ctx.settings.libvirtTimeout, refresher: refresher, logger: ctx.logger)
        },
        // After "libvirt": attaches jobs to the guests it found.
        Entry(name: "jobs", enabledByDefault: true,
              help: "Domain jobs (migration, save, dump...) with progress and the last finished job; block jobs (copy, commit, pull). Running jobs are sampled every second.") { ctx in
            JobsCollector(session: ctx.libvirt, timeout: ctx.settings.libvirtTimeout, logger: ctx.logger)
        },
        Entry(name: "exporter", enabledByDefault: true,
              help: "hv-exporter's own process: process_cpu_seconds_total, process_resident_memory_bytes, file descriptors.") { ctx in
            ExporterProcessCollector(procfs: ctx.settings.procfs)
        },
        Entry(name: "mdraid", enabledByDefault: true,
              help: "Linux md RAID arrays (sysfs, /proc/mdstat): state, sync progress, members and their disks (udev).") { ctx in
            MDRAIDCollector(procfs: ctx.settings.procfs, sysfs: ctx.settings.sysfs, logger: ctx.logger)
        },
    ]

    public static var names: [String] { entries.map(\.name) }
    public static var defaults: Set<String> { Set(entries.filter(\.enabledByDefault).map(\.name)) }

    /// Settings collectors are built from.
    public struct Settings: Sendable {
        public var libvirtURI = "qemu:///system"
        /// Deadline for all libvirt calls of one scrape, seconds.
        public var libvirtTimeout = 5.0
        /// Interval between storage pool refreshes, seconds (0 = never refresh).
        public var poolRefreshInterval = 0.0
        public var procfs = "/proc"
        public var sysfs = "/sys"
        public var cgroupfs = "/sys/fs/cgroup"
        /// Where libvirt keeps its run state (`<rundir>/libvirt/qemu/*.pid`).
        public var runDir = "/run"
        public init() {}
    }

    /// Builds the enabled collectors, in catalog order.
    public static func build(enabled: Set<String>, settings: Settings, logger: Logger) -> [any Collector] {
        let ctx = Context(settings: settings, logger: logger)
        return entries.filter { enabled.contains($0.name) }.map { $0.make(ctx) }
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
    public var description: String {
        "unknown collector '\(name)'; known: \(CollectorCatalog.names.joined(separator: ", "))"
    }
}
