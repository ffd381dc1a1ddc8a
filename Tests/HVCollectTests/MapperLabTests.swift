import Foundation
import HVModel
import HVSystem
import LabSupport
import Testing

@testable import HVCollect

/// The guest mapper against the real lab (libvirtd, TCG guests, an LXC container).
/// Ground truth comes from libvirt (pidfiles, QEMU monitor thread IDs) and lxc-info / cgroupfs.
@Suite(.serialized) struct MapperLabTests {
    func mapped() throws -> Snapshot {
        var snap = Snapshot()
        snap.guests = Lab.snapshotGuests()
        try GuestMapper().attribute(into: &snap)
        return snap
    }

    @Test(.lab(.root, .libvirtdRunning, .containerRunning))
    func everyThreadOfEveryQemuIsItsGuests() throws {
        // QEMU starts and ends I/O worker threads as the guests' disks work: a thread is
        // checked when it lived through the scan (listed before and after it).
        var before: [String: Set<Int>] = [:]
        for lg in Lab.guests where lg.wanted != "shutoff" {
            let pid = try #require(Lab.pidfilePID(lg.name), "no pidfile for \(lg.name)")
            before[lg.name] = Set(try ProcFS().tids(pid))
        }
        let snap = try mapped()
        var checked = 0
        for lg in Lab.guests where lg.wanted != "shutoff" {
            let pid = try #require(Lab.pidfilePID(lg.name), "no pidfile for \(lg.name)")
            let tids = try ProcFS().tids(pid).filter { before[lg.name]?.contains($0) == true }
            for tid in tids {
                let e = try #require(snap.processes.first { $0.tid == tid }, "tid \(tid) of \(lg.name) missing")
                #expect(e.guestKey == lg.uuid, "tid \(tid) (\(e.comm)) of \(lg.name) attributed to \(e.guestKey ?? "host")")
                #expect(e.pid == pid)
                checked += 1
            }
            let main = try #require(snap.processes.first { $0.tid == pid })
            #expect(main.role == ThreadRole.emulator)
            #expect(main.evidence.contains("cmdline-uuid"))
            #expect(main.evidence.contains("pidfile"))
            let g = try #require(snap.guests.first { $0.uuid == lg.uuid })
            let cg = try #require(g.cgroup)
            #expect(cg.processes == 1)
            #expect(cg.path.hasSuffix(".libvirt-qemu") || cg.path.contains("machine-qemu"))
            #expect(cg.threadsByRole.values.reduce(0, +) == snap.processes.filter { $0.pid == pid }.count)
        }
        #expect(checked > 10)
        // Nothing else on the host is attributed to a VM.
        let vmKeys = Set(Lab.guests.map(\.uuid))
        let vmPIDs = Set(Lab.guests.compactMap { Lab.pidfilePID($0.name) })
        for e in snap.processes where e.guestKey.map(vmKeys.contains) == true {
            #expect(
                vmPIDs.contains(e.pid) || e.role == ThreadRole.vhost || e.role == ThreadRole.helper,
                "pid \(e.pid) \(e.comm) wrongly attributed")
        }
    }

    /// Every qemu on the host, whichever libvirtd started it (a live-migration target runs
    /// under a second libvirtd with its own run directory), is attributed by its -uuid.
    @Test(.lab(.root, .libvirtdRunning, .containerRunning))
    func everyQemuOnTheHostByItsUUID() throws {
        let snap = try mapped()
        let proc = ProcFS()
        var seen = 0
        for pid in try proc.pids() {
            guard let st = try? proc.stat(pid), st.comm.hasPrefix("qemu-system"),
                let uuid = try? proc.cmdline(pid).qemuUUID
            else { continue }
            let e = try #require(snap.processes.first { $0.tid == pid })
            #expect(e.guestKey == uuid, "qemu \(pid) -> \(e.guestKey ?? "host")")
            #expect(snap.guests.contains { $0.uuid == uuid })
            seen += 1
        }
        #expect(seen >= 4)
    }

    @Test(.lab(.root, .libvirtdRunning, .containerRunning))
    func vcpuThreadsMatchTheQemuMonitor() throws {
        let snap = try mapped()
        var checked = 0
        for lg in Lab.guests where lg.wanted != "shutoff" {
            let truth = Lab.vcpuThreads(lg.name)
            #expect(!truth.isEmpty, "no thread_id from the monitor of \(lg.name)")
            for (index, tid) in truth {
                let e = try #require(snap.processes.first { $0.tid == tid })
                #expect(e.role == ThreadRole.vcpu)
                #expect(e.vcpu == index)
                #expect(e.guestKey == lg.uuid)
                let g = try #require(snap.guests.first { $0.uuid == lg.uuid })
                #expect(g.vcpus.first { $0.index == index }?.threadID == tid)
                checked += 1
            }
            let g = try #require(snap.guests.first { $0.uuid == lg.uuid })
            #expect(g.cgroup?.threadsByRole[ThreadRole.vcpu] == truth.count)
        }
        #expect(checked >= 5)
    }

    @Test(.lab(.root, .libvirtdRunning, .containerRunning))
    func vhostThreadsFollowTheirQemu() throws {
        let snap = try mapped()
        // TCG guests get no vhost-net here, so this checks whatever vhost workers exist.
        for e in snap.processes where e.comm.hasPrefix("vhost-") {
            let owner = Int(e.comm.dropFirst(6))
            let q = try #require(snap.processes.first { $0.tid == owner })
            #expect(e.role == ThreadRole.vhost)
            #expect(e.guestKey != nil && e.guestKey == q.guestKey)
        }
    }

    @Test(.lab(.root, .libvirtdRunning, .containerRunning))
    func everyProcessOfTheContainer() throws {
        // The container's loop starts a `sleep` every few seconds: one started after the scan
        // is rightly absent from it. So the members are read before the scan, and those still
        // alive after it (they lived through it) must be in it.
        let initPID = try #require(Lab.lxcInitPID)
        let cg = CgroupFS()
        let before = try #require(Lab.cgroupPath(pid: initPID))
        let beforeDir = try #require(cg.unifiedDirectory(before) ?? cg.v1Directory("memory", before))
        let members = try cg.procs(beforeDir)
        let snap = try mapped()
        let key = "lxc-tools:\(Lab.lxcName)"
        let g = try #require(snap.guests.first { $0.key == key })
        #expect(g.kind == .container && g.uuid == nil && g.state == .running)
        #expect(g.cgroup?.initPID == initPID)
        // Ground truth: the init's own cgroup file (LXC picks `lxc.payload.NAME-1` when a
        // leftover of an earlier run is in the way; the guest keeps its name).
        let path = try #require(Lab.cgroupPath(pid: initPID))
        #expect(path == "/lxc.payload.\(Lab.lxcName)" || path.hasPrefix("/lxc.payload.\(Lab.lxcName)-"))
        #expect(g.cgroup?.path == path)
        #expect(path == before)
        #expect(!members.isEmpty)
        for pid in members where pid > 0 {
            guard kill(pid_t(pid), 0) == 0 else { continue }
            let e = try #require(snap.processes.first { $0.tid == pid }, "container pid \(pid) missing")
            #expect(e.guestKey == key, "container pid \(pid) \(e.comm) -> \(e.guestKey ?? "host")")
            #expect(e.role == ThreadRole.container)
        }
        // The LXC monitor is the container's host-side helper.
        let monitor = try #require(snap.processes.first { $0.pid == (try? ProcFS().stat(initPID).ppid) })
        #expect(monitor.guestKey == key && monitor.role == ThreadRole.helper)
        #expect(snap.guests.first { $0.key == key }?.driver == "lxc-tools")
    }

    @Test(.lab(.root, .libvirtdRunning, .containerRunning))
    func processThatEscapedTheCgroupIsFoundByItsPidNamespace() throws {
        let initPID = try #require(Lab.lxcInitPID)
        // Start a process inside the container's namespaces, then move it to the host's root
        // cgroups: only the PID namespace still says whose it is.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        child.arguments = ["-t", String(initPID), "-p", "-m", "--", "/bin/sleep", "60"]
        try child.run()
        defer { child.terminate(); child.waitUntilExit() }
        // nsenter forks the sleep into the namespace: find it among nsenter's children.
        var sleeper: Int?
        for _ in 0..<50 where sleeper == nil {
            usleep(100_000)
            let kids =
                (try? String(contentsOfFile: "/proc/\(child.processIdentifier)/task/\(child.processIdentifier)/children", encoding: .utf8))
                ?? ""
            sleeper = kids.split(separator: " ").compactMap { Int($0) }.first
        }
        let pid = try #require(sleeper)
        defer { kill(pid_t(pid), SIGKILL) }
        for dir in ["/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup"] {
            try? "\(pid)\n".write(toFile: dir + "/cgroup.procs", atomically: false, encoding: .utf8)
        }
        let placement = try ProcFS().cgroup(pid).placement
        var snap = Snapshot()
        try GuestMapper().attribute(into: &snap)
        let e = try #require(snap.processes.first { $0.pid == pid })
        #expect(e.guestKey == "lxc-tools:\(Lab.lxcName)")
        #expect(e.evidence == (placement == nil ? "pidns" : "cgroup"))
    }

    /// The guests' `cgroup.procs` stay open between scans (read again at offset 0): a process
    /// that joins the container's cgroup after a scan is the container's in the next scan of
    /// the same mapper, and the host's again once it left.
    @Test(.lab(.root, .libvirtdRunning, .containerRunning))
    func processJoiningThenLeavingTheContainerCgroupIsFollowed() throws {
        let initPID = try #require(Lab.lxcInitPID)
        let path = try #require(Lab.cgroupPath(pid: initPID))
        let key = "lxc-tools:\(Lab.lxcName)"
        let m = GuestMapper()
        var before = Snapshot()
        try m.attribute(into: &before)
        #expect(before.processes.contains { $0.guestKey == key })
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["60"]
        try sleeper.run()
        let pid = Int(sleeper.processIdentifier)
        defer {
            kill(pid_t(pid), SIGKILL)
            sleeper.waitUntilExit()
        }
        func move(to dir: (CgroupHierarchy) -> String) {
            for h in CgroupFS().hierarchies() where FileManager.default.fileExists(atPath: dir(h) + "/cgroup.procs") {
                try? "\(pid)\n".write(toFile: dir(h) + "/cgroup.procs", atomically: false, encoding: .utf8)
            }
        }
        move { $0.mount + path }
        #expect(Lab.cgroupPath(pid: pid) == path, "the sleeper did not join \(path)")
        var joined = Snapshot()
        try m.attribute(into: &joined)
        let inside = try #require(joined.processes.first { $0.pid == pid })
        #expect(inside.guestKey == key, "joined: \(inside.guestKey ?? "host") by \(inside.evidence)")
        move { $0.mount }
        var left = Snapshot()
        try m.attribute(into: &left)
        let outside = try #require(left.processes.first { $0.pid == pid })
        #expect(outside.guestKey == nil, "left: \(outside.guestKey ?? "host") by \(outside.evidence)")
        // The container's own processes are still its own.
        #expect(left.processes.contains { $0.pid == initPID && $0.guestKey == key })
    }

    @Test(.lab(.root, .libvirtdRunning, .containerRunning))
    func incrementalScanReusesTheCache() throws {
        // youngProcessSeconds 0: no re-check of recently started processes, so only processes
        // started (or renamed) between the two scans are classified again.
        let m = GuestMapper(youngProcessSeconds: 0)
        let full = try m.scan()
        let inc = try m.scan()
        #expect(full.classified == full.processes)
        #expect(inc.reused >= full.processes - 10)
        #expect(inc.classified <= 10)
    }

    @Test(.lab(.root, .libvirtdRunning, .containerRunning))
    func hostCPUByRoleRisesWhileGuestsRun() throws {
        let m = GuestMapper()
        var a = Snapshot()
        a.guests = Lab.snapshotGuests()
        try m.attribute(into: &a)
        func vcpuSeconds(_ s: Snapshot, _ uuid: String) -> Double {
            s.guests.first { $0.uuid == uuid }?.cgroup?.cpuSecondsByRole[ThreadRole.vcpu] ?? 0
        }
        // The guests' load loop burns CPU every few seconds: wait (bounded) until every
        // running guest's vCPU time rose, then check each role.
        let running = Lab.guests.filter { $0.wanted == "running" }
        var b = Snapshot()
        Poll.until(timeout: .seconds(60), every: .seconds(1)) {
            b = Snapshot()
            b.guests = Lab.snapshotGuests()
            guard (try? m.attribute(into: &b)) != nil else { return false }
            return running.allSatisfy { vcpuSeconds(b, $0.uuid) > vcpuSeconds(a, $0.uuid) }
        }
        for lg in running {
            let before = a.guests.first { $0.uuid == lg.uuid }?.cgroup?.cpuSecondsByRole ?? [:]
            let after = b.guests.first { $0.uuid == lg.uuid }?.cgroup?.cpuSecondsByRole ?? [:]
            #expect((after[ThreadRole.vcpu] ?? 0) > (before[ThreadRole.vcpu] ?? 0), "\(lg.name) vcpu CPU did not rise")
            for (role, v) in before { #expect((after[role] ?? 0) >= v, "\(lg.name) \(role) went down") }
        }
    }
}

