import Foundation

/// A procfs tree, the matching cgroup tree and a libvirt run directory, built in a temporary
/// directory, for mapper tests of layouts this host cannot produce. `/proc/<pid>/cgroup`
/// contents are the fixture files of HVSystemTests (copies of real hosts' files, see its
/// Fixtures/README.md); stat lines follow proc(5) exactly; `ns/pid` is a symbolic link like the
/// kernel's ("pid:[inode]"); a re-created `/proc/<pid>` gets a new inode, as a new process does.
///
/// The cgroup tree (`cgroup`, hybrid layout: v2 at `unified/`, v1 hierarchies named after their
/// controllers, `systemd` for name=systemd) holds what the kernel would show for the
/// processes' cgroup files: v1 `cgroup.procs` and `tasks` in each directory; v2 `cgroup.procs`
/// at the threaded domain (libvirt's emulator / vcpuN / iothreadN are threaded children) and
/// `cgroup.threads` where each thread is.
final class FakeHost {
    let root: String
    var proc: String { root + "/proc" }
    var cgroup: String { root + "/cgroup" }
    var runDir: String { root + "/run/libvirt/qemu" }
    static let hostNamespace: UInt64 = 4_026_531_836

    /// cgroup file path -> PIDs/TIDs listed, and what each process added (to undo it).
    private var cgroupLists: [String: [Int]] = [:]
    private var cgroupAdded: [Int: [(file: String, id: Int)]] = [:]

