import Glibc

/// Lists directories under /proc, /sys and cgroupfs.
/// Underneath: `opendir(3)`, `readdir(3)` (getdents64), `closedir(3)`.
public enum DirectoryReader {
    /// Names of all entries except "." and "..", in directory order.
    public static func names(_ path: String) throws -> [String] {
        var out: [String] = []
        try forEach(path) { namePtr, _ in out.append(String(cString: namePtr)) }
        return out
    }

    /// Entries whose name is a decimal number (PIDs in /proc, TIDs in /proc/<pid>/task),
    /// without building a String per entry. Unordered.
    public static func numericNames(_ path: String) throws -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(512)
        try forEach(path) { namePtr, _ in
            var v = 0
            var p = namePtr
            var any = false
            while p.pointee != 0 {
                let c = UInt8(bitPattern: p.pointee)
                guard c >= 48, c <= 57 else { return }
                v = v &* 10 &+ Int(c - 48)
                any = true
                p += 1
            }
            if any { out.append(v) }
        }
        return out
    }

    /// Calls `body` with each entry's NUL-terminated name and `d_type`.
    static func forEach(_ path: String, _ body: (UnsafePointer<CChar>, UInt8) -> Void) throws {
        var opened: OpaquePointer?
        while true {
            opened = opendir(path)
            if opened != nil { break }
            let e = errno
            if e == EINTR { continue }
            throw SystemError.syscall("opendir", path: path, errno: e)
        }
        let dir = opened!
        defer { closedir(dir) }
        while true {
            errno = 0
            guard let ent = readdir(dir) else {
                let e = errno
                if e == 0 { return }
                if e == EINTR { continue }
                throw SystemError.syscall("readdir", path: path, errno: e)
            }
            let type = ent.pointee.d_type
            withUnsafePointer(to: &ent.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: 256) { name in
                    if name[0] == 46 && (name[1] == 0 || (name[1] == 46 && name[2] == 0)) { return }
                    body(name, type)
                }
            }
        }
    }
}
