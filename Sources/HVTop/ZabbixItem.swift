import HVModel

/// One Zabbix item key hvtop answers (`hvtop zabbix get KEY`), with what it means.
/// `ZabbixItem.catalog` is the documented list (docs/zabbix.md) and what the shipped agent
/// configuration has one UserParameter line for.
public struct ZabbixItem: Sendable {
    /// Key name, e.g. "hv.guest.cpu.util".
    public let name: String
    /// Parameter placeholders for the docs, e.g. ["NAME", "DEV"]; optional ones end in "?".
    public let params: [String]
    /// Unit of the value as Zabbix shows it ("B", "Bps", "%", "s", "" for counts and codes).
    public let units: String
    public let help: String
    let eval: Eval

    enum Eval: Sendable {
        /// The whole /json (the template's master item).
        case snapshot
        /// A value read from one snapshot.
        case value(@Sendable (Snapshot, [String]) throws(ZabbixError) -> String)
        /// A per-guest rate between an earlier reading and now.
        case guestRate(@Sendable (Guest, GuestCounters, RateCache.Reading, Double) -> Double?)
    }

    var requiredParams: Int { params.filter { !$0.hasSuffix("?") }.count }

    /// "hv.guest.disk.read.bytes[NAME,DEV]".
    public var keyPattern: String { params.isEmpty ? name : "\(name)[\(params.joined(separator: ","))]" }

    /// Checks the parameter count of a parsed key.
    func validate(_ key: ZabbixKey) throws(ZabbixError) {
        guard key.params.count >= requiredParams, key.params.count <= params.count else {
            throw ZabbixError(
                "\(name) takes \(params.isEmpty ? "no parameters" : "parameters [\(params.joined(separator: ","))]"), got \(key.params.count)"
            )
        }
    }

    public static func find(_ name: String) -> ZabbixItem? { catalog.first { $0.name == name } }
}

/// Why a key has no value. Printed on standard error; hvtop exits 1 and Zabbix marks the
/// item unsupported with this text.
public struct ZabbixError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