    static let cgroupFixtures: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HVSystemTests/Fixtures/cgroup").path
    }()

    init() throws {
        root = NSTemporaryDirectory() + "hvmapper-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/run/libvirt/qemu", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/cgroup/unified", withIntermediateDirectories: true)
        try write(root + "/cgroup/unified/cgroup.controllers", "")
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
    func process(
        _ pid: Int, comm: String, ppid: Int = 1, start: UInt64 = 1000, kernelThread: Bool = false,
        cgroup: Cgroup? = nil, cmdline: [String] = [], pidNamespace: UInt64 = FakeHost.hostNamespace,
        nsPIDs: [Int]? = nil, threads: [Thread] = [], ticks: UInt64 = 10
    ) throws {
        // Built aside, then moved in place: the old directory still exists while the new one
        // is made, so the new one cannot get its inode number.
        let final = proc + "/\(pid)"
        let dir = proc + "/.new-\(pid)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/ns", withIntermediateDirectories: true)
        let all = threads.isEmpty ? [Thread(tid: pid, comm: comm, cgroup: cgroup, ticks: ticks)] : threads
        let total = all.reduce(0) { $0 + $1.ticks }
        try write(
            dir + "/stat",
            FakeHost.statLine(
                pid: pid, comm: comm, ppid: ppid, kernelThread: kernelThread,
                ticks: total, threads: all.count, start: start))
        try write(dir + "/cmdline", cmdline.map { $0 + "\0" }.joined())
        let cg = cgroup.map(FakeHost.text) ?? "0::/\n"
        if !kernelThread { try write(dir + "/cgroup", cg) }
        let nspid = (nsPIDs ?? [pid]).map(String.init).joined(separator: "\t")
        try write(
            dir + "/status",
            "Name:\t\(comm)\nTgid:\t\(pid)\nPid:\t\(pid)\nPPid:\t\(ppid)\nNSpid:\t\(nspid)\nKthread:\t\(kernelThread ? 1 : 0)\n")
        try FileManager.default.createSymbolicLink(atPath: dir + "/ns/pid", withDestinationPath: "pid:[\(pidNamespace)]")
        for t in all {
            let td = dir + "/task/\(t.tid)"
            try FileManager.default.createDirectory(atPath: td, withIntermediateDirectories: true)
            try write(
                td + "/stat",
                FakeHost.statLine(
                    pid: t.tid, comm: t.comm, ppid: ppid, kernelThread: kernelThread,
                    ticks: t.ticks, threads: all.count, start: t.start ?? start))
            try write(td + "/comm", t.comm + "\n")
            try write(td + "/cgroup", (t.cgroup ?? cgroup).map(FakeHost.text) ?? cg)
        }
        try? FileManager.default.removeItem(atPath: final)
        try FileManager.default.moveItem(atPath: dir, toPath: final)

        try unlistCgroups(pid)
        guard !kernelThread else { return }
        var added: [(file: String, id: Int)] = []
        for line in FakeHost.memberships(cg) { added += try placeProcess(pid, line) }
        for t in all {
            for line in FakeHost.memberships((t.cgroup ?? cgroup).map(FakeHost.text) ?? cg) {
                added += try placeProcess(pid, line)
                added.append((try cgroupDirectory(line, threaded: true) + "/" + (line.v2 ? "cgroup.threads" : "tasks"), t.tid))
            }
        }
        cgroupAdded[pid] = added
        for (file, id) in added where !(cgroupLists[file] ?? []).contains(id) { cgroupLists[file, default: []].append(id) }
        try rewrite(Set(added.map(\.file)))
    }

    func remove(_ pid: Int) {
        try? FileManager.default.removeItem(atPath: proc + "/\(pid)")
        try? unlistCgroups(pid)
    }

    /// One line of a cgroup file: v2 ("0::/path") or a v1 hierarchy ("4:cpu,cpuacct:/path").
    struct Membership {
        var v2: Bool
        var hierarchy: String
        var path: String
    }

    static func memberships(_ text: String) -> [Membership] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { return nil }
            if f[1].isEmpty { return Membership(v2: true, hierarchy: "unified", path: String(f[2])) }
            let name = f[1].hasPrefix("name=") ? String(f[1].dropFirst(5)) : String(f[1])
            return Membership(v2: false, hierarchy: name, path: String(f[2]))
        }
    }

    /// The directory of a membership, created if needed. For v2 processes (not threads) the
    /// threaded domain: libvirt's emulator / vcpuN / iothreadN cgroups are threaded.
    private func cgroupDirectory(_ m: Membership, threaded: Bool) throws -> String {
        var path = m.path == "/" ? "" : m.path
        if m.v2 && !threaded, let last = path.split(separator: "/").last,
            last == "emulator" || ((last.hasPrefix("vcpu") || last.hasPrefix("iothread")) && last.last?.isNumber == true)
        {
            path = String(path[..<path.lastIndex(of: "/")!])
        }
        let dir = cgroup + "/" + m.hierarchy + path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    private func placeProcess(_ pid: Int, _ m: Membership) throws -> [(file: String, id: Int)] {
        [(try cgroupDirectory(m, threaded: false) + "/cgroup.procs", pid)]
    }

    private func unlistCgroups(_ pid: Int) throws {
        guard let old = cgroupAdded.removeValue(forKey: pid) else { return }
        for (file, id) in old { cgroupLists[file]?.removeAll { $0 == id } }
        try rewrite(Set(old.map(\.file)))
    }

    private func rewrite(_ files: Set<String>) throws {
        for f in files { try write(f, (cgroupLists[f] ?? []).map { "\($0)\n" }.joined()) }
    }

    /// A container's own procfs as its init sees it (`/proc/<pid>/root/proc`): `count` process
    /// directories, PID 1's `ns/pid` naming `namespace`. Call after `process(pid, ...)`.
    func containerProcfs(init pid: Int, namespace: UInt64, count: Int) throws {
        let dir = proc + "/\(pid)/root/proc"
        try? FileManager.default.removeItem(atPath: dir)
        for n in 1...max(1, count) {
            try FileManager.default.createDirectory(atPath: dir + "/\(n)", withIntermediateDirectories: true)
        }
        try FileManager.default.createDirectory(atPath: dir + "/1/ns", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/1/ns/pid", withDestinationPath: "pid:[\(namespace)]")
    }

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
        return
            "\(pid) (\(comm)) S \(ppid) \(pid) \(pid) 0 -1 \(flags) 120 0 0 0 \(utime) \(stime) 0 0 20 0 \(threads) 0 \(start) 5394231296 2000 18446744073709551615 1 1 0 0 0 0 0 4096 16451 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    }

    private func write(_ path: String, _ s: String) throws {
        try Data(s.utf8).write(to: URL(fileURLWithPath: path))
    }
}
