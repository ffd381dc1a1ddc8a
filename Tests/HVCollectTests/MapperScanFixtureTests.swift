import Foundation
import HVModel
import Testing

@testable import HVCollect

/// How the guest mapper finds guests from the guest side (cgroups, pidfiles, containers' own
/// procfs) and what it reads of host processes, on fake /proc and cgroup trees.
@Suite struct MapperScanFixtureTests {
    static let u1 = "6b504d33-9941-4ffd-b4fc-6dae3161c2c9"

    func mapper(_ h: FakeHost, hostDetailsPerScan: Int = 128) -> GuestMapper {
        GuestMapper(
            procfs: h.proc, cgroupfs: h.cgroup, libvirtRunDirectories: [h.runDir],
            hostDetailsPerScan: hostDetailsPerScan)
    }

    func entry(_ s: Snapshot, tid: Int) throws -> ProcessEntry {
        try #require(s.processes.first { $0.tid == tid }, "no entry for tid \(tid)")
    }

    /// The container's own procfs lists exactly its cgroup's processes: no host process's
    /// namespace is read. One more process in it (outside the cgroup) starts the search,
    /// which finds that process.
    @Test func containerProcfsDecidesWhetherToSearchNamespaces() throws {
        let h = try FakeHost()
        let ns: UInt64 = 4_026_532_262
        let payload = FakeHost.Cgroup.text("0::/lxc.payload.c1\n")
        try h.process(501, comm: "init", cgroup: payload, pidNamespace: ns, nsPIDs: [501, 1])
        try h.process(502, comm: "sshd", ppid: 501, cgroup: payload, pidNamespace: ns, nsPIDs: [502, 7])
        try h.containerProcfs(init: 501, namespace: ns, count: 2)
        for pid in 600..<620 { try h.process(pid, comm: "worker\(pid)", cgroup: .text("0::/system.slice/x.service\n")) }
        let m = mapper(h)
        var s1 = Snapshot()
        let st1 = try m.attribute(into: &s1)
        #expect(!st1.namespaceSearch)
        #expect(st1.namespaceReads == 1)   // the container procfs's PID 1
        #expect(try entry(s1, tid: 502).guestKey == "lxc-tools:c1")
        #expect(try entry(s1, tid: 610).guestKey == nil)

        try h.process(510, comm: "sleep", ppid: 0, cgroup: .text("0::/\n"), pidNamespace: ns, nsPIDs: [510, 9])
        try h.containerProcfs(init: 501, namespace: ns, count: 3)
        var s2 = Snapshot()
        let st2 = try m.attribute(into: &s2)
        #expect(st2.namespaceSearch)
        #expect(try entry(s2, tid: 510).guestKey == "lxc-tools:c1")
        #expect(try entry(s2, tid: 510).evidence == "pidns")
        #expect(s2.guests.first?.cgroup?.processes == 3)

        // Known escapee: counted, no new search.
        var s3 = Snapshot()
        let st3 = try m.attribute(into: &s3)
        #expect(!st3.namespaceSearch)
        #expect(try entry(s3, tid: 510).guestKey == "lxc-tools:c1")
    }

    /// A procfs of another namespace under the init's root (a bind mount of the host's /proc)
    /// proves nothing: the search runs.
    @Test func foreignProcfsUnderTheRootMeansSearch() throws {
        let h = try FakeHost()
        let ns: UInt64 = 4_026_532_300
        try h.process(501, comm: "init", cgroup: .text("0::/lxc.payload.c1\n"), pidNamespace: ns, nsPIDs: [501, 1])
        try h.containerProcfs(init: 501, namespace: FakeHost.hostNamespace, count: 1)
        let st = try mapper(h).scan()
        #expect(st.namespaceSearch)
    }

    /// Host processes' stat is read once each, a bounded number per scan; their comm fills in
    /// over the next scans; CPU and RSS are not measured for them.
    @Test func hostDetailsAreBoundedPerScan() throws {
        let h = try FakeHost()
        for pid in 300..<310 { try h.process(pid, comm: "host\(pid)", cgroup: .text("0::/system.slice/x.service\n")) }
        let m = mapper(h, hostDetailsPerScan: 4)
        var s = Snapshot()
        let st1 = try m.attribute(into: &s)
        #expect(st1.hostDetailsRead == 4)
        #expect(st1.hostDetailsPending == 12 - 4)   // also PIDs 1 and 2
        #expect(try entry(s, tid: 309).comm == "")
        #expect(try entry(s, tid: 309).role == "host" && entry(s, tid: 309).guestKey == nil)
        var last = st1
        for _ in 0..<3 { s = Snapshot(); last = try m.attribute(into: &s) }
        #expect(last.hostDetailsPending == 0)
        #expect(try entry(s, tid: 309).comm == "host309")
        #expect(try entry(s, tid: 309).cpuSeconds == 0 && entry(s, tid: 309).rssBytes == 0)
        s = Snapshot()
        let steady = try m.attribute(into: &s)
        #expect(steady.hostDetailsRead == 0 && steady.classified == 0)
    }

