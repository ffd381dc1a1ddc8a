import Foundation
import Testing

@testable import HVSystem

/// Readers and parsers the guest mapper's cgroup-side scan uses: the /proc listing with inodes,
/// kthreadd's children, subdirectory listings, hierarchy discovery, a container's own procfs.
@Suite struct GuestScanReaderTests {
    @Test func childrenListsAreSpaceSeparated() throws {
        #expect(try PidList.parseSeparated(Array("3 4 5 ".utf8)) == [3, 4, 5])
        #expect(try PidList.parseSeparated(Array("".utf8)) == [])
        #expect(try PidList.parseSeparated(Array("12\n".utf8)) == [12])
        #expect(try PidList.parseSeparated(Array(" 7\t8 \n".utf8)) == [7, 8])
        #expect(throws: SystemError.self) { try PidList.parseSeparated(Array("3 x".utf8)) }
        #expect(throws: SystemError.self) { try PidList.parseSeparated(Array("3,4".utf8)) }
        #expect(throws: SystemError.self) { try PidList.parseSeparated(Array("99999999999".utf8)) }
    }

    @Test func procListingCarriesEachProcessInode() throws {
        let proc = ProcFS()
        let me = Int(getpid())
        let entries = try proc.pidEntries()
        let mine = try #require(entries.first { $0.number == me })
        var st = stat()
        #expect(stat("/proc/\(me)", &st) == 0)
        #expect(mine.inode == UInt64(st.st_ino))
        #expect(entries.map(\.number) == (try proc.pids()).filter { p in entries.contains { $0.number == p } })
        #expect(try proc.processCount() > 0)
    }

    /// Needs kthreadd's `children` file (CONFIG_PROC_CHILDREN, and PID 2 being kthreadd: not
    /// in a PID namespace).
    @Test(
        .enabled(
            if: FileReader.exists("/proc/2/task/2/children") && (try? ProcFS().stat(2).comm) == "kthreadd",
            "no /proc/2/task/2/children of kthreadd (kernel without CONFIG_PROC_CHILDREN, or a PID namespace)"))
    func kthreaddChildrenAreKernelThreads() throws {
        let proc = ProcFS()
        let first = try #require(try proc.children(2, tid: 2).first, "kthreadd lists no children")
        #expect(try proc.stat(first).isKernelThread)
    }

    @Test func subdirectoriesSkipFilesAndLinks() throws {
        let dir = NSTemporaryDirectory() + "hvsys-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/b.scope", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: dir + "/cgroup.procs"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/c", withDestinationPath: dir + "/a")
        #expect(try DirectoryReader.subdirectories(dir).sorted() == ["a", "b.scope"])
        #expect(throws: SystemError.self) { try DirectoryReader.subdirectories(dir + "/missing") }
    }

    @Test(arguments: [
        ("cpu,cpuacct", ["cpu", "cpuacct"]),
        ("memory", ["memory"]),
        ("systemd", ["name=systemd"]),
        ("net_cls,net_prio", ["net_cls", "net_prio"]),
    ])
    func v1ControllersFromTheMountDirectory(_ name: String, _ want: [String]) {
        #expect(CgroupHierarchy.controllers(fromDirectoryName: name) == want)
    }

    @Test func hierarchiesOfHybridAndPureV2Roots() throws {
        let dir = NSTemporaryDirectory() + "hvsys-\(getpid())-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for d in ["hybrid/unified", "hybrid/cpu,cpuacct", "hybrid/memory", "hybrid/systemd", "v2/machine"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + d, withIntermediateDirectories: true)
        }
        try Data().write(to: URL(fileURLWithPath: dir + "/hybrid/unified/cgroup.controllers"))
        try Data().write(to: URL(fileURLWithPath: dir + "/v2/cgroup.controllers"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/hybrid/cpu", withDestinationPath: "cpu,cpuacct")
        let hybrid = CgroupFS(root: dir + "/hybrid").hierarchies()
        #expect(hybrid.first == CgroupHierarchy(mount: dir + "/hybrid/unified", isUnified: true, controllers: []))
        #expect(Set(hybrid.dropFirst().map(\.controllers)) == [["cpu", "cpuacct"], ["memory"], ["name=systemd"]])
        #expect(hybrid.dropFirst().allSatisfy { !$0.isUnified && $0.threadsFile == "tasks" })
        let v2 = CgroupFS(root: dir + "/v2").hierarchies()
        #expect(v2 == [CgroupHierarchy(mount: dir + "/v2", isUnified: true, controllers: [])])
        #expect(v2[0].threadsFile == "cgroup.threads")
    }

    @Test func theProcfsAProcessSees() throws {
        let me = Int(getpid())
        let inner = ProcFS().procfsSeen(by: me)
        #expect(inner.root == "/proc/\(me)/root/proc")
        // Not in a container: the same procfs, which lists this process.
        #expect(try inner.namespaceInode(me, "pid") == (try ProcFS().namespaceInode(me, "pid")))
        #expect(try inner.processCount() > 0)
    }
}
