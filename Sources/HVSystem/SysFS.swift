/// Readers for a sysfs tree. `root` is "/sys" on a live host, or a fixture directory.
public struct SysFS: Sendable {
    public let root: String

    public init(root: String = "/sys") {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    /// Kernel samepage merging counters (`/sys/kernel/mm/ksm`); nil fields when a file is
    /// missing (kernel without CONFIG_KSM).
    public func ksm() -> KSMStats {
        let dir = root + "/kernel/mm/ksm/"
        func value(_ name: String) -> UInt64? {
            guard let b = try? FileReader.read(dir + name, maxBytes: 64) else { return nil }
            return (try? CgroupKeyedFile.parseSingle(b)) ?? nil
        }
        return KSMStats(
            pagesShared: value("pages_shared"), pagesSharing: value("pages_sharing"),
            fullScans: value("full_scans"), run: value("run"))
    }
}

/// KSM figures, in pages (of the base page size) and scans.
public struct KSMStats: Sendable, Equatable {
    /// Shared pages in use (`pages_shared`).
    public var pagesShared: UInt64?
    /// How many more sites share them, i.e. pages saved (`pages_sharing`).
    public var pagesSharing: UInt64?
    /// Completed full scans (`full_scans`).
    public var fullScans: UInt64?
    /// 0 stopped, 1 running, 2 unmerge (`run`).
    public var run: UInt64?

    public init(pagesShared: UInt64? = nil, pagesSharing: UInt64? = nil, fullScans: UInt64? = nil, run: UInt64? = nil) {
        self.pagesShared = pagesShared
        self.pagesSharing = pagesSharing
        self.fullScans = fullScans
        self.run = run
    }
}