    /// A QEMU in no guest cgroup and without a pidfile, while libvirt says a guest runs: the
    /// fallback reads every waiting host process's stat and finds it by its -uuid.
    @Test func qemuOutsideEveryCgroupIsFoundByTheFallback() throws {
        let h = try FakeHost()
        try h.process(
            700, comm: "qemu-system-x86", cgroup: .text("0::/system.slice/custom.service\n"),
            cmdline: ["/usr/bin/qemu-system-x86_64", "-name", "guest=lost", "-uuid", Self.u1],
            threads: [.init(tid: 700, comm: "qemu-system-x86"), .init(tid: 701, comm: "CPU 0/KVM", ticks: 300)])
        for pid in 300..<305 { try h.process(pid, comm: "host\(pid)") }
        var g = Guest(name: "lost", uuid: Self.u1, kind: .vm, driver: "qemu", state: .running)
        g.domainID = 7
        let m = mapper(h, hostDetailsPerScan: 0)
        var s = Snapshot()
        s.guests = [g]
        let st = try m.attribute(into: &s)
        #expect(st.fallback)
        #expect(try entry(s, tid: 701).guestKey == Self.u1)
        #expect(try entry(s, tid: 701).role == "vcpu")
        #expect(try entry(s, tid: 700).evidence == "cmdline-uuid")
        // From now on a guest process like any other: no fallback.
        var s2 = Snapshot()
        s2.guests = [g]
        let st2 = try m.attribute(into: &s2)
        #expect(!st2.fallback)
        #expect(try entry(s2, tid: 701).guestKey == Self.u1)
    }

    /// QEMU without debug-threads on cgroup v2: vCPU threads are unnamed, their role comes from
    /// the guest's `vcpuN/cgroup.threads`.
    @Test func unnamedVCPUThreadsTakeTheirPartFromV2ThreadLists() throws {
        let h = try FakeHost()
        let base = "0::/machine.slice/machine-qemu\\x2d2\\x2dplain.scope/libvirt"
        try h.process(
            900, comm: "qemu-system-x86", cgroup: .text(base + "/emulator\n"),
            cmdline: ["/usr/bin/qemu-system-x86_64", "-uuid", Self.u1],
            threads: [
                .init(tid: 900, comm: "qemu-system-x86"),
                .init(tid: 901, comm: "qemu-system-x86", cgroup: .text(base + "/vcpu0\n")),
                .init(tid: 902, comm: "qemu-system-x86", cgroup: .text(base + "/vcpu1\n")),
                .init(tid: 903, comm: "qemu-system-x86"),
            ])
        var g = Guest(name: "plain", uuid: Self.u1, kind: .vm, driver: "qemu", state: .running)
        g.domainID = 2
        var s = Snapshot()
        s.guests = [g]
        try mapper(h).attribute(into: &s)
        #expect(try entry(s, tid: 901).role == "vcpu" && entry(s, tid: 901).vcpu == 0)
        #expect(try entry(s, tid: 902).role == "vcpu" && entry(s, tid: 902).vcpu == 1)
        #expect(try entry(s, tid: 903).role == "worker")
        #expect(try entry(s, tid: 900).role == "emulator")
        #expect(s.guests[0].cgroup?.path == "/machine.slice/machine-qemu\\x2d2\\x2dplain.scope")
        #expect(s.guests[0].cgroup?.unifiedPath == s.guests[0].cgroup?.path)
    }

    /// A guest process that exits and whose PID a host process takes: the guest entry goes,
    /// the new process is a host one.
    @Test func guestPIDReusedByAHostProcess() throws {
        let h = try FakeHost()
        try h.process(501, comm: "init", cgroup: .text("0::/lxc.payload.c1\n"), pidNamespace: 9, nsPIDs: [501, 1])
        try h.process(502, comm: "cron", cgroup: .text("0::/lxc.payload.c1\n"), pidNamespace: 9, nsPIDs: [502, 3])
        let m = mapper(h)
        var s = Snapshot()
        try m.attribute(into: &s)
        #expect(try entry(s, tid: 502).guestKey == "lxc-tools:c1")
        try h.process(502, comm: "bash", start: 9000, cgroup: .text("0::/user.slice\n"))
        s = Snapshot()
        try m.attribute(into: &s)
        #expect(try entry(s, tid: 502).guestKey == nil)
        #expect(try entry(s, tid: 502).comm == "bash")
        #expect(s.guests.first?.cgroup?.processes == 1)
    }

