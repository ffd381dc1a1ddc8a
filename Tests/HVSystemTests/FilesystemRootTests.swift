import Foundation
import Testing

@testable import HVSystem

/// `--path.*` roots that do not exist or are not the filesystem they should be.
struct FilesystemRootTests {
    static func tree(_ entries: [String], links: [String] = []) throws -> String {
        let dir = NSTemporaryDirectory() + "hv-root-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for e in entries { try FileManager.default.createDirectory(atPath: dir + "/" + e, withIntermediateDirectories: true) }
        for l in links { try FileManager.default.createSymbolicLink(atPath: dir + "/" + l, withDestinationPath: "4242") }
        return dir
    }

    @Test func theLiveRootsPass() throws {
        try FilesystemRoot.checkProcfs("/proc")
        try FilesystemRoot.checkSysfs("/sys", needs: ["block", "class", "kernel"])
        try FilesystemRoot.checkCgroupfs("/sys/fs/cgroup")
        try FilesystemRoot.checkProcfs("/proc/")
    }

    @Test func aMissingRootIsNotFoundAndNamesTheFlag() {
        #expect {
            try FilesystemRoot.checkProcfs("/nonexistent")
        } throws: { e in
            guard let e = e as? SystemError else { return false }
            return e.kind == .notFound && e.path == "/nonexistent" && e.description.contains("--path.procfs")
        }
        #expect { try FilesystemRoot.checkSysfs("/nonexistent", needs: ["block"]) } throws: { "\($0)".contains("--path.sysfs") }
        #expect { try FilesystemRoot.checkCgroupfs("/nonexistent") } throws: { "\($0)".contains("--path.cgroupfs") }
        // A file is not a root either.
        #expect { try FilesystemRoot.checkProcfs("/proc/self/stat") } throws: { "\($0)".contains("not a directory") }
    }

    @Test func aDirectoryThatIsNotTheFilesystem() throws {
        let empty = try Self.tree([])
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect { try FilesystemRoot.checkProcfs(empty) } throws: { "\($0)".contains("not a procfs: it has no 'self'") }
        #expect { try FilesystemRoot.checkSysfs(empty, needs: ["block", "class"]) } throws: { "\($0)".contains("no 'block'") }
        #expect { try FilesystemRoot.checkCgroupfs(empty) } throws: { "\($0)".contains("no cgroup controllers") }
        // /proc is no sysfs, /sys no procfs.
        #expect(throws: SystemError.self) { try FilesystemRoot.checkSysfs("/proc", needs: ["block", "class"]) }
        #expect(throws: SystemError.self) { try FilesystemRoot.checkProcfs("/sys") }
    }

    @Test func fixtureShapedRootsPass() throws {
        // A dangling `self` (a copied procfs), a file a collector reads instead of `self`.
        let proc = try Self.tree([], links: ["self"])
        let mdOnly = try Self.tree(["mdstat"])
        let v1 = try Self.tree(["cpu,cpuacct", "memory"])
        let hybrid = try Self.tree(["unified/cgroup.controllers"])
        defer { for d in [proc, mdOnly, v1, hybrid] { try? FileManager.default.removeItem(atPath: d) } }
        try FilesystemRoot.checkProcfs(proc)
        try FilesystemRoot.checkProcfs(mdOnly, alternatives: ["mdstat"])
        #expect(throws: SystemError.self) { try FilesystemRoot.checkProcfs(mdOnly) }
        try FilesystemRoot.checkCgroupfs(v1)
        try FilesystemRoot.checkCgroupfs(hybrid)
    }

    /// A cgroup tree mounted (or changed) after the readers were made: they would look in the
    /// wrong places, so the check asks for a restart.
    @Test func aCgroupLayoutChangeAsksForARestart() throws {
        let dir = try Self.tree([])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let atStart = CgroupFS(root: dir)   // nothing there yet: read as v1
        try FileManager.default.createDirectory(atPath: dir + "/memory", withIntermediateDirectories: true)
        try FilesystemRoot.checkCgroupLayout(atStart)
        FileManager.default.createFile(atPath: dir + "/cgroup.controllers", contents: Data())
        #expect {
            try FilesystemRoot.checkCgroupLayout(atStart)
        } throws: { "\($0)".contains("cgroup layout is cgroup v2 now, cgroup v1 when the exporter started: restart") }
        try FilesystemRoot.checkCgroupLayout(CgroupFS(root: dir))
        try FilesystemRoot.checkCgroupLayout(CgroupFS(root: "/sys/fs/cgroup"))
    }
}
