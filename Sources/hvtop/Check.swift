import ArgumentParser
import HVTop

/// `hvtop check raid|pools|guests|libvirt|migrations|migratable|storage`: Nagios plugin output and exit codes.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Nagios-style checks: status line with performance data; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
        discussion: "Thresholds use the Nagios range syntax: 10 (alert above 10), 10: (below 10), ~:10, 10:20 (outside), @10:20 (inside).",
        subcommands: [Raid.self, Pools.self, Guests.self, Libvirt.self, Migrations.self, Migratable.self, Storage.self]
    )

    /// Runs a check and exits with its code.
    static func run(_ kind: HostCheck.Kind, _ options: HostCheck.Options, _ source: SourceOptions) throws {
        let result = HostCheck(kind, options: options, warnings: { [source] in source.warnings(for: $0) }).run(source.makeSource())
        print(result.output, terminator: "")
        throw ExitCode(result.status.exitCode)
    }

    struct Thresholds: ParsableArguments {
        @Option(name: [.short, .long], help: ArgumentHelp("Warning range.", valueName: "range"))
        var warning: NagiosRange?

        @Option(name: [.short, .long], help: ArgumentHelp("Critical range.", valueName: "range"))
        var critical: NagiosRange?
    }

    struct Raid: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "md RAID arrays, hardware RAID controller logical drives, DRBD, multipath and ZFS: CRITICAL degraded/failed/inactive, split brain, lost DRBD disk, no multipath path, faulted pool; WARNING rebuilding/resync, faulty member or drive, controller battery problem, failed path, degraded pool, failing storage tool.",
            discussion:
                "--warning/--critical: missing members per md array (default critical 0: any missing member; a rebuild under way is WARNING). Controller logical drives (storcli/perccli, ssacli, arcconf, run by the daemon in the background): degraded, failed or offline CRITICAL, rebuilding WARNING; a failed drive, a failed battery, a controller not optimal or figures stale after a failed tool run WARNING. DRBD volumes, multipath maps and ZFS pools are judged by their state (failed CRITICAL, degraded WARNING, a failing drbdsetup/multipathd/zpool WARNING); --array limits the check to those md arrays."
        )
        @OptionGroup var source: SourceOptions
        @OptionGroup var thresholds: Thresholds
        @Option(
            name: .long,
            help: ArgumentHelp(
                "Only these arrays or controller logical drives (comma-separated, e.g. md0,sda,storcli/c0/0/1).", valueName: "list"))
        var array: String?
        @Option(
            name: .customLong("mismatch-warning"),
            help: ArgumentHelp("Warning range for mismatched sectors found by the last check.", valueName: "range"))
        var mismatchWarning: NagiosRange?

        func run() throws {
            var o = HostCheck.Options()
            o.warning = thresholds.warning
            o.critical = thresholds.critical
            o.only = list(array)
            o.mismatchWarning = mismatchWarning
            try Check.run(.raid, o, source)
        }
    }

    struct Storage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Guest disks on unhealthy storage: CRITICAL when a layer under a disk failed, WARNING when one is degraded.",
            discussion:
                "Each guest disk's storage stack (file, filesystem, dm/LVM, md, btrfs, disks) with the health md, btrfs and disk sources report; names the guest, the disk and the layer."
        )
        @OptionGroup var source: SourceOptions

        func run() throws {
            try Check.run(.storage, HostCheck.Options(), source)
        }
    }

    struct Pools: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "libvirt storage pools: used percent, degraded/inaccessible, inactive with autostart.",
            discussion: "--warning/--critical: used percent (default 80 and 90)."
        )
        @OptionGroup var source: SourceOptions
        @OptionGroup var thresholds: Thresholds
        @Option(name: .long, help: ArgumentHelp("Only these pools (comma-separated names or UUIDs).", valueName: "list"))
        var pool: String?

        func run() throws {
            var o = HostCheck.Options()
            o.warning = thresholds.warning
            o.critical = thresholds.critical
            o.only = list(pool)
            try Check.run(.pools, o, source)
        }
    }

    struct Guests: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Guests: crashed, paused, not answering, transient counts; guests that must run.",
            discussion: "Defaults: any crashed guest is CRITICAL, any guest libvirt did not answer for is WARNING."
        )
        @OptionGroup var source: SourceOptions
        @Option(
            name: .long,
            help: ArgumentHelp("Guests that must be running (comma-separated names or UUIDs); CRITICAL otherwise.", valueName: "list"))
        var running: String?
        @Option(name: .customLong("paused-warning"), help: ArgumentHelp("Range for the paused count.", valueName: "range"))
        var pausedWarning: NagiosRange?
        @Option(name: .customLong("paused-critical"), help: ArgumentHelp("Range for the paused count.", valueName: "range"))
        var pausedCritical: NagiosRange?
        @Option(name: .customLong("crashed-warning"), help: ArgumentHelp("Range for the crashed count.", valueName: "range"))
        var crashedWarning: NagiosRange?
        @Option(name: .customLong("crashed-critical"), help: ArgumentHelp("Range for the crashed count (default 0).", valueName: "range"))
        var crashedCritical: NagiosRange?
        @Option(
            name: .customLong("timed-out-warning"),
            help: ArgumentHelp("Range for guests libvirt did not answer for (default 0).", valueName: "range"))
        var timedOutWarning: NagiosRange?
        @Option(
            name: .customLong("transient-warning"),
            help: ArgumentHelp("Range for transient (undefined) guests, e.g. 0 after migrations without --persistent.", valueName: "range"))
        var transientWarning: NagiosRange?

        func run() throws {
            var o = HostCheck.Options()
            o.running = list(running)
            o.pausedWarning = pausedWarning
            o.pausedCritical = pausedCritical
            o.crashedWarning = crashedWarning
            if let crashedCritical { o.crashedCritical = crashedCritical }
            if let timedOutWarning { o.timedOutWarning = timedOutWarning }
            o.transientWarning = transientWarning
            try Check.run(.guests, o, source)
        }
    }

    struct Libvirt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "libvirt connection: CRITICAL down, WARNING guests not answering.",
            discussion: "--warning/--critical: seconds the libvirt part of the collection took."
        )
        @OptionGroup var source: SourceOptions
        @OptionGroup var thresholds: Thresholds

        func run() throws {
            var o = HostCheck.Options()
            o.warning = thresholds.warning
            o.critical = thresholds.critical
            try Check.run(.libvirt, o, source)
        }
    }

    struct Migrations: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Running migrations: CRITICAL stalled, WARNING not converging, failed recently, or migrated in without traffic.",
            discussion:
                "--warning/--critical: elapsed seconds of a running migration. With a migration running, a second sample is taken after --interval seconds to see progress."
        )
        @OptionGroup var source: SourceOptions
        @OptionGroup var thresholds: Thresholds
        @Option(name: .long, help: ArgumentHelp("Seconds between the two samples that show progress.", valueName: "seconds"))
        var interval: Double = 2
        @Option(
            name: .customLong("max-iterations"),
            help: ArgumentHelp("Pre-copy iterations after which dirty rate >= bandwidth means not converging.", valueName: "n"))
        var maxIterations: Int = 30
        @Option(
            name: .customLong("failed-window"),
            help: ArgumentHelp("Seconds a failed migration keeps the check in WARNING.", valueName: "seconds"))
        var failedWindow: Double = 3600
        @Option(
            name: .customLong("arrival-window"),
            help: ArgumentHelp(
                "Seconds after an incoming migration during which the guest's traffic is checked (no packet between the two samples: WARNING).",
                valueName: "seconds"))
        var arrivalWindow: Double = 600

        func run() throws {
            var o = HostCheck.Options()
            o.warning = thresholds.warning
            o.critical = thresholds.critical
            o.interval = interval
            o.maxIterations = maxIterations
            o.failedWindow = failedWindow
            o.arrivalWindow = arrivalWindow
            try Check.run(.migrations, o, source)
        }
    }
}

