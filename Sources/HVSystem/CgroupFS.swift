/// Readers for a cgroup tree mounted at `root` ("/sys/fs/cgroup", or a fixture directory).
///
/// Handles the three layouts: pure v2 (`root/cgroup.controllers` exists), hybrid (v1
/// controllers under `root/<controller>`, v2 at `root/unified`), and pure v1. v1
/// controllers co-mounted (`cpu,cpuacct`) are found under either name (systemd makes
/// symlinks) or the joined name.
public struct CgroupFS: Sendable {
    public let root: String
    /// Mount point of the v2 hierarchy, nil on a pure v1 host.
    public let unifiedMount: String?
    /// True when v2 is the only hierarchy (controllers live there).
    public let isPureUnified: Bool
    /// Directory handles and files kept between reads (the cgroup collector's,
    /// `KernelFiles.cgroupFiles()`); nil: every read by path.
    public let files: KernelFiles?

    public init(root: String = "/sys/fs/cgroup", files: KernelFiles? = nil) {
        self.files = files
        let r = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.root = r
        if FileReader.exists(r + "/cgroup.controllers") {
            unifiedMount = r
            isPureUnified = true
        } else if FileReader.exists(r + "/unified/cgroup.controllers") {
            unifiedMount = r + "/unified"
            isPureUnified = false
        } else {
            unifiedMount = nil
            isPureUnified = false
        }
    }

    /// Directory of `path` in the v2 hierarchy, if there is one and the directory exists.
    public func unifiedDirectory(_ path: String) -> String? {
        guard let m = unifiedMount else { return nil }
        let d = m + path
        if let files { return files.directoryExists(d) ? d : nil }
        return FileReader.exists(d) ? d : nil
    }

    /// Directory of `path` in the v1 hierarchy of `controller` ("cpuacct", "memory", "blkio",
    /// "cpu", "name=systemd"), if that hierarchy is mounted and the directory exists.
    public func v1Directory(_ controller: String, _ path: String, coMounted: [String] = []) -> String? {
        guard !isPureUnified else { return nil }
        let name = controller.hasPrefix("name=") ? String(controller.dropFirst(5)) : controller
        var candidates = [root + "/" + name]
        if coMounted.count > 1 { candidates.append(root + "/" + coMounted.joined(separator: ",")) }
        for base in candidates {
            let d = base + path
            if let files {
                if files.directoryExists(d, holding: "cgroup.procs") { return d }
            } else if FileReader.exists(d + "/cgroup.procs") {
                return d
            }
        }
        return nil
    }

    /// Reads `dir/file` as a flat keyed file; nil when the file does not exist.
    public func flat(_ dir: String, _ file: String) throws -> [String: UInt64]? {
        try optional(dir, file, CgroupKeyedFile.parseFlat)
    }

    /// Reads the values of `keys` from `dir/file`, a flat keyed file (see
    /// `CgroupKeyedFile.parseFlat(_:keys:)`); nil when the file does not exist.
    public func flat(_ dir: String, _ file: String, keys: [StaticString]) throws -> [UInt64?]? {
        try optional(dir, file) { try CgroupKeyedFile.parseFlat($0, keys: keys) }
    }

    /// Reads a single-value file; `.some(nil)` for "max", nil when the file does not exist.
    public func single(_ dir: String, _ file: String) throws -> UInt64?? {
        try optional(dir, file, CgroupKeyedFile.parseSingle)
    }

    public func pressure(_ dir: String, _ file: String) throws -> PressureTotals? {
        try optional(dir, file, PressureTotals.parse)
    }

    public func ioStat(_ dir: String) throws -> BlockIOTotals? {
        try optional(dir, "io.stat", BlockIOTotals.parseIOStat)
    }

    public func blkioThrottle(_ dir: String, _ file: String) throws -> (read: UInt64, write: UInt64)? {
        try optional(dir, file, BlockIOTotals.parseBlkioThrottle)
    }

    /// Every mounted hierarchy: the v2 tree (if any) first, then each v1 controller directory
    /// under `root` (symbolic links such as `cpu -> cpu,cpuacct` are skipped).
    public func hierarchies() -> [CgroupHierarchy] {
        if isPureUnified { return [CgroupHierarchy(mount: root, isUnified: true, controllers: [])] }
        var out: [CgroupHierarchy] = []
        if let u = unifiedMount { out.append(CgroupHierarchy(mount: u, isUnified: true, controllers: [])) }
        for name in (try? DirectoryReader.subdirectories(root)) ?? [] {
            let mount = root + "/" + name
            if mount == unifiedMount { continue }
            out.append(
                CgroupHierarchy(
                    mount: mount, isUnified: false,
                    controllers: CgroupHierarchy.controllers(fromDirectoryName: name)))
        }
        return out
    }

    /// Thread IDs in a cgroup directory: `cgroup.threads` (v2) or `tasks` (v1).
    public func threads(_ dir: String, in hierarchy: CgroupHierarchy) throws -> [Int] {
        try pidList(dir + "/" + hierarchy.threadsFile)
    }

    /// PIDs in `dir/cgroup.procs`.
    public func procs(_ dir: String) throws -> [Int] {
        try pidList(dir + "/cgroup.procs")
    }

    /// A PID list file, through `files` when set (kept open and read again at offset 0: the
    /// kernel starts its list afresh; a removed cgroup's file answers ENODEV and is opened
    /// again, which reports it missing).
    func pidList(_ p: String) throws -> [Int] {
        if let files { return try files.read(p) { b in try parsing(p) { try PidList.parse(b) } } }
        let b = try FileReader.read(p)
        return try parsing(p) { try PidList.parse(b) }
    }

    /// `dir/file` parsed, nil when it does not exist; through `files` when set.
    func optional<T>(_ dir: String, _ file: String, _ parse: ([UInt8]) throws -> T) throws -> T? {
        guard let files else { return try optional(dir + "/" + file, parse) }
        return try files.read(dir, file) { bytes in try parsing(dir + "/" + file) { try parse(bytes) } }
    }

    func optional<T>(_ p: String, _ parse: ([UInt8]) throws -> T) throws -> T? {
        let bytes: [UInt8]
        do { bytes = try FileReader.read(p) } catch let e as SystemError where e.kind == .notFound { return nil }
        return try parsing(p) { try parse(bytes) }
    }
}
