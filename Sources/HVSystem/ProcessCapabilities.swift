/// The effective capability set of a process (`CapEff:` of `/proc/<pid>/status`, a hex bit
/// mask; capabilities(7)). Read once where a missing capability explains a later failure
/// (the storage tools' device commands), never per scrape.
public struct ProcessCapabilities: Sendable, Equatable {
    /// Bit numbers from linux/capability.h.
    public enum Capability: Int, Sendable, CaseIterable {
        case sysRawIO = 17
        case sysAdmin = 21

        /// The name capabilities(7) and systemd units use.
        public var name: String {
            switch self {
            case .sysRawIO: "CAP_SYS_RAWIO"
            case .sysAdmin: "CAP_SYS_ADMIN"
            }
        }
    }

    public let effective: UInt64

    public init(effective: UInt64) { self.effective = effective }

    public func has(_ c: Capability) -> Bool { effective & (1 << UInt64(c.rawValue)) != 0 }

    /// The `CapEff:` line of a status file; nil when there is none or it is not hex.
    public static func parse(status bytes: [UInt8]) -> ProcessCapabilities? {
        var sc = ByteScanner(bytes)
        while let line = sc.line() {
            guard line.starts(with: "CapEff:".utf8) else { continue }
            let hex = line.dropFirst(7).drop { ByteScanner.isSpace($0) }
            guard let v = UInt64(String(decoding: hex.prefix { !ByteScanner.isSpace($0) }, as: UTF8.self), radix: 16) else {
                return nil
            }
            return ProcessCapabilities(effective: v)
        }
        return nil
    }

    /// This process's set; nil when `/proc/self/status` cannot be read.
    public static func current(procfs: String = "/proc") -> ProcessCapabilities? {
        (try? FileReader.read(procfs + "/self/status")).flatMap { parse(status: $0) }
    }
}
