/// `/proc/<pid>/net/dev`: interface counters of the network namespace the process is in.
public struct NetDevCounters: Sendable, Equatable {
    public var interface: String
    public var receiveBytes: UInt64
    public var receivePackets: UInt64
    public var transmitBytes: UInt64
    public var transmitPackets: UInt64
    /// `errs` and `drop` of each direction (nil on a line with fewer counters than Linux writes).
    public var receiveErrors: UInt64?
    public var receiveDrops: UInt64?
    public var transmitErrors: UInt64?
    public var transmitDrops: UInt64?

    public init(
        interface: String, receiveBytes: UInt64, receivePackets: UInt64,
        transmitBytes: UInt64, transmitPackets: UInt64,
        receiveErrors: UInt64? = nil, receiveDrops: UInt64? = nil,
        transmitErrors: UInt64? = nil, transmitDrops: UInt64? = nil
    ) {
        self.interface = interface
        self.receiveBytes = receiveBytes
        self.receivePackets = receivePackets
        self.transmitBytes = transmitBytes
        self.transmitPackets = transmitPackets
        self.receiveErrors = receiveErrors
        self.receiveDrops = receiveDrops
        self.transmitErrors = transmitErrors
        self.transmitDrops = transmitDrops
    }
}

public enum NetDev {
    /// Parses the two header lines and one line per interface:
    /// `  eth0: rxbytes rxpackets errs drop fifo frame compressed multicast txbytes txpackets ...`
    /// (a large counter may touch the colon: `eth0:123456`).
    public static func parse(_ bytes: [UInt8]) throws -> [NetDevCounters] {
        var out: [NetDevCounters] = []
        var sc = ByteScanner(bytes)
        var lineNo = 0
        while let line = sc.line() {
            lineNo += 1
            if lineNo <= 2 { continue }
            if line.allSatisfy({ ByteScanner.isSpace($0) }) { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw SystemError.malformed("line \(lineNo): no ':' after interface name")
            }
            var name = line[line.startIndex..<colon]
            while let f = name.first, ByteScanner.isSpace(f) { name = name.dropFirst() }
            var fs = ByteScanner(Array(line[(colon + 1)...]))
            var fields: [UInt64] = []
            while let v = fs.uint() { fields.append(v) }
            guard fields.count >= 10, !name.isEmpty else {
                throw SystemError.malformed("line \(lineNo): expected 16 counters, got \(fields.count)")
            }
            out.append(
                NetDevCounters(
                    interface: name.string, receiveBytes: fields[0], receivePackets: fields[1],
                    transmitBytes: fields[8], transmitPackets: fields[9],
                    receiveErrors: fields[2], receiveDrops: fields[3],
                    transmitErrors: fields.count > 11 ? fields[10] : nil, transmitDrops: fields.count > 11 ? fields[11] : nil))
        }
        guard lineNo >= 2 else { throw SystemError.malformed("missing header lines") }
        return out
    }
}
