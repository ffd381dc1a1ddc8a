/// `cgroup.procs`, `cgroup.threads` and `tasks`: one decimal PID per line; and
/// `/proc/<pid>/task/<tid>/children`: PIDs separated by spaces.
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

    /// PIDs separated by spaces, tabs or newlines (`/proc/<pid>/task/<tid>/children`: "3 4 5 ").
    public static func parseSeparated(_ bytes: [UInt8]) throws -> [Int] {
        var out: [Int] = []
        var sc = ByteScanner(bytes)
        sc.skipWhitespace()
        while !sc.atEnd {
            guard let v = sc.uint(), v <= UInt64(Int32.max) else {
                throw SystemError.malformed("not a PID at byte \(sc.index)")
            }
            out.append(Int(v))
            let before = sc.index
            sc.skipWhitespace()
            if sc.index == before && !sc.atEnd { throw SystemError.malformed("not a PID at byte \(sc.index)") }
        }
        return out
    }
}
