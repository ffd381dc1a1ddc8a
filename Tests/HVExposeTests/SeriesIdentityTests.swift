import HVModel
import Testing

@testable import HVExpose

/// Finds series that occur more than once in Prometheus text: same metric name and same label
/// set, whatever the order of the labels. Prometheus rejects the later samples of such a
/// scrape ("duplicate sample for timestamp"), and `promtool check metrics` does not notice.
enum DuplicateSeries {
    /// One series: its name and its labels sorted by name, values unescaped.
    struct Series: Hashable, CustomStringConvertible {
        let name: String
        let labels: [String]
        var description: String { name + "{" + labels.joined(separator: ",") + "}" }
    }

    /// The series that occur more than once in `text`, each once, in order of first repeat.
    static func find(_ text: String) -> [Series] {
        var seen = Set<Series>()
        var repeated: [Series] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            let s = parse(line)
            if !seen.insert(s).inserted && !repeated.contains(s) { repeated.append(s) }
        }
        return repeated
    }

    static func find(_ bytes: [UInt8]) -> [Series] { find(String(decoding: bytes, as: UTF8.self)) }

    /// `name{a="x",b="y\"z"} 1` -> Series("name", ["a=x", "b=y\"z"]).
    static func parse(_ line: Substring) -> Series {
        let chars = Array(line)
        var i = 0
        var name = ""
        while i < chars.count, chars[i] != "{", chars[i] != " " { name.append(chars[i]); i += 1 }
        var labels: [String] = []
        if i < chars.count, chars[i] == "{" {
            i += 1
            while i < chars.count, chars[i] != "}" {
                var key = ""
                while i < chars.count, chars[i] != "=" { key.append(chars[i]); i += 1 }
                i += 2   // ="
                var value = ""
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count {
                        i += 1
                        value.append(chars[i] == "n" ? "\n" : chars[i])
                    } else {
                        value.append(chars[i])
                    }
                    i += 1
                }
                i += 1   // closing quote
                labels.append(key + "=" + value)
                if i < chars.count, chars[i] == "," { i += 1 }
            }
        }
        return Series(name: name, labels: labels.sorted())
    }
}

/// Series identity is unique by construction: a VM and a container may share a name, and so
/// may containers of different managers; the exposition must still hold each series once.
struct SeriesIdentityTests {
    static func cgroup(_ path: String, processes: Int) -> GuestCgroupStats {
        var c = GuestCgroupStats(path: path)
        c.cpuUserSeconds = 1; c.cpuSystemSeconds = 2; c.memoryUsageBytes = 4096; c.oomKills = 0
        c.blockReadBytes = 1; c.processes = processes
        c.threadsByRole = ["container": processes]
        c.cpuSecondsByRole = ["container": 3]
        return c
    }

    /// A paused VM "web" and an LXC container "web" (the case seen in the lab), an nspawn
    /// machine and a libvirt-lxc container also named "web", and two QEMU guests "db" under two
    /// libvirt daemons (different UUIDs), the unlisted one with a job-less cgroup.
    static func twins() -> Snapshot {
        var s = Snapshot(timestampSeconds: 1_700_000_000, hostname: "hv1")
        s.libvirt = LibvirtStatus(
            uri: "qemu:///system", up: true, libraryVersion: "9.0.0", daemonVersion: "9.0.0",
            hypervisorType: "QEMU", hypervisorVersion: "7.2.0")
        var vm = Guest(name: "web", uuid: "11111111-0000-0000-0000-000000000001", kind: .vm, driver: "qemu", state: .paused)
        vm.listedByLibvirt = true; vm.domainID = 7; vm.persistent = true; vm.autostart = false; vm.stateReason = 1
        var bal = BalloonStats(); bal.availableBytes = 1000; bal.usableBytes = 500
        vm.balloon = bal
        var vc = cgroup("/machine/qemu-7-web.libvirt-qemu", processes: 1)
        vc.threadsByRole = ["vcpu": 1, "emulator": 1]
        vc.cpuSecondsByRole = ["vcpu": 5, "emulator": 1]
        vm.cgroup = vc
        var ct = Guest(name: "web", uuid: nil, kind: .container, driver: "lxc-tools", state: .running)
        ct.cgroup = cgroup("/lxc.payload.web", processes: 3)
        var ns = Guest(name: "web", uuid: nil, kind: .container, driver: "nspawn", state: .running)
        ns.cgroup = cgroup("/machine.slice/machine-web.scope", processes: 2)
        var lv = Guest(name: "web", uuid: nil, kind: .container, driver: "lxc", state: .running)
        lv.cgroup = cgroup("/machine/lxc-3-web.libvirt-lxc", processes: 2)
        // The unlisted twin comes first in the list: the listed one must still own the series.
        var otherDaemon = Guest(name: "db", uuid: "22222222-0000-0000-0000-000000000002", kind: .vm, driver: "qemu", state: .nostate)
        otherDaemon.cgroup = cgroup("/machine/qemu-1-db.libvirt-qemu", processes: 1)
        var db = Guest(name: "db", uuid: "33333333-0000-0000-0000-000000000003", kind: .vm, driver: "qemu", state: .running)
        db.listedByLibvirt = true; db.domainID = 8; db.persistent = true
        db.cgroup = cgroup("/machine/qemu-8-db.libvirt-qemu", processes: 1)
        var job = DomainJob(type: 2)
        job.operation = 5; job.elapsedSeconds = 3
        db.job = job
        s.guests = [otherDaemon, vm, ct, ns, lv, db]
        s.collectors = [CollectorStatus(name: "libvirt", success: true, durationSeconds: 0.01)]
        return s
    }

