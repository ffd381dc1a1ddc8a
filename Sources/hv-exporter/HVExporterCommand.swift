import ArgumentParser
import HVBuildInfo
import HVCollect
import HVDaemon
import HVLibvirt
import HVScrape
import Logging

@main
struct HVExporterCommand: ParsableCommand {
    /// Release version, e.g. "0.1.0" (in hv_exporter_build_info and the start log line).
    static let version = BuildInfo.version

    /// Collectors chosen with --collector.<name> / --no-collector.<name> (taken out of the
    /// arguments before the parser sees them, since the set of names comes from the catalog).
    nonisolated(unsafe) static var enabledCollectors = CollectorCatalog.defaults

    static func main() {
        do {
            let (enabled, rest) = try CollectorCatalog.extractFlags(Array(CommandLine.arguments.dropFirst()))
            enabledCollectors = enabled
            var command = try parseAsRoot(rest)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "hv-exporter",
        abstract: "Prometheus exporter for KVM/QEMU and LXC hypervisor hosts.",
        discussion: """
            Serves every guest on this host (libvirt domains, running or not) with CPU, vCPU, \
            memory, block and network figures, as Prometheus text on the telemetry path and as \
            JSON on /json. libvirt is opened read-only. When libvirtd does not answer, libvirt_up \
            is 0 and the rest is still served; the connection comes back by itself.

            Examples:
              hv-exporter                                   # qemu:///system, listen on :9974
              hv-exporter --web.listen-address=127.0.0.1:9974 --log.level=debug
              hv-exporter --libvirt.uri=test:///default     # libvirt's built-in test hypervisor
              curl -s localhost:9974/metrics | grep libvirt_up

            Signals: SIGHUP re-reads --web.config.file (TLS certificate, key and client CAs, \
            basic-auth users) for new connections; an invalid file is logged and the previous \
            settings stay. SIGTERM and SIGINT stop within about a second, whatever libvirtd does.

            Slow or idle clients: each connection must deliver its whole request within \
            --web.request-timeout of connecting; one address holds at most \
            --web.max-connections-per-client connections; when all --web.max-connections are \
            taken the one waiting longest for its request is closed, and clients beyond get 503 \
            with Retry-After.

            Storage tools: drbdsetup (DRBD 9), multipathd and zpool run in the background every \
            --storage-tools.interval, each run killed after --storage-tools.timeout, never during \
            a scrape; a scrape serves their last good result (hv_external_tool_success, _stale, \
            _last_success_timestamp_seconds say how it went). A host without DRBD, dm_multipath \
            or ZFS loaded runs none of them and has no such series. LXD's storage pools are asked \
            of its API at the same interval (tool="lxd"; the first scrape waits up to 2s for it).
              hv-exporter --zfs.zpool-path=/usr/sbin/zpool --storage-tools.interval=2m

            Collectors (enable with --collector.<name>, disable with --no-collector.<name>):
            \(CollectorCatalog.helpText)
            """,
        version: BuildInfo.versionLine(program: "hv-exporter", libvirt: LibvirtConnection.headerVersion)
    )

    @Option(
        name: .customLong("web.listen-address"),
        help: ArgumentHelp("Address to listen on: ':9974' (all), '127.0.0.1:9974', '[::1]:9974'.", valueName: "addr"))
    var listenAddress = ":9974"

    @Option(name: .customLong("web.telemetry-path"), help: ArgumentHelp("Path under which to expose metrics.", valueName: "path"))
    var telemetryPath = "/metrics"

    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp(
            "File enabling TLS and/or basic auth, in the Prometheus exporter-toolkit format (tls_server_config, basic_auth_users with bcrypt hashes).",
            valueName: "file"))
    var webConfigFile: String?

    @Option(name: .customLong("web.max-connections"), help: ArgumentHelp("Connections served at once.", valueName: "n"))
    var maxConnections = 512

