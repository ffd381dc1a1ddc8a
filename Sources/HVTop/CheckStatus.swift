/// A Nagios plugin state, with its exit code.
public enum CheckStatus: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    /// The process exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
    public var exitCode: Int32 { Int32(rawValue) }

    public var description: String {
        switch self {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown: "UNKNOWN"
        }
    }

    /// Severity for combining several findings: OK < UNKNOWN < WARNING < CRITICAL
    /// (monitoring-plugins' `max_state_alt`): a definite problem outranks a doubt.
    var severity: Int {
        switch self {
        case .ok: 0
        case .unknown: 1
        case .warning: 2
        case .critical: 3
        }
    }

    public static func < (a: CheckStatus, b: CheckStatus) -> Bool { a.severity < b.severity }

    /// The state a value raises against optional warning and critical ranges.
    public static func evaluate(_ value: Double, warning: NagiosRange?, critical: NagiosRange?) -> CheckStatus {
        if let critical, critical.alerts(value) { return .critical }
        if let warning, warning.alerts(value) { return .warning }
        return .ok
    }
}
