import ArgumentParser
import Glibc
import HVBuildInfo
import HVLibvirt
import HVScrape
import HVTop

@main
struct HVTopCommand: ParsableCommand {
    /// Collectors chosen with --collector.<name> / --no-collector.<name> for a direct
    /// collection (taken out of the arguments before the parser sees them).
    nonisolated(unsafe) static var enabledCollectors = CollectorCatalog.defaults

    static let configuration = CommandConfiguration(
        commandName: "hvtop",
        abstract:
            "Which guest is burning this CPU, this PID, this disk: a top for KVM/QEMU and LXC hosts, and checks for Zabbix and Nagios.",
        discussion: """
            Reads the local hv-exporter's /json (--url, default \(DaemonURL.defaultText)); when nothing \
            listens there, collects directly with the exporter's own collectors (as root, to see everything). \
            A daemon serving TLS and basic auth (--web.config.file): an https:// --url, --tls.ca-file, \
            --user, and the password from $HVTOP_PASSWORD or --password-file.

            Examples:
              hvtop                          interactive view (? for keys)
              hvtop -b -n 3 -d 1             the guest table three times, rates over 1 s
              hvtop -b --csv -n 10           CSV rows for a spreadsheet
              hvtop pid 14757                which guest owns this PID or thread
              hvtop guest vm1                everything about one guest
              hvtop zabbix get 'hv.guest.cpu.util[vm1]'
              hvtop zabbix discovery guests
              hvtop check raid               Nagios plugin output and exit code
              hvtop --url https://hv1:9974 --tls.ca-file ca.crt --user prom   (HVTOP_PASSWORD set)
            """,
        version: BuildInfo.versionLine(program: "hvtop", libvirt: LibvirtConnection.headerVersion),
        subcommands: [Top.self, Pid.self, GuestCommand.self, Zabbix.self, Check.self],
        defaultSubcommand: Top.self
    )

    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        let isCheck = args.first == "check"
        do {
            var (enabled, rest) = try CollectorCatalog.extractFlags(args)
            // A direct collection lives for one command: smartctl runs started for it would
            // outlive it with nothing read. SMART comes from the daemon, or with --collector.smart.
            if !args.contains("--collector.smart") { enabled.remove("smart") }
            // The same for drbdsetup (DRBD 9), multipathd and zpool: from the daemon, or with --collector.<name>.
            for name in ["drbd", "multipath", "zfs"] where !args.contains("--collector.\(name)") { enabled.remove(name) }
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
    @Option(
        name: .long,
        help: ArgumentHelp(
            "hv-exporter to read (/json): http:// or https://. Default: $HVTOP_URL, else \(DaemonURL.defaultText).", valueName: "url"))
    var url = SourceOptions.defaultURL

    /// $HVTOP_URL (set in a Zabbix agent's environment), else the local daemon.
    static var defaultURL: String { environment("HVTOP_URL") ?? DaemonURL.defaultText }

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Basic auth user for the daemon (default: $HVTOP_USER). The password comes from --password-file or $HVTOP_PASSWORD, never from a flag.",
            valueName: "name"))
    var user: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "File whose first line is the basic auth password (default: $HVTOP_PASSWORD_FILE; else the password is $HVTOP_PASSWORD).",
            valueName: "path"))
    var passwordFile: String?

    @Option(
        name: .customLong("tls.ca-file"),
        help: ArgumentHelp(
            "https: PEM file of the CA (or self-signed certificate) to trust instead of the system store (default: $HVTOP_TLS_CA_FILE).",
            valueName: "path"))
    var tlsCAFile: String?

    @Option(
        name: .customLong("tls.cert-file"),
        help: ArgumentHelp(
            "https: PEM client certificate, for a daemon that requires one (client_ca_file) (default: $HVTOP_TLS_CERT_FILE).",
            valueName: "path"))
    var tlsCertFile: String?

    @Option(
        name: .customLong("tls.key-file"),
        help: ArgumentHelp("https: PEM key of --tls.cert-file (default: $HVTOP_TLS_KEY_FILE).", valueName: "path"))
    var tlsKeyFile: String?

    @Option(
        name: .customLong("tls.server-name"),
        help: ArgumentHelp("https: name the server certificate must carry (default: the --url host).", valueName: "name"))
    var tlsServerName: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "auto: the daemon, or a direct collection when nothing listens at a local --url; daemon: only the daemon; direct: only in-process collection.",
            valueName: "auto|daemon|direct"))
    var source: String = "auto"

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the daemon.", valueName: "seconds"))
    var timeout: Double = 10

    @Option(name: .customLong("libvirt.uri"), help: ArgumentHelp("Direct collection: libvirt URI (opened read-only).", valueName: "uri"))
    var libvirtURI = "qemu:///system"

    @Option(
        name: .customLong("libvirt.timeout"),
        help: ArgumentHelp("Direct collection: deadline for libvirt calls, seconds.", valueName: "seconds"))
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
        guard SnapshotSource.Mode(rawValue: source) != nil else {
            throw ValidationError("--source must be auto, daemon or direct; got '\(source)'")
        }
        let parsed: DaemonURL
        do { parsed = try DaemonURL(url) } catch { throw ValidationError(error.description) }
        let tlsFlags = [tlsCAFile, tlsCertFile, tlsKeyFile, tlsServerName].contains { $0 != nil }
        if tlsFlags && !parsed.isTLS { throw ValidationError("--tls.* options need an https:// --url; got \(parsed)") }
        if parsed.isTLS && (tlsOptions.certFile == nil) != (tlsOptions.keyFile == nil) {
            throw ValidationError("--tls.cert-file and --tls.key-file ($HVTOP_TLS_CERT_FILE, $HVTOP_TLS_KEY_FILE) go together")
        }
        do { _ = try credentials(parsed) } catch { throw ValidationError(error.description) }
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
        // validate() checked all three (credentials too; a file gone since then sends none and gets a 401).
        let daemonURL = try! DaemonURL(url)
        return SnapshotSource(
            url: daemonURL, mode: SnapshotSource.Mode(rawValue: source)!, timeout: timeout,
            tls: tlsOptions, credentials: try? credentials(daemonURL)
        ) {
            DirectCollection(enabled: enabled, settings: settings, logger: HVTopLogging.logger(verbose: verbose))
        }
    }

    /// The --tls.* flags, else $HVTOP_TLS_CA_FILE, $HVTOP_TLS_CERT_FILE, $HVTOP_TLS_KEY_FILE
    /// (for a Zabbix agent's environment; used only with an https URL).
    var tlsOptions: DaemonTLSOptions {
        DaemonTLSOptions(
            caFile: tlsCAFile ?? environment("HVTOP_TLS_CA_FILE"),
            certFile: tlsCertFile ?? environment("HVTOP_TLS_CERT_FILE"),
            keyFile: tlsKeyFile ?? environment("HVTOP_TLS_KEY_FILE"), serverName: tlsServerName)
    }

    /// --user / $HVTOP_USER / the URL's user with --password-file / $HVTOP_PASSWORD_FILE /
    /// $HVTOP_PASSWORD / the URL's password.
    func credentials(_ url: DaemonURL) throws(CredentialsError) -> BasicCredentials? {
        try BasicCredentials.resolve(
            url: url, user: user, passwordFile: passwordFile ?? environment("HVTOP_PASSWORD_FILE"),
            environmentUser: environment("HVTOP_USER"), environmentPassword: environment("HVTOP_PASSWORD"))
    }

    /// Privilege warnings for a direct collection (none through the daemon).
    func warnings(for kind: SourceKind) -> [String] {
        kind.isDaemon ? [] : PrivilegeCheck.warnings(libvirtURI: libvirtURI, procfs: procfs)
    }
}

/// A non-empty environment variable.
func environment(_ name: String) -> String? {
    guard let e = getenv(name), e.pointee != 0 else { return nil }
    return String(cString: e)
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