    @Option(
        name: .customLong("web.max-connections-per-client"),
        help: ArgumentHelp("Connections served at once from one client IP address (raise it behind a proxy).", valueName: "n"))
    var maxConnectionsPerClient = 32

    @Option(
        name: .customLong("web.request-timeout"),
        help: ArgumentHelp(
            "Time a client has from connecting to send its whole request, TLS handshake included ('10s'); on a kept-alive connection the next request must be in within 30s of the previous response.",
            valueName: "duration"))
    var requestTimeout = "10s"

    @Option(name: .customLong("libvirt.uri"), help: ArgumentHelp("libvirt connection URI (opened read-only).", valueName: "uri"))
    var libvirtURI = "qemu:///system"

    @Option(
        name: .customLong("libvirt.timeout"),
        help: ArgumentHelp(
            "The libvirt budget of one scrape ('5s', '1500ms'): domain, pool and job calls all wait until the same instant, so a scrape never waits on libvirt longer than this. A domain busy for this long in a row is reported timed out. Keep it below Prometheus' scrape_timeout.",
            valueName: "duration"))
    var libvirtTimeout = "5s"

    @Option(
        name: .customLong("libvirt.pool-refresh-interval"),
        help: ArgumentHelp(
            "Refresh each active storage pool at most this often, in the background ('10m'; '0' = never: the figures are then those of the pool's last start or refresh). Needs a read-write libvirt connection; a failing refresh makes libvirt stop the pool.",
            valueName: "duration"))
    var poolRefreshInterval = "0"

    @Option(
        name: .customLong("raid.storcli-path"),
        help: ArgumentHelp(
            "storcli/perccli executable for Broadcom/LSI MegaRAID and Dell PERC controllers. Default: the first of storcli64, storcli, perccli64, perccli found on PATH or under /opt/MegaRAID/{storcli,perccli}; '' turns it off.",
            valueName: "path"))
    var raidStorcliPath: String?

    @Option(
        name: .customLong("raid.ssacli-path"),
        help: ArgumentHelp(
            "ssacli executable for HPE Smart Array controllers. Default: ssacli or hpssacli on PATH; '' turns it off.",
            valueName: "path"))
    var raidSSACLIPath: String?

    @Option(
        name: .customLong("raid.arcconf-path"),
        help: ArgumentHelp(
            "arcconf executable for Microchip/Adaptec controllers. Default: arcconf on PATH; '' turns it off.",
            valueName: "path"))
    var raidArcconfPath: String?

    @Option(
        name: .customLong("raid.interval"),
        help: ArgumentHelp(
            "Run the RAID controller tools this often, in the background ('5m'); a scrape serves their last result and never waits for them. Their runs can take seconds and wake the controller, so keep it in minutes.",
            valueName: "duration"))
    var raidInterval = "5m"

    @Option(
        name: .customLong("raid.timeout"),
        help: ArgumentHelp(
            "Deadline of one run of a RAID controller tool, all its commands together ('60s'). A run that takes longer is killed; the last good figures are then served and marked stale (hv_external_tool_stale).",
            valueName: "duration"))
    var raidTimeout = "60s"

    @Option(
        name: .customLong("smart.smartctl-path"),
        help: ArgumentHelp(
            "smartctl (smartmontools 7.x) for the smart collector; default: 'smartctl' found on the PATH or in /usr/sbin. Without it the collector reports no disk and logs that once. smartctl needs root (CAP_SYS_RAWIO, CAP_SYS_ADMIN for NVMe) to read disks.",
            valueName: "path"))
    var smartctlPath: String?

    @Option(
        name: .customLong("smart.interval"),
        help: ArgumentHelp(
            "Pause between two smartctl runs on one disk ('10m'; at least 5m). Runs are in the background, never in a scrape; disks in standby are not woken (-n standby). Figures older than twice this are marked stale.",
            valueName: "duration"))
    var smartInterval = "10m"

