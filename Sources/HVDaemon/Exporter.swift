import Glibc
import HVCollect
import HVHTTP
import HVScrape
import Logging

/// Everything `hv-exporter` needs to run, already validated.
public struct ExporterConfiguration: Sendable {
    public var listenAddress = ":9974"
    public var telemetryPath = "/metrics"
    public var collectors: Set<String> = Set(CollectorCatalog.entries.filter(\.enabledByDefault).map(\.name))
    public var settings = CollectorCatalog.Settings()
    public var tls: TLSConfig?
    public var basicAuth: [String: String]?
    /// Connections at once, and from one client address (`--web.max-connections`,
    /// `--web.max-connections-per-client`).
    public var maxConnections = 512
    public var maxConnectionsPerClient = 32
    /// Seconds for a client to send its whole request (`--web.request-timeout`).
    public var requestTimeout: Double = 10
    public var version = "dev"
    /// A snapshot collected this recently is served again instead of collecting anew
    /// (`--scrape.max-age`; zero: never, concurrent scrapes still share one collection).
    public var snapshotMaxAge = Duration.zero
    public init() {}
}

/// Wires collectors, the scrape coordinator and the HTTP server together.
public final class Exporter: Sendable {
    public let server: HTTPServer
    public let coordinator: ScrapeCoordinator

    public init(_ config: ExporterConfiguration, logger: Logger) throws(HTTPServerError) {
        let coordinator = CollectorCatalog.coordinator(
            enabled: config.collectors, settings: config.settings, maxAge: config.snapshotMaxAge, logger: logger)
        let routes = Routes(
            coordinator: coordinator, telemetryPath: config.telemetryPath, version: config.version, procfs: config.settings.procfs)
        let httpLogger = logger
        var http = HTTPServer.Configuration(listenAddress: config.listenAddress)
        http.tls = config.tls
        http.basicAuth = config.basicAuth
        http.connectionLimit = config.maxConnections
        http.connectionLimitPerClient = config.maxConnectionsPerClient
        http.requestTimeoutSeconds = config.requestTimeout
        http.logger = { line in httpLogger.warning("http: \(line)") }
        self.server = try HTTPServer(configuration: http) { routes.handle($0) }
        self.coordinator = coordinator
    }

    /// Raises the soft open-file limit to the hard one (as Go programs do at start): the
    /// cgroup collector keeps a few directory handles per guest, the HTTP server one socket
    /// per client. Returns the limit now in force.
    @discardableResult
    public static func raiseOpenFileLimit() -> UInt64 {
        var lim = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim) == 0 else { return 0 }
        if lim.rlim_cur < lim.rlim_max {
            var want = lim
            want.rlim_cur = lim.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &want) == 0 { return UInt64(want.rlim_cur) }
        }
        return UInt64(lim.rlim_cur)
    }

    /// Re-reads `--web.config.file` (on SIGHUP) and serves new connections with its TLS
    /// certificate, key and client CAs and its basic-auth users; requests in progress finish
    /// with the old settings. An unreadable or invalid file is logged and changes nothing.
    /// Returns whether the new settings are in force.
    @discardableResult
    public func reloadWebConfig(path: String, logger: Logger) -> Bool {
        let web: WebConfig
        do {
            web = try WebConfig.load(path: path)
        } catch {
            logger.error("invalid --web.config.file; keeping the previous web config", metadata: ["file": "\(path)", "error": "\(error)"])
            return false
        }
        do {
            try server.reload(tls: web.tls, basicAuth: web.basicAuthUsers)
        } catch {
            logger.error(
                "cannot apply --web.config.file; keeping the previous web config", metadata: ["file": "\(path)", "error": "\(error)"])
            return false
        }
        logger.info(
            "web config reloaded",
            metadata: [
                "file": "\(path)", "tls": "\(web.tls != nil)", "basic_auth": "\(web.basicAuthUsers != nil)",
            ])
        return true
    }

    /// Stops serving within about `gracePeriodSeconds`: no new connections, idle ones closed,
    /// requests in progress given the grace period. Never waits on libvirt: a scrape still
    /// collecting after it is abandoned (the caller then exits the process).
    public func shutdown(gracePeriodSeconds: Double, logger: Logger) {
        if !server.shutdown(gracePeriodSeconds: gracePeriodSeconds) {
            logger.warning(
                "requests still in progress after the grace period (libvirt not answering?); exiting without them",
                metadata: ["grace_seconds": "\(gracePeriodSeconds)"])
        }
    }

    /// Ends the process now (_exit(2)): no atexit handlers or library destructors, which could
    /// wait for, or pull state from under, threads still blocked in libvirt. Logs are written
    /// unbuffered, so nothing is lost.
    public static func exitNow(_ status: Int32) -> Never {
        fflush(nil)
        _exit(status)
    }

    /// What `waitForSignal` took.
    public enum Signal: Sendable, Equatable {
        /// SIGHUP: re-read the web config.
        case reload
        /// SIGINT or SIGTERM (the number).
        case terminate(Int32)
    }

    private static var handledSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGHUP)
        return set
    }

    /// Blocks SIGINT, SIGTERM and SIGHUP for every thread started after it (call before
    /// anything starts threads), so `waitForSignal` can take them with sigwait; ignores SIGPIPE.
    public static func blockTerminationSignals() {
        var set = handledSignals
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Waits for SIGINT, SIGTERM or SIGHUP (sigwait).
    public static func waitForSignal() -> Signal {
        var set = handledSignals
        var sig: Int32 = 0
        sigwait(&set, &sig)
        return sig == SIGHUP ? .reload : .terminate(sig)
    }
}