    static func text(_ s: Snapshot) -> String {
        String(decoding: PrometheusTextWriter.write(SnapshotMetrics.build(s)), as: UTF8.self)
    }

    @Test func checkerFindsADuplicateWhateverTheLabelOrder() {
        let text = """
            # HELP m x
            # TYPE m gauge
            m{guest="we\\"b",role="vcpu"} 1
            m{guest="we\\"b",role="emulator"} 1
            m{role="vcpu",guest="we\\"b"} 2
            n 1
            n 2
            """
        #expect(DuplicateSeries.find(text).map(\.description) == ["m{guest=we\"b,role=vcpu}", "n{}"])
    }

    /// What the exporter wrote before `driver` joined the labels: the checker catches it.
    @Test func checkerCatchesTheOldNameOnlyLabels() {
        var set = MetricSet()
        let old = MetricDescriptor("hv_guest_processes", .gauge, "Host processes of the guest.", labels: ["guest"])
        for g in Self.twins().guests where g.name == "web" { set.add(old, [g.name], g.cgroup?.processes ?? 0) }
        #expect(DuplicateSeries.find(PrometheusTextWriter.write(set)).map(\.description) == ["hv_guest_processes{guest=web}"])
    }

    @Test func twinNamesGiveNoDuplicateSeries() {
        let text = Self.text(Self.twins())
        #expect(DuplicateSeries.find(text).isEmpty, "duplicates: \(DuplicateSeries.find(text))\n\(text)")
        let set = SnapshotMetrics.build(Self.twins())
        // Every guest is in hv_guest_info, the QEMU twins told apart by their UUIDs.
        #expect(set.samples("hv_guest_info").count == 6)
        // The four "web" guests each have their own series, told apart by driver.
        let webDrivers = set.samples("hv_guest_processes").filter { $0.labels["guest"] == "web" }.map { $0.labels["driver"]! }
        #expect(webDrivers.sorted() == ["lxc", "lxc-tools", "nspawn", "qemu"])
        // The QEMU twin of another libvirt daemon is left out of the per-guest families, counted.
        let db = set.samples("hv_guest_processes").filter { $0.labels["guest"] == "db" }
        #expect(db.count == 1)
        #expect(set.samples("hv_guests_name_conflicts").map(\.value) == [.int(1)])
        #expect(set.samples("hv_guest_persistent").filter { $0.labels["guest"] == "db" }.count == 1)
        // libvirt's own "db" keeps its job series, not the unlisted twin found first.
        #expect(set.samples("libvirt_domain_job_type").map { $0.labels["domain"] } == ["db"])
        #expect(set.samples("libvirt_domain_info_vstate").map { $0.labels["domain"]! }.sorted() == ["db", "web"])
    }

    /// Every per-guest hv_guest_* series carries both `guest` and `driver`.
    @Test func everyPerGuestFamilyHasGuestAndDriver() {
        let set = SnapshotMetrics.build(Self.twins())
        let perGuest = set.sortedNames.filter { $0.hasPrefix("hv_guest_") }
        for f in [
            "hv_guest_info", "hv_guest_persistent", "hv_guest_autostart", "hv_guest_state_reason", "hv_guest_memory_used_ratio",
            "hv_guest_processes", "hv_guest_threads", "hv_guest_host_cpu_seconds_total", "hv_guest_cpu_user_seconds_total",
        ] {
            #expect(perGuest.contains(f), "\(f)")
        }
        for name in perGuest {
            #expect(set.samples(name).allSatisfy { $0.labels["guest"] != nil && $0.labels["driver"] != nil }, "\(name)")
        }
        #expect(set.samples("hv_guests_name_conflicts").allSatisfy { $0.labels.isEmpty })
    }

    /// The same checker over the snapshots of the other exposition tests.
    @Test(arguments: ["libvirt", "cgroup", "storage-jobs", "empty"])
    func existingExpositionsHaveNoDuplicateSeries(_ which: String) {
        let s: Snapshot =
            switch which {
            case "libvirt": SnapshotExpositionTests.sample()
            case "cgroup": GuestCgroupFamiliesTests.sample()
            case "storage-jobs": StorageJobsExpositionTests.sample()
            default: Snapshot()
            }
        let text = Self.text(s)
        #expect(!text.isEmpty)
        #expect(DuplicateSeries.find(text).isEmpty, "duplicates: \(DuplicateSeries.find(text))")
    }
}
