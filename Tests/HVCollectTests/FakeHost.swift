import Foundation

/// A procfs tree (and libvirt run directory) built in a temporary directory, for mapper tests
/// of layouts this host cannot produce. `/proc/<pid>/cgroup` contents are the fixture files of
/// HVSystemTests (copies of real hosts' files, see its Fixtures/README.md); stat lines follow
/// proc(5) exactly; `ns/pid` is a symbolic link like the kernel's ("pid:[inode]").
final class FakeHost {
    let root: String
    var proc: String { root + "/proc" }
    var runDir: String { root + "/run/libvirt/qemu" }
    static let hostNamespace: UInt64 = 4_026_531_836

    static let cgroupFixtures: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HVSystemTests/Fixtures/cgroup").path
    }()

    init() throws {
        root = NSTemporaryDirectory() + "hvmapper-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/run/libvirt/qemu", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
        // PID 2: kthreadd, whose PID namespace is the host's.
        try process(2, comm: "kthreadd", ppid: 0, kernelThread: true)
        try process(1, comm: "init", ppid: 0, cgroup: .text("0::/init.scope\n"))
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    enum Cgroup {
        case fixture(String)
        case text(String)
    }

    struct Thread {
        var tid: Int
        var comm: String
        var cgroup: Cgroup?
        var ticks: UInt64 = 0
        var start: UInt64? = nil
    }

    /// Writes /proc/<pid> with stat, cgroup, cmdline, status, ns/pid, and task/<tid>/{stat,comm,cgroup}.
    func process(_ pid: Int, comm: String, ppid: Int = 1, start: UInt64 = 1000, kernelThread: Bool = false,
                 cgroup: Cgroup? = nil, cmdline: [String] = [], pidNamespace: UInt64 = FakeHost.hostNamespace,
                 nsPIDs: [Int]? = nil, threads: [Thread] = [], ticks: UInt64 = 10) throws {
        let dir = proc + "/\(pid)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/ns", withIntermediateDirectories: true)
        let all = threads.isEmpty ? [Thread(tid: pid, comm: comm, cgroup: cgroup, ticks: ticks)] : threads
        let total = all.reduce(0) { $0 + $1.ticks }
        try write(dir + "/stat", FakeHost.statLine(pid: pid, comm: comm, ppid: ppid, kernelThread: kernelThread,
                                                    ticks: total, threads: all.count, start: start))
        try write(dir + "/cmdline", cmdline.map { $0 + "\0" }.joined())
        let cg = cgroup.map(FakeHost.text) ?? "0::/\n"
        if !kernelThread { try write(dir + "/cgroup", cg) }
        let nspid = (nsPIDs ?? [pid]).map(String.init).joined(separator: "\t")
        try write(dir + "/status", "Name:\t\(comm)\nTgid:\t\(pid)\nPid:\t\(pid)\nPPid:\t\(ppid)\nNSpid:\t\(nspid)\nKthread:\t\(kernelThread ? 1 : 0)\n")
        try FileManager.default.createSymbolicLink(atPath: dir + "/ns/pid", withDestinationPath: "pid:[\(pidNamespace)]")
        for t in all {
            let td = dir + "/task/\(t.tid)"
            try FileManager.default.createDirectory(atPath: td, withIntermediateDirectories: true)
            try write(td + "/stat", FakeHost.statLine(pid: t.tid, comm: t.comm, ppid: ppid, kernelThread: kernelThread,
                                                       ticks: t.ticks, threads: all.count, start: t.start ?? start))
            try write(td + "/comm", t.comm + "\n")
            try write(td + "/cgroup", (t.cgroup ?? cgroup).map(FakeHost.text) ?? cg)
        }
    }

    func remove(_ pid: Int) { try? FileManager.default.removeItem(atPath: proc + "/\(pid)") }

    func pidfile(_ name: String, _ pid: Int) throws { try write(runDir + "/\(name).pid", "\(pid)\n") }

    static func text(_ c: Cgroup) -> String {
        switch c {
        case .text(let t): return t
        case .fixture(let f):
            return (try? String(contentsOfFile: cgroupFixtures + "/" + f, encoding: .utf8)) ?? "missing fixture \(f)"
        }
    }

    /// A stat line in the kernel's format (proc(5)), fields 1..44.
    static func statLine(pid: Int, comm: String, ppid: Int, kernelThread: Bool, ticks: UInt64, threads: Int, start: UInt64) -> String {
        let flags = kernelThread ? 2_129_984 : 4_194_560
        let utime = ticks * 3 / 4
        let stime = ticks - utime
        return "\(pid) (\(comm)) S \(ppid) \(pid) \(pid) 0 -1 \(flags) 120 0 0 0 \(utime) \(stime) 0 0 20 0 \(threads) 0 \(start) 5394231296 2000 18446744073709551615 1 1 0 0 0 0 0 4096 16451 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    }

    private func write(_ path: String, _ s: String) throws {
        try Data(s.utf8).write(to: URL(fileURLWithPath: path))
    }
}