extension Check {
    struct Migratable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pre-flight of a live migration: can GUEST move to the libvirtd at --to?",
            discussion: """
                Asks this host's libvirtd and the target's (both read-only): blockers (passthrough devices, SR-IOV and \
                vhost-user NICs, ivshmem, local disks and media, transient definition, host-passthrough CPU), the target's \
                CPU against the guest's (virConnectCompareHypervisorCPU), the networks and pools the guest uses, shared disks \
                known to the target's pools, free memory, and a domain with the same UUID or name there. CRITICAL: it cannot \
                move; WARNING: only with care (--copy-storage-all, --persistent, a twin left there); UNKNOWN: a libvirtd \
                did not answer within --timeout.
                """
        )
        @Argument(help: "Guest name or UUID on this host.")
        var guest: String
        @Option(name: .long, help: ArgumentHelp("Target libvirt URI, e.g. qemu+ssh://host2/system.", valueName: "uri"))
        var to: String
        @Option(
            name: .long,
            help: ArgumentHelp("How long each libvirtd (this one, the target) may take to answer: 5s, 500ms, 2.5.", valueName: "duration"))
        var timeout = "5s"
        @Flag(name: .long, help: "Print the verdict and the facts as JSON.")
        var json = false
        @Flag(
            name: .customLong("cpu-read-write"),
            help:
                "Compare the CPU over a read-write connection to the target (libvirtd refuses virConnectCompareHypervisorCPU to read-only clients); every other call stays read-only."
        )
        var cpuReadWrite = false
        @Option(name: .customLong("libvirt.uri"), help: ArgumentHelp("This host's libvirt URI (opened read-only).", valueName: "uri"))
        var libvirtURI = "qemu:///system"
        @Option(name: .customLong("path.procfs"), help: ArgumentHelp("procfs mountpoint (mount table).", valueName: "path"))
        var procfs = "/proc"

        func validate() throws {
            guard MigrationCheck.parseTimeout(timeout) != nil else {
                throw ValidationError("--timeout: not a positive duration: \(timeout)")
            }
        }

        func run() throws {
            let (facts, result) = MigrationCheck.run(
                guest: guest, localURI: libvirtURI, targetURI: to, timeout: MigrationCheck.parseTimeout(timeout)!,
                cpuReadWrite: cpuReadWrite, procfs: procfs)
            print(json ? MigrationCheck.json(facts, result) : result.output, terminator: "")
            throw ExitCode(result.status.exitCode)
        }
    }
}

/// "a,b" -> ["a", "b"].
func list(_ s: String?) -> [String] {
    (s ?? "").split(separator: ",").map { String($0).trimmingCharacters() }.filter { !$0.isEmpty }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
