import ArgumentParser
import Glibc
import HVScrape
import HVTop

@main
struct HVTopCommand: ParsableCommand {
    /// Collectors chosen with --collector.<name> / --no-collector.<name> for a direct
    /// collection (taken out of the arguments before the parser sees them).
    nonisolated(unsafe) static var enabledCollectors = CollectorCatalog.defaults

    static let configuration = CommandConfiguration(
        commandName: "hvtop",
        abstract: "Which guest is burning this CPU, this PID, this disk: a top for KVM/QEMU and LXC hosts, and checks for Zabbix and Nagios.",
        discussion: """
        Reads the local hv-exporter's /json (--url, default \(DaemonURL.defaultText)); when nothing \
        listens there, collects directly with the exporter's own collectors (as root, to see everything).

        Examples:
          hvtop                          interactive view (? for keys)
          hvtop -b -n 3 -d 1             the guest table three times, rates over 1 s
          hvtop -b --csv -n 10           CSV rows for a spreadsheet
          hvtop pid 14757                which guest owns this PID or thread
          hvtop guest vm1                everything about one guest
          hvtop zabbix get 'hv.guest.cpu.util[vm1]'
          hvtop zabbix discovery guests
          hvtop check raid               Nagios plugin output and exit code
        """,
        version: HVTopVersion.text,
        subcommands: [Top.self, Pid.self, GuestCommand.self, Zabbix.self, Check.self],
        defaultSubcommand: Top.self
    )

    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        let isCheck = args.first == "check"
        do {
            let (enabled, rest) = try CollectorCatalog.extractFlags(args)
            enabledCollectors = enabled
            args = rest
            var command = try parseAsRoot(args)
            try command.run()
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            if isCheck && exitCode(for: error).rawValue != 0 {
                // Nagios: a check that cannot run is UNKNOWN, never "usage error" 64.
                let msg = (error as? CollectorFlagError)?.description ?? fullMessage(for: error)
                let kind = args.dropFirst().first.flatMap { HostCheck.Kind(rawValue: $0) }
                print("HV \(kind.map { $0.rawValue.uppercased() + " " } ?? "")UNKNOWN - \(msg.split(separator: "\n").first ?? "")")
                Glibc.exit(3)
            }
            exit(withError: error)
        }
    }
}

/// Where snapshots come from; shared by every subcommand.
struct SourceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("hv-exporter to read (/json); http only, user:password@ for basic auth. Default: $HVTOP_URL, else \(DaemonURL.defaultText).", valueName: "url"))
    var url = SourceOptions.defaultURL

    /// $HVTOP_URL (set in a Zabbix agent's environment), else the local daemon.
    static var defaultURL: String {
        if let e = getenv("HVTOP_URL"), e.pointee != 0 { return String(cString: e) }
        return DaemonURL.defaultText
    }

    @Option(name: .long, help: ArgumentHelp("auto: the daemon, or a direct collection when nothing listens at a local --url; daemon: only the daemon; direct: only in-process collection.", valueName: "auto|daemon|direct"))
    var source: String = "auto"

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the daemon.", valueName: "seconds"))
    var timeout: Double = 10

    @Option(name: .customLong("libvirt.uri"), help: ArgumentHelp("Direct collection: libvirt URI (opened read-only).", valueName: "uri"))
    var libvirtURI = "qemu:///system"

    @Option(name: .customLong("libvirt.timeout"), help: ArgumentHelp("Direct collection: deadline for libvirt calls, seconds.", valueName: "seconds"))
    var libvirtTimeout: Double = 5

    @Option(name: .customLong("path.procfs"), help: ArgumentHelp("Direct collection: procfs mountpoint.", valueName: "path"))
    var procfs = "/proc"

    @Option(name: .customLong("path.sysfs"), help: ArgumentHelp("Direct collection: sysfs mountpoint.", valueName: "path"))
    var sysfs = "/sys"

    @Option(name: .customLong("path.cgroupfs"), help: ArgumentHelp("Direct collection: cgroup filesystem mountpoint.", valueName: "path"))
    var cgroupfs = "/sys/fs/cgroup"

    @Flag(name: .long, help: "Direct collection: log collector warnings to standard error.")
    var verbose = false

    func validate() throws {
        guard SnapshotSource.Mode(rawValue: source) != nil else { throw ValidationError("--source must be auto, daemon or direct; got '\(source)'") }
        do { _ = try DaemonURL(url) } catch { throw ValidationError(error.description) }
        guard timeout > 0, libvirtTimeout > 0 else { throw ValidationError("--timeout and --libvirt.timeout must be positive") }
    }

    var settings: CollectorCatalog.Settings {
        var s = CollectorCatalog.Settings()
        s.libvirtURI = libvirtURI
        s.libvirtTimeout = .seconds(libvirtTimeout)
        s.procfs = procfs
        s.sysfs = sysfs
        s.cgroupfs = cgroupfs
        return s
    }

    func makeSource() -> SnapshotSource {
        let settings = self.settings
        let enabled = HVTopCommand.enabledCollectors
        let verbose = self.verbose
        // validate() checked both.
        return SnapshotSource(url: try! DaemonURL(url), mode: SnapshotSource.Mode(rawValue: source)!, timeout: timeout) {
            DirectCollection(enabled: enabled, settings: settings, logger: HVTopLogging.logger(verbose: verbose))
        }
    }

    /// Privilege warnings for a direct collection (none through the daemon).
    func warnings(for kind: SourceKind) -> [String] {
        kind.isDaemon ? [] : PrivilegeCheck.warnings(libvirtURI: libvirtURI, procfs: procfs)
    }
}

/// Prints to standard error.
func printError(_ s: String) {
    var bytes = Array(s.utf8)
    if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
    _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}

extension NagiosRange: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(argument) }
}