    @Option(
        name: .customLong("smart.timeout"),
        help: ArgumentHelp(
            "A smartctl run that takes longer is killed ('30s'); that disk then keeps its last figures, marked stale (hv_external_tool_stale), and the other disks are not held up (each disk has its own runs).",
            valueName: "duration"))
    var smartTimeout = "30s"

    @Option(
        name: .customLong("smart.devices"),
        help: ArgumentHelp(
            "Comma-separated device paths to ask instead of the disks found in sysfs ('/dev/sda,/dev/nvme0n1'). Default: every whole disk (not loop, ram, zram, dm, md, drbd, nbd, optical) and the disks under md arrays and btrfs filesystems.",
            valueName: "paths"))
    var smartDevices: String?

    @Option(
        name: .customLong("scrape.max-age"),
        help: ArgumentHelp(
            "Serve a snapshot collected at most this long ago instead of collecting again ('0s': always collect; e.g. '10s' for a pair of Prometheus servers scraping the same host at an offset). Concurrent scrapes share one collection in any case. A reused response carries the same figures as the first (its samples have no timestamps: Prometheus stamps them at its own scrape time), so keep it well under the scrape interval; hv_scrape_snapshot_age_seconds says how old each response is.",
            valueName: "duration"))
    var snapshotMaxAge = "0s"

    @Option(name: .customLong("path.procfs"), help: ArgumentHelp("procfs mountpoint.", valueName: "path"))
    var procfs = "/proc"

    @Option(name: .customLong("path.sysfs"), help: ArgumentHelp("sysfs mountpoint.", valueName: "path"))
    var sysfs = "/sys"

    @Option(name: .customLong("path.cgroupfs"), help: ArgumentHelp("cgroup filesystem mountpoint.", valueName: "path"))
    var cgroupfs = "/sys/fs/cgroup"

    @Option(
        name: .customLong("path.rundir"),
        help: ArgumentHelp("Run-state directory; libvirt's QEMU pidfiles are read from <path>/libvirt/qemu.", valueName: "path"))
    var runDir = "/run"

    @Option(
        name: .customLong("path.libvirt-qemu-conf"),
        help: ArgumentHelp("libvirt's qemu.conf, read for lock_manager (hv_host_lock_manager_info).", valueName: "path"))
    var libvirtQemuConf = "/etc/libvirt/qemu.conf"

    @Option(
        name: .customLong("drbd.drbdsetup-path"),
        help: ArgumentHelp(
            "drbdsetup for the drbd collector on DRBD 9 ('status --json --verbose --statistics'); empty: found on PATH. DRBD 8.x is read from <path.procfs>/drbd without it.",
            valueName: "path"))
    var drbdsetupPath = ""

    @Option(
        name: .customLong("multipath.multipathd-path"),
        help: ArgumentHelp(
            "multipathd for the multipath collector ('show maps json', multipath-tools 0.5.0 or later); empty: found on PATH. Runs only while dm_multipath is loaded.",
            valueName: "path"))
    var multipathdPath = ""

    @Option(
        name: .customLong("zfs.zpool-path"),
        help: ArgumentHelp(
            "zpool for the zfs collector ('status -p', 'list -Hp'); empty: found on PATH. Without it only pool states are read, from <path.procfs>/spl/kstat/zfs.",
            valueName: "path"))
    var zpoolPath = ""

    @Option(
        name: .customLong("storage-tools.interval"),
        help: ArgumentHelp(
            "How often drbdsetup, multipathd and zpool run and LXD's pools are asked, in the background ('60s'); scrapes serve their last result, marked stale (hv_external_tool_stale) after a failed run.",
            valueName: "duration"))
    var storageToolsInterval = "60s"

    @Option(
        name: .customLong("storage-tools.timeout"),
        help: ArgumentHelp(
            "A drbdsetup, multipathd or zpool run taking longer is killed and counts as failed ('30s').", valueName: "duration"))
    var storageToolsTimeout = "30s"

