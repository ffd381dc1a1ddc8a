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
    public var version = "dev"
    public init() {}
}

/// Wires collectors, the scrape coordinator and the HTTP server together.
public final class Exporter: Sendable {
    public let server: HTTPServer
    public let coordinator: ScrapeCoordinator

    public init(_ config: ExporterConfiguration, logger: Logger) throws(HTTPServerError) {
        let coordinator = CollectorCatalog.coordinator(enabled: config.collectors, settings: config.settings, logger: logger)
        let routes = Routes(coordinator: coordinator, telemetryPath: config.telemetryPath, version: config.version)
        let httpLogger = logger
        var http = HTTPServer.Configuration(listenAddress: config.listenAddress)
        http.tls = config.tls
        http.basicAuth = config.basicAuth
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

    /// Blocks SIGINT/SIGTERM for every thread started after it (call before anything starts
    /// threads), so `waitForTermination` can take them with sigwait.
    public static func blockTerminationSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Waits for SIGINT or SIGTERM; returns the signal number.
    public static func waitForTermination() -> Int32 {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        var sig: Int32 = 0
        sigwait(&set, &sig)
        return sig
    }
}
