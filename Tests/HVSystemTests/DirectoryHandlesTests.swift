import Foundation
import Testing
@testable import HVSystem

/// Directory handles on a real directory tree made here: reads through `openat`, files found
/// missing skipped until the TTL, a directory replaced under the same path, handles closed
/// when unused, and reads by path beyond the capacity.
struct DirectoryHandlesTests {
    let root: String
    init() throws {
        root = NSTemporaryDirectory() + "hv-dirhandles-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/b", withIntermediateDirectories: true)
        try "1\n".write(toFile: root + "/a/x", atomically: false, encoding: .utf8)
        try "2\n".write(toFile: root + "/b/x", atomically: false, encoding: .utf8)
    }

    func read(_ h: DirectoryHandles, _ dir: String, _ file: String) throws -> String? {
        var b: [UInt8] = []
        return try h.read(root + "/" + dir, file, into: &b) ? String(decoding: b, as: UTF8.self) : nil
    }

    @Test func readsMissingFilesAndReplacedDirectories() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let h = DirectoryHandles(absentTTL: 3600)
        #expect(try read(h, "a", "x") == "1\n")
        #expect(h.openCount == 1)
        #expect(try read(h, "a", "x") == "1\n")          // through the handle
        #expect(try read(h, "nope", "x") == nil)         // missing directory: no handle
        #expect(h.openCount == 1)

        // A missing file is remembered: made afterwards, it is not seen before the TTL.
        #expect(try read(h, "a", "y") == nil)
        try "late\n".write(toFile: root + "/a/y", atomically: false, encoding: .utf8)
        #expect(try read(h, "a", "y") == nil)
        let quick = DirectoryHandles(absentTTL: 0)
        #expect(try read(quick, "b", "y") == nil)
        try "late\n".write(toFile: root + "/b/y", atomically: false, encoding: .utf8)
        Thread.sleep(forTimeInterval: 0.01)
        #expect(try read(quick, "b", "y") == "late\n")

        // The directory removed and made again under its path: the old handle sees nothing,
        // the path is opened again.
        try FileManager.default.removeItem(atPath: root + "/a")
        try FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        try "new\n".write(toFile: root + "/a/x", atomically: false, encoding: .utf8)
        #expect(try read(h, "a", "x") == "new\n")
        // Removed for good: missing, and its handle dropped.
        try FileManager.default.removeItem(atPath: root + "/a")
        #expect(try read(h, "a", "x") == nil)
        #expect(h.openCount == 0)
    }

    /// A directory lacking several of the files asked for (a v2 cgroup directory of a hybrid
    /// host has no memory.current nor io.stat) keeps its handle, its kept files and the
    /// memory of every missing one.
    @Test func severalMissingFilesKeepTheHandleAndItsKeptFiles() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let h = DirectoryHandles(absentTTL: 3600)
        var b: [UInt8] = []
        let me = "/proc/\(getpid())"
        for _ in 0..<3 {
            #expect(try h.read(me, "stat", into: &b))
            #expect(try !h.read(me, "no-such-file", into: &b))
            #expect(try !h.read(me, "nor-this-one", into: &b))
        }
        #expect(h.keptFileCount == 1)
        #expect(h.openCount == 1)
        #expect(h.absentFiles(me) == ["no-such-file", "nor-this-one"])
        // The same on a regular directory.
        for _ in 0..<2 {
            #expect(try read(h, "a", "x") == "1\n")
            #expect(try read(h, "a", "m1") == nil)
            #expect(try read(h, "a", "m2") == nil)
        }
        #expect(h.absentFiles(root + "/a") == ["m1", "m2"])
    }

    @Test func unusedHandlesCloseAndCapacityHolds() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let h = DirectoryHandles(capacity: 1)
        #expect(try read(h, "a", "x") == "1\n")
        #expect(try read(h, "b", "x") == "2\n")          // over capacity: read by path
        #expect(h.openCount == 1)
        #expect(h.directoryExists(root + "/b", holding: "x"))
        #expect(!h.directoryExists(root + "/b", holding: "nothing-here"))
        h.endRound()                                     // both used in this round
        #expect(h.openCount == 1)
        h.endRound()                                     // none used since
        #expect(h.openCount == 0)
        #expect(try read(h, "b", "x") == "2\n")
        #expect(h.openCount == 1)
    }

    @Test func filesAreStillParsedLikeByPath() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "usage_usec 120\nuser_usec 100\n".write(toFile: root + "/a/cpu.stat", atomically: false, encoding: .utf8)
        let byPath = CgroupFS(root: root)
        let byHandle = CgroupFS(root: root, handles: DirectoryHandles())
        for _ in 0..<2 {
            #expect(try byHandle.flat(root + "/a", "cpu.stat") == byPath.flat(root + "/a", "cpu.stat"))
            #expect(try byHandle.flat(root + "/a", "memory.stat") == nil)
        }
        try "garbage".write(toFile: root + "/a/memory.max", atomically: false, encoding: .utf8)
        #expect(throws: SystemError.self) { try byHandle.single(root + "/a", "memory.max") }
    }

    /// Kernel files are kept open and read again with pread: /proc/self/stat stays right.
    @Test func kernelFilesAreKeptOpenAndReadAfresh() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let h = DirectoryHandles()
        var b: [UInt8] = []
        let me = "/proc/\(getpid())"
        for _ in 0..<3 {
            #expect(try h.read(me, "stat", into: &b))
            #expect(String(decoding: b, as: UTF8.self).hasPrefix("\(getpid()) ("))
        }
        #expect(h.keptFileCount == 1)
        #expect(try h.read(root + "/b", "x", into: &b))   // a regular file: not kept
        #expect(h.keptFileCount == 1)
    }

    /// The v2 tree (hybrid hosts: `unified/`), where a test may make a cgroup.
    static let cgroupBase = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup"

    /// A cgroup removed and made again under its path is read through a fresh handle.
    @Test(.enabled(if: getuid() == 0 && access(cgroupBase, W_OK) == 0, "needs root and a writable cgroup tree"))
    func keptCgroupFileOfARemovedCgroupIsReopened() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let h = DirectoryHandles()
        var b: [UInt8] = []
        let cg = Self.cgroupBase + "/hv-handles-test-\(getpid())"
        try #require(mkdir(cg, 0o755) == 0, "mkdir \(cg): \(String(cString: strerror(errno)))")
        defer { rmdir(cg) }
        #expect(try h.read(cg, "cgroup.procs", into: &b) && b.isEmpty)
        #expect(h.keptFileCount == 1)
        #expect(rmdir(cg) == 0 && mkdir(cg, 0o755) == 0)
        // The kept file of the removed cgroup fails (ENODEV); the new one is read.
        #expect(try h.read(cg, "cgroup.procs", into: &b) && b.isEmpty)
        #expect(h.keptFileCount == 0)                    // read once by the fresh handle...
        #expect(try h.read(cg, "cgroup.procs", into: &b) && b.isEmpty)
        #expect(h.keptFileCount == 1)                    // ...then kept again
        rmdir(cg)
        #expect(try !h.read(cg, "cgroup.procs", into: &b))
        #expect(h.keptFileCount == 0)
    }
}