    @Option(
        name: .customLong("log.level"),
        help: ArgumentHelp("Only log messages with this severity or above: debug, info, warn, error.", valueName: "level"))
    var logLevel = "info"

    @Option(name: .customLong("log.format"), help: ArgumentHelp("Log format: logfmt or json.", valueName: "format"))
    var logFormat = "logfmt"

    func validate() throws {
        guard levels[logLevel] != nil else {
            throw ValidationError("--log.level must be one of debug, info, warn, error; got '\(logLevel)'")
        }
        guard LogfmtHandler.Format(rawValue: logFormat) != nil else {
            throw ValidationError("--log.format must be logfmt or json; got '\(logFormat)'")
        }
        guard let t = parseDuration(libvirtTimeout), t > 0 else {
            throw ValidationError("--libvirt.timeout must be a duration like 5s or 1500ms; got '\(libvirtTimeout)'")
        }
        guard let r = parseDuration(poolRefreshInterval), r >= 0 else {
            throw ValidationError("--libvirt.pool-refresh-interval must be a duration like 10m or 0; got '\(poolRefreshInterval)'")
        }
        guard let ri = parseDuration(raidInterval), ri >= 1 else {
            throw ValidationError("--raid.interval must be a duration of at least 1s like 5m; got '\(raidInterval)'")
        }
        guard let rt = parseDuration(raidTimeout), rt > 0 else {
            throw ValidationError("--raid.timeout must be a duration like 60s; got '\(raidTimeout)'")
        }
        guard let si = parseDuration(smartInterval), si >= 300 else {
            throw ValidationError("--smart.interval must be a duration of at least 5m like 10m; got '\(smartInterval)'")
        }
        guard let st = parseDuration(smartTimeout), st >= 1, st <= si else {
            throw ValidationError("--smart.timeout must be a duration between 1s and --smart.interval like 30s; got '\(smartTimeout)'")
        }
        guard let toolsInterval = parseDuration(storageToolsInterval), toolsInterval >= 1 else {
            throw ValidationError(
                "--storage-tools.interval must be a duration of at least 1s like 60s or 5m; got '\(storageToolsInterval)'")
        }
        guard let toolsTimeout = parseDuration(storageToolsTimeout), toolsTimeout > 0 else {
            throw ValidationError("--storage-tools.timeout must be a duration like 30s; got '\(storageToolsTimeout)'")
        }
        guard let a = parseDuration(snapshotMaxAge), a >= 0, a <= 3600 else {
            throw ValidationError("--scrape.max-age must be a duration between 0s and 1h like 10s; got '\(snapshotMaxAge)'")
        }
        guard (1...65_536).contains(maxConnections) else {
            throw ValidationError("--web.max-connections must be between 1 and 65536; got \(maxConnections)")
        }
        guard (1...65_536).contains(maxConnectionsPerClient) else {
            throw ValidationError("--web.max-connections-per-client must be between 1 and 65536; got \(maxConnectionsPerClient)")
        }
        guard let q = parseDuration(requestTimeout), q >= 0.01, q <= 3600 else {
            throw ValidationError("--web.request-timeout must be a duration between 10ms and 1h like 10s; got '\(requestTimeout)'")
        }
        guard telemetryPath.hasPrefix("/"), telemetryPath != "/", telemetryPath != "/json" else {
            throw ValidationError("--web.telemetry-path must start with '/' and not be '/' or '/json'; got '\(telemetryPath)'")
        }
    }

    private var levels: [String: Logger.Level] { ["debug": .debug, "info": .info, "warn": .warning, "warning": .warning, "error": .error] }

