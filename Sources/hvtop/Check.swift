import ArgumentParser
import HVTop

/// `hvtop check raid|pools|guests|libvirt|migrations|storage`: Nagios plugin output and exit codes.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Nagios-style checks: status line with performance data; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
        discussion: "Thresholds use the Nagios range syntax: 10 (alert above 10), 10: (below 10), ~:10, 10:20 (outside), @10:20 (inside).",
        subcommands: [Raid.self, Pools.self, Guests.self, Libvirt.self, Migrations.self, Storage.self]
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
                "md RAID arrays and hardware RAID controller logical drives: CRITICAL degraded/failed/inactive, WARNING rebuilding, faulty member or drive, controller battery problem.",
            discussion:
                "--warning/--critical: missing members per md array (default critical 0: any missing member; a rebuild under way is WARNING). Controller logical drives (storcli/perccli, ssacli, arcconf, run by the daemon in the background): degraded, failed or offline CRITICAL, rebuilding WARNING; a failed drive, a failed battery, a controller not optimal or figures stale after a failed tool run WARNING."
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
            abstract: "Running migrations: CRITICAL stalled, WARNING not converging or failed recently.",
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

        func run() throws {
            var o = HostCheck.Options()
            o.warning = thresholds.warning
            o.critical = thresholds.critical
            o.interval = interval
            o.maxIterations = maxIterations
            o.failedWindow = failedWindow
            try Check.run(.migrations, o, source)
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
