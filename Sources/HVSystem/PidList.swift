/// `cgroup.procs` / `tasks`: one decimal PID per line.
public enum PidList {
    public static func parse(_ bytes: [UInt8]) throws -> [Int] {
        var out: [Int] = []
        var sc = ByteScanner(bytes)
        var lineNo = 0
        while let line = sc.line() {
            lineNo += 1
            if line.isEmpty { continue }
            guard let v = parseUInt(line), v <= UInt64(Int32.max) else {
                throw SystemError.malformed("line \(lineNo): not a PID")
            }
            out.append(Int(v))
        }
        return out
    }
}
