/// The fields of `/proc/<pid>/status` the guest mapper needs (proc(5)).
public struct ProcStatus: Sendable, Equatable {
    /// `Name:` (the comm; escaped by the kernel: "\n" and "\\").
    public var name: String?
    /// `Tgid:` thread group ID (the process ID of a thread).
    public var tgid: Int?
    /// `PPid:` parent process ID.
    public var ppid: Int?
    /// `NSpid:` the PID in each nested PID namespace, outermost (the host's) first.
    /// The last entry is the PID as the innermost namespace sees it: 1 for a container's init.
    public var nsPIDs: [Int]
    /// `Kthread:` 1 for kernel threads (Linux 6.x); nil on kernels that lack the line.
    public var kernelThread: Bool?
    /// `VmRSS:` resident set size, bytes (absent for kernel threads).
    public var vmRSSBytes: UInt64?

    public init(
        name: String? = nil, tgid: Int? = nil, ppid: Int? = nil, nsPIDs: [Int] = [],
        kernelThread: Bool? = nil, vmRSSBytes: UInt64? = nil
    ) {
        self.name = name
        self.tgid = tgid
        self.ppid = ppid
        self.nsPIDs = nsPIDs
        self.kernelThread = kernelThread
        self.vmRSSBytes = vmRSSBytes
    }

    /// PID as seen inside the process's own (innermost) PID namespace.
    public var innermostPID: Int? { nsPIDs.last }

    public static func parse(_ bytes: [UInt8]) throws -> ProcStatus {
        var out = ProcStatus()
        var sc = ByteScanner(bytes)
        var sawAny = false
        while let line = sc.line() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let key = line[line.startIndex..<colon]
            let value = line[(colon + 1)...]
            sawAny = true
            if key.equals("Name") {
                var v = value
                while let f = v.first, ByteScanner.isSpace(f) { v = v.dropFirst() }
                out.name = v.string
            } else if key.equals("Tgid") {
                out.tgid = try intValue(value, "Tgid")
            } else if key.equals("PPid") {
                out.ppid = try intValue(value, "PPid")
            } else if key.equals("NSpid") {
                var vs = ByteScanner(Array(value))
                var list: [Int] = []
                while let n = vs.uint() {
                    guard n <= UInt64(Int32.max) else { throw SystemError.malformed("NSpid value out of range") }
                    list.append(Int(n))
                }
                vs.skipWhitespace()
                guard vs.atEnd, !list.isEmpty else { throw SystemError.malformed("bad NSpid line") }
                out.nsPIDs = list
            } else if key.equals("Kthread") {
                out.kernelThread = try intValue(value, "Kthread") != 0
            } else if key.equals("VmRSS") {
                var vs = ByteScanner(Array(value))
                guard let kb = vs.uint(), kb < UInt64.max / 1024 else { throw SystemError.malformed("bad VmRSS") }
                out.vmRSSBytes = kb * 1024
            }
        }
        guard sawAny else { throw SystemError.malformed("no 'Key:' lines") }
        return out
    }

    private static func intValue(_ v: ArraySlice<UInt8>, _ key: String) throws -> Int {
        guard let n = parseUInt(v), n <= UInt64(Int32.max) else { throw SystemError.malformed("bad \(key) value") }
        return Int(n)
    }
}
