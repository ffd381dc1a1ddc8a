import Foundation
import Testing

@testable import HVSystem

/// The kernel-file cache. By directory, on a real directory tree made here: reads through
/// `openat`, files found missing skipped until the TTL, a directory replaced under the same
/// path, handles closed when unused, and reads by path beyond the capacity. By path, on the
/// real procfs: read afresh through one descriptor, a process that exited reported gone (not
/// read stale), files not read in a round closed.
struct KernelFilesTests {
    let root: String
    init() throws {
        root = NSTemporaryDirectory() + "hv-dirhandles-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: root + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/b", withIntermediateDirectories: true)
        try "1\n".write(toFile: root + "/a/x", atomically: false, encoding: .utf8)
        try "2\n".write(toFile: root + "/b/x", atomically: false, encoding: .utf8)
    }

    static let cgroupBase =
        FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup"
    /// Making a cgroup needs root and a writable cgroup tree.
    static var canMakeCgroups: Bool {
        getuid() == 0 && FileManager.default.fileExists(atPath: cgroupBase + "/cgroup.procs") && access(cgroupBase, W_OK) == 0
    }

    func read(_ h: KernelFiles, _ dir: String, _ file: String) throws -> String? {
        var b: [UInt8] = []
        return try h.read(root + "/" + dir, file, into: &b) ? String(decoding: b, as: UTF8.self) : nil
    }

    @Test func readsMissingFilesAndReplacedDirectories() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let h = KernelFiles(directoryCapacity: 512, absentTTL: .seconds(3600))
        #expect(try read(h, "a", "x") == "1\n")
        #expect(h.directoryCount == 1)
        #expect(try read(h, "a", "x") == "1\n")   // through the handle
        #expect(try read(h, "nope", "x") == nil)   // missing directory: no handle
        #expect(h.directoryCount == 1)

        // A missing file is remembered: made afterwards, it is not seen before the TTL.
        #expect(try read(h, "a", "y") == nil)
        try "late\n".write(toFile: root + "/a/y", atomically: false, encoding: .utf8)
        #expect(try read(h, "a", "y") == nil)
        let quick = KernelFiles(directoryCapacity: 512, absentTTL: .zero)
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
        #expect(h.directoryCount == 0)
    }

    /// A directory lacking several of the files asked for (a v2 cgroup directory of a hybrid
    /// host has no memory.current nor io.stat) keeps its handle, its kept files and the
    /// memory of every missing one.
    @Test func severalMissingFilesKeepTheHandleAndItsKeptFiles() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let h = KernelFiles(directoryCapacity: 512, absentTTL: .seconds(3600))
        var b: [UInt8] = []
        let me = "/proc/\(getpid())"
        for _ in 0..<3 {
            #expect(try h.read(me, "stat", into: &b))
            #expect(try !h.read(me, "no-such-file", into: &b))
            #expect(try !h.read(me, "nor-this-one", into: &b))
        }
        #expect(h.keptFileCount == 1)
        #expect(h.directoryCount == 1)
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
        let h = KernelFiles(directoryCapacity: 1, absentTTL: .seconds(300))
        #expect(try read(h, "a", "x") == "1\n")
        #expect(try read(h, "b", "x") == "2\n")   // over capacity: read by path
        #expect(h.directoryCount == 1)
        #expect(h.directoryExists(root + "/b", holding: "x"))
        #expect(!h.directoryExists(root + "/b", holding: "nothing-here"))
        h.endRound()   // both used in this round
        #expect(h.directoryCount == 1)
        h.endRound()   // none used since
        #expect(h.directoryCount == 0)
        #expect(try read(h, "b", "x") == "2\n")
        #expect(h.directoryCount == 1)
    }

    @Test func filesAreStillParsedLikeByPath() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "usage_usec 120\nuser_usec 100\n".write(toFile: root + "/a/cpu.stat", atomically: false, encoding: .utf8)
        let byPath = CgroupFS(root: root)
        let byHandle = CgroupFS(root: root, files: KernelFiles.cgroupFiles())
        for _ in 0..<2 {
            #expect(try byHandle.flat(root + "/a", "cpu.stat") == byPath.flat(root + "/a", "cpu.stat"))
            #expect(try byHandle.flat(root + "/a", "memory.stat") == nil)
        }
        try "garbage".write(toFile: root + "/a/memory.max", atomically: false, encoding: .utf8)
        #expect(throws: SystemError.self) { try byHandle.single(root + "/a", "memory.max") }
    }

    /// Kernel files are kept open and read again with pread: /proc/self/stat stays right, a
    /// regular file is not kept, and the parser gets the same bytes through the cache's buffer.
    @Test func kernelFilesAreKeptOpenAndReadAfresh() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let h = KernelFiles.cgroupFiles()
        var b: [UInt8] = []
        let me = "/proc/\(getpid())"
        for _ in 0..<3 {
            #expect(try h.read(me, "stat", into: &b))
            #expect(String(decoding: b, as: UTF8.self).hasPrefix("\(getpid()) ("))
            #expect(try h.read(me, "stat") { String(decoding: $0, as: UTF8.self) }?.hasPrefix("\(getpid()) (") == true)
        }
        #expect(h.keptFileCount == 1)
        #expect(try h.read(root + "/b", "x", into: &b))   // a regular file: not kept
        #expect(try h.read(root + "/b", "x") { String(decoding: $0, as: UTF8.self) } == "2\n")
        #expect(try h.read(root + "/b", "missing") { _ in true } == nil)
        #expect(h.keptFileCount == 1)
    }

    /// A cgroup removed and made again under its path: its kept file fails (ENODEV) and the
    /// new one is read through a fresh handle.
    @Test(.enabled(if: KernelFilesTests.canMakeCgroups, "needs root and a writable cgroup tree"))
    func removedCgroupIsReadThroughAFreshHandle() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let h = KernelFiles.cgroupFiles()
        var b: [UInt8] = []
        let cg = Self.cgroupBase + "/hv-handles-test-\(getpid())"
        try #require(mkdir(cg, 0o755) == 0)
        defer { rmdir(cg) }
        #expect(try h.read("/proc/\(getpid())", "stat", into: &b))
        #expect(h.keptFileCount == 1)
        #expect(try h.read(cg, "cgroup.procs", into: &b) && b.isEmpty)
        let kept = h.keptFileCount
        #expect(kept >= 1)
        #expect(rmdir(cg) == 0 && mkdir(cg, 0o755) == 0)
        // The kept file of the removed cgroup fails (ENODEV); the new cgroup is read, and its
        // file kept in the old one's place (the count does not grow with each re-creation).
        #expect(try h.read(cg, "cgroup.procs", into: &b) && b.isEmpty)
        #expect(try h.read(cg, "cgroup.procs", into: &b) && b.isEmpty)
        #expect(h.keptFileCount <= kept)
        rmdir(cg)
        #expect(try !h.read(cg, "cgroup.procs", into: &b))
        #expect(h.keptFileCount < kept)
    }

    @Test func kernelFileSystemsAreToldByTheirMountPoint() {
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(KernelFiles.isKernelFileSystem("/proc"))
        #expect(KernelFiles.isKernelFileSystem("/proc/self/stat"))
        #expect(KernelFiles.isKernelFileSystem("/sys/kernel"))
        #expect(!KernelFiles.isKernelFileSystem("/procfoo/1/stat"))   // a prefix of the name, not of the path
        #expect(!KernelFiles.isKernelFileSystem(root + "/a/x"))
    }

    // MARK: By path (the /proc readers)

    func text(_ k: KernelFiles, _ path: String) throws -> String {
        var b: [UInt8] = []
        try k.read(path, into: &b)
        return String(decoding: b, as: UTF8.self)
    }

    @Test func procFilesAreKeptReadAfreshAndDroppedWhenTheProcessExits() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let k = KernelFiles()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        let pid = Int(child.processIdentifier)
        let stat = "/proc/\(pid)/stat"
        let first = try text(k, stat)
        #expect(first.hasPrefix("\(pid) (sleep) "))
        #expect(k.keptFileCount == 1)
        // Stopped: the same descriptor reads the new state ("T"), made afresh by the kernel.
        kill(pid_t(pid), SIGSTOP)
        var stopped = ""
        for _ in 0..<100 {
            stopped = try k.read(stat) { String(decoding: $0, as: UTF8.self) }
            if stopped.hasPrefix("\(pid) (sleep) T") { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(stopped.hasPrefix("\(pid) (sleep) T"))
        #expect(k.keptFileCount == 1)
        // Exited and reaped: the kept descriptor fails, the path is gone.
        kill(pid_t(pid), SIGKILL)
        child.waitUntilExit()
        #expect(throws: SystemError.self) { try text(k, stat) }
        #expect(k.keptFileCount == 0)

        // A file not read since the previous round is closed at the end of the next one.
        let me = "/proc/\(getpid())/stat"
        _ = try text(k, me)
        k.endRound()
        #expect(k.keptFileCount == 1)
        k.endRound()
        #expect(k.keptFileCount == 0)
    }

    @Test func capacityZeroReadsByPath() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let k = KernelFiles(fileCapacity: 0)
        #expect(try text(k, "/proc/\(getpid())/stat").hasPrefix("\(getpid()) ("))
        #expect(k.keptFileCount == 0)
    }

    /// Files outside a kernel file system (a fixture tree) are read by path, never kept: a
    /// replaced file is read anew.
    @Test func regularFilesAreNotKept() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let k = KernelFiles()
        #expect(try text(k, root + "/a/x") == "1\n")
        #expect(k.keptFileCount == 0)
        try "3\n".write(toFile: root + "/a/x", atomically: true, encoding: .utf8)
        #expect(try text(k, root + "/a/x") == "3\n")
    }
}
