import Foundation
import Testing

@testable import HVSystem

@Suite struct ReaderTests {
    @Test func readsLiveProcSelf() throws {
        let proc = ProcFS()
        let me = Int(getpid())
        let st = try proc.stat(me)
        #expect(st.pid == me)
        #expect(st.numThreads >= 1)
        let pids = try proc.pids()
        #expect(pids.contains(me) && pids.contains(1))
        #expect(try proc.tids(me).contains(me))
        #expect(try proc.namespaceInode(me, "pid") == (try proc.namespaceInode(Int(getppid()), "pid")))
        #expect(try proc.cpuCount() >= 1)
        #expect(try proc.memInfo().totalBytes != nil)
        #expect(!(try proc.cgroup(me).entries.isEmpty))
        #expect(!(try proc.cmdline(me).arguments.isEmpty))
        _ = try proc.status(me)
        _ = try proc.netDev(me)
    }

    @Test func missingFileIsNotFoundWithPath() {
        #expect {
            try ProcFS(root: "/nonexistent-root").stat(1)
        } throws: { e in
            guard let e = e as? SystemError else { return false }
            return e.kind == .notFound && e.path == "/nonexistent-root/1/stat" && e.errno == ENOENT
        }
    }

    @Test func parseErrorsCarryThePath() throws {
        let dir = NSTemporaryDirectory() + "hvsys-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/7", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("7 (x".utf8).write(to: URL(fileURLWithPath: dir + "/7/stat"))
        #expect {
            try ProcFS(root: dir).stat(7)
        } throws: { e in
            guard let e = e as? SystemError else { return false }
            return e.kind == .malformed && e.path == dir + "/7/stat" && "\(e)".hasPrefix(dir + "/7/stat: ")
        }
    }

    @Test func boundedRead() throws {
        let path = NSTemporaryDirectory() + "hvsys-big-\(getpid())"
        try Data(repeating: 0x41, count: 100_000).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try FileReader.read(path).count == 100_000)
        #expect(try FileReader.read(path, maxBytes: 100_000).count == 100_000)
        #expect {
            try FileReader.read(path, maxBytes: 1000)
        } throws: { e in (e as? SystemError)?.kind == .tooLarge }
        // Buffer reuse keeps content exact.
        var buf = [UInt8](repeating: 9, count: 10)
        try FileReader.read("/proc/self/stat", into: &buf)
        #expect(buf.first != 9 && buf.last == 0x0A)
    }

    @Test func cgroupFSDetectsThisHost() {
        let cg = CgroupFS()
        // This host: hybrid (v1 controllers + v2 at /sys/fs/cgroup/unified); pure v2 hosts also pass.
        #expect(cg.unifiedMount != nil)
        #expect(cg.unifiedDirectory("/") != nil)
        if !cg.isPureUnified { #expect(cg.v1Directory("memory", "/") != nil) }
    }
}
