/// Block I/O of a cgroup, summed over all devices.
public struct BlockIOTotals: Sendable, Equatable {
    public var readBytes: UInt64 = 0
    public var writeBytes: UInt64 = 0
    /// Read and write operations (requests).
    public var readOps: UInt64 = 0
    public var writeOps: UInt64 = 0

    public init(readBytes: UInt64 = 0, writeBytes: UInt64 = 0, readOps: UInt64 = 0, writeOps: UInt64 = 0) {
        self.readBytes = readBytes
        self.writeBytes = writeBytes
        self.readOps = readOps
        self.writeOps = writeOps
    }

    /// v2 `io.stat`: one line per device, `MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N`
    /// (keys may be missing or extra; unknown keys are ignored).
    public static func parseIOStat(_ bytes: [UInt8]) throws -> BlockIOTotals {
        var t = BlockIOTotals()
        var sc = ByteScanner(bytes)
        var lineNo = 0
        while let line = sc.line() {
            lineNo += 1
            if line.isEmpty { continue }
            var ls = ByteScanner(Array(line))
            guard let dev = ls.word(), dev.contains(UInt8(ascii: ":")) else {
                throw SystemError.malformed("line \(lineNo): no MAJ:MIN device")
            }
            while let kv = ls.word() {
                guard let eq = kv.firstIndex(of: UInt8(ascii: "=")) else {
                    throw SystemError.malformed("line \(lineNo): '\(kv.string)' is not key=value")
                }
                let key = kv[kv.startIndex..<eq]
                guard let v = parseUInt(kv[(eq + 1)...]) else {
                    throw SystemError.malformed("line \(lineNo): bad value for \(key.string)")
                }
                if key.equals("rbytes") {
                    t.readBytes &+= v
                } else if key.equals("wbytes") {
                    t.writeBytes &+= v
                } else if key.equals("rios") {
                    t.readOps &+= v
                } else if key.equals("wios") {
                    t.writeOps &+= v
                }
            }
        }
        return t
    }

    /// v1 `blkio.throttle.io_service_bytes(_recursive)` / `blkio.throttle.io_serviced(_recursive)`:
    /// `MAJ:MIN Read N`, `MAJ:MIN Write N`, ... and a final `Total N`.
    /// Returns the (read, write) sums over devices; the `Total` line is ignored.
    public static func parseBlkioThrottle(_ bytes: [UInt8]) throws -> (read: UInt64, write: UInt64) {
        var read: UInt64 = 0
        var write: UInt64 = 0
        var sc = ByteScanner(bytes)
        var lineNo = 0
        while let line = sc.line() {
            lineNo += 1
            if line.isEmpty { continue }
            var ls = ByteScanner(Array(line))
            guard let first = ls.word() else { continue }
            if first.equals("Total") { continue }
            guard first.contains(UInt8(ascii: ":")), let op = ls.word(), let v = ls.uint() else {
                throw SystemError.malformed("line \(lineNo): expected 'MAJ:MIN Op value'")
            }
            if op.equals("Read") { read &+= v } else if op.equals("Write") { write &+= v }
        }
        return (read, write)
    }
}
