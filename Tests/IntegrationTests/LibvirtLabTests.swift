import Foundation
import Glibc
import LabSupport
import Testing

/// hv-exporter against the real lab: libvirtd (qemu:///system) with TCG guests doing disk,
/// network and CPU work. Serialized: some tests stop libvirtd or a QEMU process for a while.
@Suite(.serialized, .lab(.libvirtdRunning))
struct LibvirtLabTests {
    static let running = ["RUN1", "RUN2"]

    @Test func countersRiseBetweenScrapesAndAgreeWithVirsh() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)"])
        defer { exporter.stop() }
        let first = try exporter.metrics()
        var nic: [String: String] = [:]
        for key in Self.running { nic[key] = try Lab.domstats(Lab.guest(key))["net.0.name"] ?? "" }
        // (family, labels, `virsh domstats` key, its unit in the family's unit) of each counter.
        func rising(_ key: String) -> [(String, [String: String], String, Double)] {
            let d = ["domain": Lab.guest(key)]
            let disk = ["domain": Lab.guest(key), "target_device": "vda"]
            return [
                ("libvirt_domain_info_cpu_time_seconds_total", d, "cpu.time", 1e9),
                ("libvirt_domain_block_stats_write_bytes_total", disk, "block.0.wr.bytes", 1),
                ("libvirt_domain_block_stats_read_bytes_total", disk, "block.0.rd.bytes", 1),
                (
                    "libvirt_domain_interface_stats_transmit_packets_total", ["domain": Lab.guest(key), "target_device": nic[key] ?? ""],
                    "net.0.tx.pkts", 1
                ),
                ("libvirt_domain_vcpu_time_seconds_total", ["domain": Lab.guest(key), "vcpu": "0"], "vcpu.0.time", 1e9),
            ]
        }
        // The guests' load loop writes, reads and pings every few seconds: wait (bounded)
        // until a scrape shows every counter above the first scrape's.
        let rose = Poll.until(timeout: .seconds(90), every: .seconds(2)) {
            guard let m = try? exporter.metrics() else { return false }
            return Self.running.allSatisfy { key in
                rising(key).allSatisfy { family, labels, _, _ in (m.value(family, labels) ?? 0) > (first.value(family, labels) ?? .infinity)
                }
            }
        }
        #expect(rose, "not every counter rose within 90 s")
        var before: [String: [String: String]] = [:]
        for key in Self.running { before[key] = try Lab.domstats(Lab.guest(key)) }
        let second = try exporter.metrics()
        var after: [String: [String: String]] = [:]
        for key in Self.running { after[key] = try Lab.domstats(Lab.guest(key)) }

        for key in Self.running {
            let d = ["domain": Lab.guest(key)]
            for (family, labels, statKey, scale) in rising(key) {
                let v1 = try #require(first.value(family, labels), "\(family) \(labels) missing in first scrape")
                let v2 = try #require(second.value(family, labels), "\(family) \(labels) missing in second scrape")
                #expect(v2 > v1, "\(family) of \(key) did not rise: \(v1) -> \(v2)")
                // Sandwich: virsh just before <= exporter <= virsh just after (counters only rise).
                let lo = try #require(Double(before[key]![statKey] ?? "")) / scale
                let hi = try #require(Double(after[key]![statKey] ?? "")) / scale
                #expect(v2 >= lo - 1e-9 && v2 <= hi + 1e-9, "\(family) of \(key) = \(v2), virsh said \(lo)...\(hi)")
            }
            let balloon = try #require(second.value("libvirt_domain_memory_stats_actual_balloon_bytes", d))
            #expect(balloon == (Double(after[key]!["balloon.current"] ?? "") ?? -1) * 1024)
            #expect(second.value("libvirt_domain_memory_stats_usable_bytes", d) != nil, "balloon stats period must give usable memory")
        }
    }

    @Test func everyStateAndFlagIsReported() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)"])
        defer { exporter.stop() }
        let m = try exporter.metrics()
        func dom(_ k: String) -> [String: String] { ["domain": Lab.guest(k)] }
        func guest(_ k: String) -> [String: String] { ["guest": Lab.guest(k)] }
        #expect(m.value("libvirt_up") == 1)
        #expect(m.value("libvirt_domain_info_vstate", dom("RUN1")) == 1)
        #expect(m.value("libvirt_domain_info_vstate", dom("PAUSED")) == 3)
        #expect(m.value("libvirt_domain_info_vstate", dom("OFF")) == 5)
        #expect(m.value("libvirt_domain_info_vstate", dom("TRANSIENT")) == 1)
        #expect(m.value("hv_guest_persistent", guest("TRANSIENT")) == 0)
        #expect(m.value("hv_guest_persistent", guest("OFF")) == 1)
        #expect(m.value("hv_guest_persistent", guest("RUN1")) == 1)
        #expect(m.value("hv_guest_autostart", guest("RUN1")) == 1)
        #expect(m.value("hv_guest_autostart", guest("RUN2")) == 0)
        // Shut-off guests still carry their configuration.
        #expect(m.value("libvirt_domain_info_maximum_memory_bytes", dom("OFF")) == Double(128 * 1024 * 1024))
        // The weird name survives the round trip through escaping.
        let weird = Lab.guest("WEIRD")
        #expect(weird.contains("\"") && weird.contains("\\"))
        #expect(m.value("hv_guest_info", ["guest": weird, "kind": "vm", "driver": "qemu"]) == 1)
        #expect(m.value("libvirt_domain_timed_out", ["domain": weird]) == 0)
        // Device metadata from the XML.
        #expect(
            m.value(
                "libvirt_domain_interface_stats_info",
                [
                    "domain": Lab.guest("RUN1"), "interface_type": "bridge",
                    "source": Lab.state["LAB_BRIDGE"] ?? "", "model": "virtio",
                ]) == 1)
        #expect(
            m.value(
                "libvirt_domain_block_stats_info",
                [
                    "domain": Lab.guest("RUN1"), "target_device": "vda", "bus": "virtio",
                    "driver_type": "qcow2",
                ]) == 1)
        // Every domain libvirt knows is there, and nothing else.
        let (_, names) = try Lab.run(["virsh", "-c", Lab.uri, "list", "--all", "--name"])
        let expected = Set(names.split(separator: "\n").map(String.init).filter { !$0.isEmpty })
        let seen = Set(m.samples.filter { $0.name == "libvirt_domain_info_vstate" }.compactMap { $0.labels["domain"] })
        #expect(seen == expected)
    }

    @Test func fullScrapePassesPromtoolAndJSONAgrees() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)"])
        defer { exporter.stop() }
        let r = try exporter.get("/metrics")
        let lint = try Promtool.checkMetrics(r.body)
        #expect(lint.isClean, "\(lint)")
        let json = try exporter.get("/json")
        #expect(json.status == 200)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any])
        #expect(obj["schema_version"] as? Int == 1)
        let guests = try #require(obj["guests"] as? [[String: Any]])
        let m = Exposition(r.body)
        let names = Set(m.samples.filter { $0.name == "hv_guest_info" }.compactMap { $0.labels["guest"] })
        #expect(Set(guests.compactMap { $0["name"] as? String }).isSuperset(of: names))
        #expect(guests.contains { ($0["name"] as? String) == Lab.guest("WEIRD") })
        let landing = try exporter.get("/")
        #expect(landing.status == 200 && landing.body.contains("href=\"/metrics\""))
        #expect(try exporter.get("/nope").status == 404)
    }

    @Test func stoppedLibvirtdGivesUpZeroWithinTheTimeoutAndComesBack() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)", "--libvirt.timeout=2s"])
        defer { exporter.stop() }
        #expect(try exporter.metrics().value("libvirt_up") == 1)
        let pid = try #require(Lab.pidOf("/run/libvirtd.pid") ?? Lab.state["LAB_LIBVIRTD_PID"].flatMap { Int32($0) })
        kill(pid, SIGSTOP)
        var resumed = false
        defer { if !resumed { kill(pid, SIGCONT) } }
        for round in 0..<2 {
            let r = try exporter.get("/metrics")
            #expect(r.status == 200)
            // One budget: the domain list and the pool collector beside it both wait on the
            // stopped daemon, together no longer than the 2 s timeout (plus the scrape's own work).
            #expect(r.seconds < 2.6, "scrape \(round) took \(r.seconds) s with a 2 s libvirt timeout")
            let m = Exposition(r.body)
            #expect(m.value("libvirt_up") == 0, "round \(round)")
            #expect(m.value("hv_scrape_collector_success", ["collector": "libvirt"]) == 0)
            #expect(m.values("libvirt_domain_info_vstate").isEmpty)
        }
        kill(pid, SIGCONT)
        resumed = true
        var up = 0.0
        for _ in 0..<30 where up != 1 {
            Thread.sleep(forTimeInterval: 1)
            up = try exporter.metrics().value("libvirt_up") ?? 0
        }
        #expect(up == 1, "libvirt_up did not come back within 30 s after SIGCONT; log: \(exporter.log)")
        #expect(try exporter.metrics().value("libvirt_domain_info_vstate", ["domain": Lab.guest("RUN1")]) == 1)
    }

    /// Stops the lab's libvirtd. libvirtd 9.0 may take a while to stop (it waits for its
    /// workers); a daemon that has not stopped after 30 s is killed, which is a restart all the
    /// same.
    static func stopLibvirtd() throws {
        let pid = try #require(Lab.pidOf("/run/libvirtd.pid"))
        kill(pid, SIGTERM)
        for _ in 0..<150 where kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.2) }
        if kill(pid, 0) == 0 {
            kill(pid, SIGKILL)
            for _ in 0..<50 where kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(kill(pid, 0) != 0, "libvirtd \(pid) did not stop")
    }

    @Test func restartedLibvirtdIsReconnected() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)", "--libvirt.timeout=2s"])
        defer { exporter.stop() }
        #expect(try exporter.metrics().value("libvirt_up") == 1)
        try Self.stopLibvirtd()
        let down = try exporter.metrics()
        #expect(down.value("libvirt_up") == 0)
        let (rc, out) = try Lab.run(["bash", Lab.root.appendingPathComponent("scripts/lab/libvirtd-up.sh").path])
        #expect(rc == 0, "libvirtd-up.sh: \(out)")
        var up = 0.0
        var first: Exposition?
        for _ in 0..<30 where up != 1 {
            Thread.sleep(forTimeInterval: 1)
            let m = try exporter.metrics()
            up = m.value("libvirt_up") ?? 0
            if up == 1 { first = m }
        }
        #expect(up == 1, "not reconnected after restart; log: \(exporter.log)")
        #expect(exporter.log.contains("connected to libvirt"))
        // The lanes that only make calls (no event watch, so they learn of the restart when a
        // call fails) ask again on a fresh connection: the pools collector succeeds in the
        // very scrape that finds libvirt back.
        let after = try #require(first)
        for c in ["pools", "libvirt", "jobs"] {
            #expect(after.value("hv_scrape_collector_success", ["collector": c]) == 1, "collector \(c); log: \(exporter.log.suffix(2000))")
        }
        // A paused guest is not left timed out after the restart (it was for a whole metadata
        // TTL, 60 s, when its first record, taken while libvirtd reconnected to QEMU, was kept).
        let paused = ["domain": Lab.guest("PAUSED")]
        let clear = try Poll.until(timeout: .seconds(15), every: .seconds(1)) {
            try exporter.metrics().value("libvirt_domain_timed_out", paused) == 0
        }
        #expect(clear, "paused guest still timed out 15 s after libvirtd came back")
    }

    /// libvirtd restarted between two scrapes (no scrape saw it down): the connections that
    /// only make calls learn of it from a failing call and ask again on a fresh connection
    /// (pools), or from the control connection's loss (statistics: no bulk call is made on the
    /// dead connection, so no per-domain fallback), so the first scrape after the restart
    /// loses nothing.
    @Test func restartBetweenScrapesLosesNoCollector() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)", "--libvirt.timeout=5s"])
        defer { exporter.stop() }
        #expect(try exporter.metrics().value("libvirt_up") == 1)
        try Self.stopLibvirtd()
        let (rc, out) = try Lab.run(["bash", Lab.root.appendingPathComponent("scripts/lab/libvirtd-up.sh").path])
        #expect(rc == 0, "libvirtd-up.sh: \(out)")
        let m = try exporter.metrics()
        #expect(m.value("libvirt_up") == 1, "log: \(exporter.log.suffix(2000))")
        for c in ["pools", "libvirt", "jobs"] {
            #expect(m.value("hv_scrape_collector_success", ["collector": c]) == 1, "collector \(c); log: \(exporter.log.suffix(2000))")
        }
        let run1 = ["domain": Lab.guest("RUN1"), "target_device": "vda"]
        #expect(m.value("libvirt_domain_block_stats_read_bytes_total", run1) != nil, "log: \(exporter.log.suffix(2000))")
        #expect(!exporter.log.contains("bulk domain stats failed"), "log: \(exporter.log.suffix(2000))")
    }

    /// A paused guest is asked only for state and interfaces between full refreshes: its
    /// frozen figures are still there, equal to what libvirt says, and it is not timed out.
    @Test func pausedGuestKeepsItsFiguresBetweenFullRefreshes() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)"])
        defer { exporter.stop() }
        let name = Lab.guest("PAUSED")
        let d = ["domain": name]
        let vda = ["domain": name, "target_device": "vda"]
        var last: Exposition?
        for _ in 0..<3 {
            let m = try exporter.metrics()
            #expect(m.value("libvirt_domain_info_vstate", d) == 3)
            #expect(m.value("libvirt_domain_timed_out", d) == 0)
            #expect((m.value("libvirt_domain_info_cpu_time_seconds_total", d) ?? 0) > 0)
            #expect((m.value("libvirt_domain_block_stats_read_bytes_total", vda) ?? 0) > 0)
            #expect(m.value("libvirt_domain_state_code", ["domain": name, "uuid": Lab.state["LAB_UUID_PAUSED"] ?? ""]) == 3)
            last = m
        }
        let stats = try Lab.domstats(name)
        let rd = try #require(stats["block.0.rd.bytes"].flatMap(Double.init))
        #expect(last?.value("libvirt_domain_block_stats_read_bytes_total", vda) == rd)

        // Its interface figures are read by the exporter from /proc/net/dev (the tap's host
        // side, swapped as libvirt swaps it): each equals libvirt's own, read just before and
        // just after the scrape (the bridge may carry a broadcast in between).
        let nic = try #require(stats["net.0.name"], "the paused lab guest has no interface")
        let labels = ["domain": name, "target_device": nic]
        let families: [(String, String)] = [
            ("libvirt_domain_interface_stats_receive_bytes_total", "net.0.rx.bytes"),
            ("libvirt_domain_interface_stats_receive_packets_total", "net.0.rx.pkts"),
            ("libvirt_domain_interface_stats_receive_errors_total", "net.0.rx.errs"),
            ("libvirt_domain_interface_stats_receive_drops_total", "net.0.rx.drop"),
            ("libvirt_domain_interface_stats_transmit_bytes_total", "net.0.tx.bytes"),
            ("libvirt_domain_interface_stats_transmit_packets_total", "net.0.tx.pkts"),
            ("libvirt_domain_interface_stats_transmit_errors_total", "net.0.tx.errs"),
            ("libvirt_domain_interface_stats_transmit_drops_total", "net.0.tx.drop"),
        ]
        var agreed = false
        var detail = ""
        for _ in 0..<5 where !agreed {
            let before = try Lab.domstats(name)
            let m = try exporter.metrics()
            let after = try Lab.domstats(name)
            detail = ""
            agreed = families.allSatisfy { family, key in
                guard let v = m.value(family, labels), let lo = before[key].flatMap(Double.init), let hi = after[key].flatMap(Double.init)
                else {
                    detail += "\(family): \(String(describing: m.value(family, labels))) vs \(before[key] ?? "-")..\(after[key] ?? "-"); "
                    return false
                }
                if v < lo || v > hi { detail += "\(family): \(v) not in \(lo)...\(hi); " }
                return v >= lo && v <= hi
            }
        }
        #expect(agreed, "interface figures of the paused guest differ from libvirt's: \(detail)")
    }

    @Test func domainWithHungMonitorIsTimedOutWhileOthersAreServed() throws {
        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)", "--libvirt.timeout=2s", "--log.level=debug"])
        defer { exporter.stop() }
        // A running guest: a paused one is asked only for state and interfaces between its
        // full refreshes (its other figures stand still), which need no monitor.
        let victim = Lab.guest("TRANSIENT")
        let qemu = try #require(Lab.state["LAB_PIDFILE_TRANSIENT"].flatMap { Lab.pidOf($0) })
        #expect(try exporter.metrics().value("libvirt_domain_timed_out", ["domain": victim]) == 0)
        // A stopped QEMU never answers its monitor: the first stats call takes the domain's job
        // and hangs, later ones find the job held.
        kill(qemu, SIGSTOP)
        var resumed = false
        defer { if !resumed { kill(qemu, SIGCONT) } }
        for round in 0..<3 {
            let r = try exporter.get("/metrics")
            #expect(r.seconds < 3.5, "scrape \(round) took \(r.seconds) s")
            let m = Exposition(r.body)
            #expect(m.value("libvirt_up") == 1, "round \(round); exporter log: \(exporter.log.suffix(3000))")
            #expect(m.value("libvirt_domain_timed_out", ["domain": victim]) == 1, "round \(round)")
            let run1 = ["domain": Lab.guest("RUN1"), "target_device": "vda"]
            #expect(
                m.value("libvirt_domain_block_stats_write_bytes_total", run1) != nil, "round \(round): other guests must still be served")
            #expect(
                m.value("libvirt_domain_timed_out", ["domain": Lab.guest("RUN2")]) == 0,
                "round \(round); exporter log: \(exporter.log.suffix(3000))")
        }
        // The hung statistics calls held the statistics connection alone: it was retired, the
        // control connection (domain list, metadata, events) never was. libvirt sends a
        // domain's calls over the connection its handle was listed on.
        let retirements = exporter.log.split(separator: "\n").filter { $0.contains("libvirt connection retired") }
        #expect(retirements.contains { $0.contains("lane=statistics") }, "log: \(exporter.log.suffix(3000))")
        #expect(!retirements.contains { $0.contains("lane=domains") }, "the control connection was retired: \(retirements)")
        kill(qemu, SIGCONT)
        resumed = true
        var flag = 1.0
        for _ in 0..<20 where flag != 0 {
            Thread.sleep(forTimeInterval: 1)
            flag = try exporter.metrics().value("libvirt_domain_timed_out", ["domain": victim]) ?? 1
        }
        #expect(flag == 0, "domain stayed timed out after its QEMU resumed")
    }
}
