import Logging

/// Loggers for an in-process collection: silent unless asked, so a one-shot's output stays
/// clean (Zabbix reads what hvtop prints).
public enum HVTopLogging {
    public static func logger(verbose: Bool) -> Logger {
        if verbose {
            var l = Logger(label: "hvtop", factory: { StreamLogHandler.standardError(label: $0) })
            l.logLevel = .debug
            return l
        }
        return Logger(label: "hvtop", factory: { _ in SwiftLogNoOpLogHandler() })
    }
}