    func run() throws {
        Exporter.blockTerminationSignals()
        Exporter.raiseOpenFileLimit()
        let level = levels[logLevel]!
        let format = LogfmtHandler.Format(rawValue: logFormat)!
        LoggingSystem.bootstrap { LogfmtHandler(label: $0, level: level, format: format) }
        let logger = Logger(label: "hv-exporter")
        PathCheck.report(to: logger)
        PathCheck.warnAtStart(procfs: procfs, sysfs: sysfs, cgroupfs: cgroupfs)

        var config = ExporterConfiguration()
        config.listenAddress = listenAddress
        config.telemetryPath = telemetryPath
        config.maxConnections = maxConnections
        config.maxConnectionsPerClient = maxConnectionsPerClient
        config.requestTimeout = parseDuration(requestTimeout)!
        config.version = Self.version
        config.snapshotMaxAge = .milliseconds(Int64((parseDuration(snapshotMaxAge)! * 1000).rounded()))
        config.settings.libvirtURI = libvirtURI
        config.settings.libvirtTimeout = .seconds(parseDuration(libvirtTimeout)!)
        config.settings.poolRefreshInterval = parseDuration(poolRefreshInterval)!
        config.settings.procfs = procfs
        config.settings.sysfs = sysfs
        config.settings.cgroupfs = cgroupfs
        config.settings.runDir = runDir
        config.settings.raid.storcliPath = raidStorcliPath
        config.settings.raid.ssacliPath = raidSSACLIPath
        config.settings.raid.arcconfPath = raidArcconfPath
        config.settings.raid.interval = .milliseconds(Int64(parseDuration(raidInterval)! * 1000))
        config.settings.raid.timeout = .milliseconds(Int64(parseDuration(raidTimeout)! * 1000))
        config.settings.smartctlPath = smartctlPath
        config.settings.smartInterval = .seconds(parseDuration(smartInterval)!)
        config.settings.smartTimeout = .seconds(parseDuration(smartTimeout)!)
        config.settings.smartDevices = smartDevices.map { $0.split(separator: ",").map(String.init).filter { !$0.isEmpty } }
        config.settings.libvirtQemuConf = libvirtQemuConf
        config.settings.drbdsetupPath = drbdsetupPath
        config.settings.multipathdPath = multipathdPath
        config.settings.zpoolPath = zpoolPath
        config.settings.storageTools = StorageToolSettings(
            interval: .milliseconds(Int64(parseDuration(storageToolsInterval)! * 1000)),
            timeout: .milliseconds(Int64(parseDuration(storageToolsTimeout)! * 1000)))
        let enabled = Self.enabledCollectors
        config.collectors = enabled

        if let webConfigFile {
            do {
                let web = try WebConfig.load(path: webConfigFile)
                config.tls = web.tls
                config.basicAuth = web.basicAuthUsers
            } catch {
                logger.error("invalid --web.config.file", metadata: ["error": "\(error)"])
                throw ExitCode(1)
            }
        }
        let exporter: Exporter
        do {
            exporter = try Exporter(config, logger: logger)
        } catch {
            logger.error("cannot start HTTP server", metadata: ["address": "\(listenAddress)", "error": "\(error)"])
            throw ExitCode(1)
        }
        logger.info(
            "hv-exporter listening",
            metadata: [
                "address": "\(listenAddress)", "port": "\(exporter.server.boundPort)", "telemetry_path": "\(telemetryPath)",
                "libvirt_uri": "\(libvirtURI)", "tls": "\(config.tls != nil)", "basic_auth": "\(config.basicAuth != nil)",
                "collectors": "\(enabled.sorted().joined(separator: ","))", "version": "\(Self.version)",
                "revision": "\(BuildInfo.revision)",
            ])
        while true {
            switch Exporter.waitForSignal() {
            case .reload:
                if let webConfigFile {
                    exporter.reloadWebConfig(path: webConfigFile, logger: logger)
                } else {
                    logger.info("SIGHUP: no --web.config.file to reload")
                }
            case .terminate(let sig):
                logger.info("shutting down", metadata: ["signal": "\(sig)"])
                exporter.shutdown(gracePeriodSeconds: 1, logger: logger)
                logger.info("stopped")
                Exporter.exitNow(0)
            }
        }
    }
}
