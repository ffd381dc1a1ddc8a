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
            if let v = decimal(namePtr) { out.append(v) }
        }
        return out
    }

    /// Like `numericNames`, with each entry's inode number (`d_ino`). Directory order (procfs
    /// lists PIDs in ascending order).
    public static func numberedEntries(_ path: String) throws -> [NumberedEntry] {
        var out: [NumberedEntry] = []
        out.reserveCapacity(512)
        try forEachEntry(path) { namePtr, _, inode in
            if let v = decimal(namePtr) { out.append(NumberedEntry(number: v, inode: inode)) }
        }
        return out
    }

    /// Names of the subdirectories (`d_type` DT_DIR; symbolic links are not followed), in
    /// directory order. Entries of unknown type are checked with `lstat(2)`.
    public static func subdirectories(_ path: String) throws -> [String] {
        var out: [String] = []
        try forEach(path) { namePtr, type in
            if type == UInt8(DT_DIR) {
                out.append(String(cString: namePtr))
            } else if type == UInt8(DT_UNKNOWN) {
                let name = String(cString: namePtr)
                var st = stat()
                if lstat(path + "/" + name, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { out.append(name) }
            }
        }
        return out
    }

    /// Number of entries whose name is a decimal number (processes in a procfs root).
    public static func countNumeric(_ path: String) throws -> Int {
        var n = 0
        try forEach(path) { namePtr, _ in if decimal(namePtr) != nil { n += 1 } }
        return n
    }

    /// The value of a NUL-terminated all-digit name, nil for anything else.
    @inline(__always)
    static func decimal(_ name: UnsafePointer<CChar>) -> Int? {
        var v = 0
        var p = name
        guard p.pointee != 0 else { return nil }
        while p.pointee != 0 {
            let c = UInt8(bitPattern: p.pointee)
            guard c >= 48, c <= 57 else { return nil }
            v = v &* 10 &+ Int(c - 48)
            p += 1
        }
        return v
    }

    /// Calls `body` with each entry's NUL-terminated name and `d_type`.
    static func forEach(_ path: String, _ body: (UnsafePointer<CChar>, UInt8) -> Void) throws {
        try forEachEntry(path) { name, type, _ in body(name, type) }
    }

    /// Calls `body` with each entry's NUL-terminated name, `d_type` and `d_ino`.
    static func forEachEntry(_ path: String, _ body: (UnsafePointer<CChar>, UInt8, UInt64) -> Void) throws {
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
            let inode = UInt64(ent.pointee.d_ino)
            withUnsafePointer(to: &ent.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: 256) { name in
                    if name[0] == 46 && (name[1] == 0 || (name[1] == 46 && name[2] == 0)) { return }
                    body(name, type, inode)
                }
            }
        }
    }
}
