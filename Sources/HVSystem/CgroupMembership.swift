/// The content of `/proc/<pid>/cgroup`: which cgroup a task is in, per hierarchy.
///
/// cgroup v1 lines are `ID:controller[,controller...]:/path` (named hierarchies:
/// `ID:name=systemd:/path`); the v2 line is `0::/path`. A hybrid host shows both.
public struct CgroupMembership: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// Hierarchy ID (0 for the v2 unified hierarchy).
        public var hierarchyID: Int
        /// Controllers of a v1 hierarchy ("cpu", "cpuacct", "name=systemd"); empty for v2.
        public var controllers: [String]
        /// Path relative to the hierarchy's mount point, starting with "/".
        public var path: String

        public init(hierarchyID: Int, controllers: [String], path: String) {
            self.hierarchyID = hierarchyID
            self.controllers = controllers
            self.path = path
        }

        public var isUnified: Bool { hierarchyID == 0 && controllers.isEmpty }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// The v2 (unified) path, if the task is in a v2 hierarchy.
    public var unifiedPath: String? { entries.first { $0.isUnified }?.path }

    /// The v1 path for a controller ("cpuacct", "memory", "name=systemd"...).
    public func path(controller: String) -> String? {
        entries.first { $0.controllers.contains(controller) }?.path
    }

    /// All distinct paths (v1 and v2), in file order.
    public var distinctPaths: [String] {
        var seen = Set<String>()
        var out: [String] = []
        for e in entries where seen.insert(e.path).inserted { out.append(e.path) }
        return out
    }

    public static func parse(_ bytes: [UInt8]) throws -> CgroupMembership {
        var out: [Entry] = []
        var sc = ByteScanner(bytes)
        while let line = sc.line() {
            if line.isEmpty { continue }
            guard let c1 = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw SystemError.malformed("line without ':'")
            }
            guard let c2 = line[(c1 + 1)...].firstIndex(of: UInt8(ascii: ":")) else {
                throw SystemError.malformed("line without second ':'")
            }
            guard let id = parseUInt(line[line.startIndex..<c1]), id <= UInt64(Int32.max) else {
                throw SystemError.malformed("bad hierarchy ID")
            }
            let ctrlBytes = line[(c1 + 1)..<c2]
            let controllers = ctrlBytes.isEmpty ? [] : ctrlBytes.split(separator: UInt8(ascii: ",")).map { $0.string }
            let path = line[(c2 + 1)...]
            guard path.first == UInt8(ascii: "/") else { throw SystemError.malformed("path does not start with '/'") }
            out.append(Entry(hierarchyID: Int(id), controllers: controllers, path: path.string))
        }
        guard !out.isEmpty else { throw SystemError.malformed("no cgroup lines") }
        return CgroupMembership(entries: out)
    }
}