    /// A QEMU guest on a hybrid host: its v2 directory and its v1 cpu,cpuacct and memory ones.
    func hybridQEMU(_ h: FakeHost, pid: Int, id: Int, name: String, uuid: String) throws {
        let dir = "/machine/qemu-\(id)-\(name).libvirt-qemu"
        try h.process(
            pid, comm: "qemu-system-x86",
            cgroup: .text("0::\(dir)\n3:cpu,cpuacct:\(dir)/emulator\n5:memory:\(dir)\n"),
            cmdline: ["/usr/bin/qemu-system-x86_64", "-name", "guest=\(name)", "-uuid", uuid],
            threads: [
                .init(tid: pid, comm: "qemu-system-x86"),
                .init(tid: pid + 1, comm: "CPU 0/TCG", cgroup: .text("0::\(dir)\n3:cpu,cpuacct:\(dir)/vcpu0\n5:memory:\(dir)\n")),
            ])
    }

    /// New host processes (a busy host starts some between any two scrapes) no longer redo the
    /// whole discovery: the guest cgroups' parents are listed in one hierarchy and the guests'
    /// `cgroup.procs` read. A guest that starts with them is still found in that very scan, and
    /// one that stops is gone from it.
    @Test func newHostProcessesOnlyProbeForNewGuests() throws {
        let h = try FakeHost()
        let u2 = "0d7f3c8e-9a41-4c53-8d6b-2f1e5a7c9b10"
        try hybridQEMU(h, pid: 800, id: 1, name: "a", uuid: Self.u1)
        for pid in 300..<310 { try h.process(pid, comm: "host\(pid)") }
        let m = mapper(h)
        var s1 = Snapshot()
        let full = try m.attribute(into: &s1)
        #expect(try entry(s1, tid: 801).guestKey == Self.u1)
        #expect(try entry(s1, tid: 801).role == "vcpu")

        // A new host process: the probe lists the parents in one hierarchy only.
        try h.process(400, comm: "cron")
        var s2 = Snapshot()
        let churn = try m.attribute(into: &s2)
        #expect(churn.cgroupReads < full.cgroupReads, "full \(full.cgroupReads), with a new host process \(churn.cgroupReads)")
        #expect(try entry(s2, tid: 801).guestKey == Self.u1)
        #expect(try entry(s2, tid: 400).guestKey == nil)

        // A new guest, with another new host process: found in the same scan.
        try h.process(401, comm: "sshd")
        try hybridQEMU(h, pid: 820, id: 2, name: "b", uuid: u2)
        var s3 = Snapshot()
        let grown = try m.attribute(into: &s3)
        #expect(grown.cgroupReads > churn.cgroupReads)
        #expect(try entry(s3, tid: 820).guestKey == u2)
        #expect(try entry(s3, tid: 821).role == "vcpu")
        #expect(try entry(s3, tid: 801).guestKey == Self.u1)

        // The first guest stops (its cgroups go with it): its process and directory are gone.
        h.remove(800)
        try? FileManager.default.removeItem(atPath: h.cgroup + "/unified/machine/qemu-1-a.libvirt-qemu")
        try? FileManager.default.removeItem(atPath: h.cgroup + "/cpu,cpuacct/machine/qemu-1-a.libvirt-qemu")
        try? FileManager.default.removeItem(atPath: h.cgroup + "/memory/machine/qemu-1-a.libvirt-qemu")
        try h.process(402, comm: "bash")
        var s4 = Snapshot()
        try m.attribute(into: &s4)
        #expect(s4.processes.first { $0.tid == 801 } == nil)
        #expect(try entry(s4, tid: 821).guestKey == u2)
        #expect(s4.guests.isEmpty || s4.guests.allSatisfy { $0.uuid != Self.u1 })
    }

