import Glibc
import Logging

/// A swift-log handler writing one line per event to stderr, as logfmt
/// (`ts=... level=info msg="..." key=value`) or JSON, like the Prometheus exporters do.
public struct LogfmtHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable { case logfmt, json }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let format: Format
    let label: String

    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let ts = Self.timestamp()
        var line = ""
        switch format {
        case .logfmt:
            line =
                "ts=\(ts) level=\(event.level) caller=\(Self.caller(event.file, event.line)) msg=\(Self.logfmtValue(event.message.description))"
            for k in all.keys.sorted() { line += " \(k)=\(Self.logfmtValue(all[k]!.description))" }
        case .json:
            line =
                "{\"ts\":\"\(ts)\",\"level\":\"\(event.level)\",\"caller\":\"\(Self.caller(event.file, event.line))\",\"msg\":\(Self.jsonString(event.message.description))"
            for k in all.keys.sorted() { line += ",\(Self.jsonString(k)):\(Self.jsonString(all[k]!.description))" }
            line += "}"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(2, raw.baseAddress! + off, raw.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                off += n
            }
        }
    }

    static func caller(_ file: String, _ line: UInt) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        return "\(base):\(line)"
    }

    static func logfmtValue(_ s: String) -> String {
        let needsQuotes = s.isEmpty || s.utf8.contains { $0 <= 0x20 || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "\"") }
        guard needsQuotes else { return s }
        return jsonString(s)
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if ch.value < 0x20 {
                    out += "\\u00" + (ch.value < 16 ? "0" : "") + String(ch.value, radix: 16)
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out + "\""
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = ts.tv_sec
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func pad(_ v: Int32, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return
            "\(tmv.tm_year + 1900)-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2))T\(pad(tmv.tm_hour, 2)):\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}