/// The cgroup collector against the real lab.
@Suite(.serialized) struct CgroupLabTests {
    func collect(_ mapper: GuestMapper) throws -> Snapshot {
        var snap = Snapshot()
        snap.guests = Lab.snapshotGuests()
        try mapper.attribute(into: &snap)
        try CgroupCollector().collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &snap)
        try HostCollector().collect(ScrapeContext(libvirtTimeout: .seconds(5)), into: &snap)
        return snap
    }

    @Test(.lab(.root, .libvirtdRunning, .containerRunning))
    func cgroupCPUCountersRiseWhileGuestsRun() throws {
        let m = GuestMapper()
        let a = try collect(m)
        func usage(_ s: Snapshot, _ uuid: String) -> Double {
            s.guests.first { $0.uuid == uuid }?.cgroup?.cpuUsageSeconds ?? 0
        }
        // Wait (bounded) until every running guest's cgroup CPU rose, then check the rest.
        var b = try collect(m)
        Poll.until(timeout: .seconds(60), every: .seconds(1)) {
            guard let next = try? collect(m) else { return false }
            b = next
            return Lab.guests.filter { $0.wanted == "running" }.allSatisfy { usage(b, $0.uuid) > usage(a, $0.uuid) }
        }
        var running = 0
        for lg in Lab.guests where lg.wanted == "running" {
            let ca = try #require(a.guests.first { $0.uuid == lg.uuid }?.cgroup)
            let cb = try #require(b.guests.first { $0.uuid == lg.uuid }?.cgroup)
            let ua = try #require(ca.cpuUsageSeconds, "\(lg.name): no cgroup CPU usage")
            let ub = try #require(cb.cpuUsageSeconds)
            #expect(ub > ua, "\(lg.name): cgroup CPU did not rise")
            #expect((cb.memoryUsageBytes ?? 0) > 0 || cb.unifiedPath != nil)
            running += 1
        }
        #expect(running >= 2)
        let key = "lxc-tools:\(Lab.lxcName)"
        let ct = try #require(b.guests.first { $0.key == key }?.cgroup)
        #expect(ct.cpuUsageSeconds != nil)
        #expect((ct.memoryUsageBytes ?? 0) > 0)
        #expect((ct.netRxPackets ?? 0) > 0 && (ct.netTxPackets ?? 0) > 0)
        let h = try #require(b.host)
        #expect((h.guestVCPUs ?? 0) >= 4)
    }

    @Test(.lab(.root, .libvirtdRunning, .containerRunning))
    func containerNetworkComesFromItsNamespace() throws {
        let snap = try collect(GuestMapper())
        let initPID = try #require(Lab.lxcInitPID)
        let devs = try ProcFS().netDev(initPID).filter { $0.interface != "lo" }
        let ct = try #require(snap.guests.first { $0.key == "lxc-tools:\(Lab.lxcName)" }?.cgroup)
        #expect(devs.map(\.interface) == ["eth0"])
        #expect(ct.netRxBytes! <= devs[0].receiveBytes && ct.netRxBytes! > 0)
        // The host namespace has other interfaces (hvbr0...), which must not be counted.
        let host = try ProcFS().netDev(Int(getpid())).map(\.interface)
        #expect(host.contains(Lab.state["LAB_BRIDGE"] ?? "hvbr0"))
    }
}