    /// libvirt without cgroups: guests are known by their pidfiles. A pidfile directory is read
    /// again when it changed (a guest started or stopped); a pidfile found still empty (QEMU
    /// creates it, then writes its PID) is read again in the next scan, though writing into it
    /// does not change the directory.
    @Test func pidfilesAreReadAgainWhenTheirDirectoryChanges() throws {
        let h = try FakeHost()
        let u2 = "0d7f3c8e-9a41-4c53-8d6b-2f1e5a7c9b10"
        let service = FakeHost.Cgroup.text("0::/system.slice/libvirtd.service\n")
        try h.process(
            700, comm: "qemu-system-x86", cgroup: service, cmdline: ["/usr/bin/qemu-system-x86_64", "-uuid", Self.u1],
            threads: [.init(tid: 700, comm: "qemu-system-x86"), .init(tid: 701, comm: "CPU 0/KVM")])
        try h.pidfile("one", 700)
        // A guest in cgroups too, so that a scan with new processes only probes (with no
        // guest cgroup known, such a scan is a full discovery, pidfiles and all).
        try hybridQEMU(h, pid: 800, id: 1, name: "a", uuid: "5d9e8a1c-2b3f-4e6a-9c7d-1a2b3c4d5e6f")
        // No host process's stat is read: a QEMU outside every cgroup is found only by its
        // pidfile (its comm would find it too).
        let m = mapper(h, hostDetailsPerScan: 0)
        var s1 = Snapshot()
        try m.attribute(into: &s1)
        #expect(try entry(s1, tid: 701).guestKey == Self.u1)

        // A second guest: its pidfile created empty first (the directory changes), the PID
        // written afterwards (it does not).
        try h.process(
            720, comm: "qemu-system-x86", cgroup: service, cmdline: ["/usr/bin/qemu-system-x86_64", "-uuid", u2],
            threads: [.init(tid: 720, comm: "qemu-system-x86"), .init(tid: 721, comm: "CPU 0/KVM")])
        FileManager.default.createFile(atPath: h.runDir + "/two.pid", contents: Data())
        var s2 = Snapshot()
        try m.attribute(into: &s2)
        #expect(s2.processes.first { $0.tid == 720 }?.guestKey == nil)
        let fd = open(h.runDir + "/two.pid", O_WRONLY)
        #expect(fd >= 0)
        _ = "720\n".withCString { write(fd, $0, 4) }
        close(fd)
        try h.process(410, comm: "cron")   // a new process: the pidfiles are looked at
        var s3 = Snapshot()
        try m.attribute(into: &s3)
        #expect(try entry(s3, tid: 720).guestKey == u2)
        #expect(try entry(s3, tid: 721).guestKey == u2)
        #expect(try entry(s3, tid: 701).guestKey == Self.u1)
    }

    /// A guest process's threads are read from the last scan's list while their count stays
    /// the same and each still answers; a thread replaced by another (same count) or a new
    /// one is found in the scan that follows, once the process used CPU. A still process (no
    /// tick of CPU since the last scan, as many threads: a paused guest) keeps its threads as
    /// last read (`GuestMapper.stillThreadsRefresh`).
    @Test func threadListFollowsReplacedAndNewThreads() throws {
        let h = try FakeHost()
        let cg = FakeHost.Cgroup.text("0::/machine/qemu-1-a.libvirt-qemu/emulator\n")
        func qemu(_ threads: [FakeHost.Thread]) throws {
            try h.process(
                800, comm: "qemu-system-x86", cgroup: cg, cmdline: ["/usr/bin/qemu-system-x86_64", "-uuid", Self.u1], threads: threads)
        }
        let main = FakeHost.Thread(tid: 800, comm: "qemu-system-x86")
        let vcpu = FakeHost.Thread(tid: 801, comm: "CPU 0/TCG", ticks: 50)
        try qemu([main, vcpu, .init(tid: 802, comm: "worker")])
        let m = mapper(h)
        func threads() throws -> [Int: String] {
            var s = Snapshot()
            try m.attribute(into: &s)
            return Dictionary(uniqueKeysWithValues: s.processes.filter { $0.pid == 800 }.map { ($0.tid, $0.role) })
        }
        #expect(try threads() == [800: "emulator", 801: "vcpu", 802: "worker"])
        #expect(try threads() == [800: "emulator", 801: "vcpu", 802: "worker"])
        // 802 exits, 803 starts: the same count, without a tick of CPU: still, not read.
        try qemu([main, vcpu, .init(tid: 803, comm: "IO mon_iothread")])
        #expect(try threads() == [800: "emulator", 801: "vcpu", 802: "worker"])
        // The process uses CPU: its threads are read.
        try qemu([main, vcpu, .init(tid: 803, comm: "IO mon_iothread", ticks: 1)])
        #expect(try threads() == [800: "emulator", 801: "vcpu", 803: "iothread"])
        // The vCPU's time moves: read again (not still), its ticks fresh.
        try qemu([main, .init(tid: 801, comm: "CPU 0/TCG", ticks: 70), .init(tid: 803, comm: "IO mon_iothread", ticks: 1)])
        var s = Snapshot()
        try m.attribute(into: &s)
        #expect(s.processes.first { $0.tid == 801 }.map { $0.cpuSeconds * 100 } == 70)
        // One more.
        try qemu([main, vcpu, .init(tid: 803, comm: "IO mon_iothread"), .init(tid: 804, comm: "vhost-800")])
        #expect(try threads().keys.sorted() == [800, 801, 803, 804])
    }
}
