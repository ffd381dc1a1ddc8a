import Foundation
import Glibc
import LabSupport
import Testing

/// The shipped Zabbix template on a real Zabbix 6.0 server (Debian 12's packages, started by
/// scripts/lab/zabbix-up.sh): imported through the API exactly as shipped, linked to a host
/// whose agent runs the shipped UserParameters against a real hv-exporter on the lab. Asserted
/// through the API: the import succeeds, discovery finds the lab's guests, no item is
/// unsupported, values agree with hv-exporter, "paused for" fires only after its window, and a
/// stopped exporter raises one "no data" problem (nothing about libvirt) that clears on restart.
///
/// Intervals are lowered with host macros (snapshot and discovery 10 s, nodata 30 s, paused 40 s)
/// so the whole test takes about three minutes.
@Suite(.serialized)
struct ZabbixServerTests {
    static let hostName = "hv-lab-zabbix-test"
    static let agentPort = Int(ProcessInfo.processInfo.environment["LAB_ZABBIX_AGENT_PORT"] ?? "") ?? 10150
    static let pausedSeconds = 40
    static let intervalSeconds = 10

    @Test(.lab(.root, .libvirtdAnswering, .guestsListed, .containerRunning), .zabbix, .timeLimit(.minutes(8)))
    func templateImportsDiscoversAndRaisesTheRightProblems() throws {
        let api = try ZabbixAPI.login()

        // 1. The template as shipped imports (Zabbix 6.0 rejected it whole before: an error
        //    handler on JavaScript steps).
        let yaml = try String(contentsOf: Lab.root.appendingPathComponent("packaging/zabbix/template_hvexporter.yaml"), encoding: .utf8)
        let all: [String: Any] = ["createMissing": true, "updateExisting": true]
        let imported = try api.call(
            "configuration.import",
            [
                "format": "yaml", "source": yaml,
                "rules": [
                    "groups": ["createMissing": true], "templates": all, "items": all, "discoveryRules": all,
                    "triggers": all, "valueMaps": all, "graphs": all, "templateDashboards": all,
                ],
            ])
        #expect(imported as? Bool == true, "configuration.import: \(imported)")
        let template = try #require(try api.get("template.get", ["filter": ["host": ["HV exporter by Zabbix agent"]]]).first)

        // 2. A real exporter and a real agent with the shipped UserParameters (run as user zabbix).
        var exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)"])
        defer { exporter.stop() }
        let port = exporter.port
        let agent = try ZabbixTestAgent(port: Self.agentPort, hvtop: Hvtop.binary.path, url: "http://127.0.0.1:\(port)")
        defer { agent.stop() }

        // 3. The host: agent interface, template linked, short intervals through its macros.
        try deleteHost(api)
        let group = try #require(try api.get("hostgroup.get", ["filter": ["name": ["Linux servers"]]]).first)
        let created =
            try api.call(
                "host.create",
                [
                    "host": Self.hostName, "groups": [["groupid": group["groupid"]!]],
                    "templates": [["templateid": template["templateid"]!]],
                    "interfaces": [["type": 1, "main": 1, "useip": 1, "ip": "127.0.0.1", "dns": "", "port": String(Self.agentPort)]],
                    "macros": [
                        ["macro": "{$HV.SNAPSHOT.INTERVAL}", "value": "\(Self.intervalSeconds)s"],
                        ["macro": "{$HV.DISCOVERY.INTERVAL}", "value": "\(Self.intervalSeconds)s"],
                        ["macro": "{$HV.NODATA.TIME}", "value": "30s"],
                        ["macro": "{$HV.GUEST.PAUSED.TIME}", "value": "\(Self.pausedSeconds)s"],
                    ],
                ]) as? [String: Any]
        let hostID = try #require((created?["hostids"] as? [String])?.first)
        defer { try? deleteHost(api) }

        // 4. Discovery: the guests Zabbix made items for are the lab's (virsh list --all plus
        //    the LXC container), and every state item has a value.
        //    The lab is shared (other tests may redefine a guest meanwhile): the lab's list is
        //    read again at each poll, and items of guests that left (lost) are not counted.
        var expected = Set<String>()
        var stateItems: [[String: Any]] = []
        let discovered = try Poll.until(timeout: .seconds(150), every: .seconds(3)) {
            let (rc, names) = try Lab.run(["virsh", "-c", Lab.uri, "list", "--all", "--name"])
            guard rc == 0 else { return false }
            expected = Set(names.split(separator: "\n").map { String($0) }.filter { !$0.isEmpty } + [Lab.state["LAB_LXC_NAME"] ?? "hv-ct1"])
            expected.formUnion(try runningLXDContainers())
            stateItems = try api.get(
                "item.get",
                [
                    "hostids": hostID, "search": ["key_": "hv.guest.state["], "output": ["key_", "name", "lastclock", "lastvalue"],
                    "selectItemDiscovery": ["ts_delete"],
                ]
            ).filter { !isLost($0) }
            return Set(stateItems.map(guestName)) == expected && stateItems.allSatisfy { ($0["lastclock"] as? String ?? "0") != "0" }
        }
        #expect(discovered, "discovered \(stateItems.map(guestName).sorted()), lab \(expected.sorted())")

        // Rates need two values: wait for the CPU use of a running guest.
        let json = try snapshot(exporter)
        let guests = json["guests"] as? [[String: Any]] ?? []
        func key(_ name: String) -> String { guests.first { $0["name"] as? String == name }?["key"] as? String ?? "?" }
        let run1 = key(Lab.guest("RUN1"))
        let paused = key(Lab.guest("PAUSED"))
        let rated = try Poll.until(timeout: .seconds(60), every: .seconds(3)) {
            try item(api, hostID, "hv.guest.cpu.util[\(run1)]")?["lastclock"] as? String ?? "0" != "0"
        }
        #expect(rated, "no CPU use for \(Lab.guest("RUN1"))")

        // 5. No unsupported item (each listed with its error), no unknown trigger.
        let unsupported = try unsupportedItems(api, hostID, exporter)
        #expect(unsupported.isEmpty, "unsupported: \(unsupported)")
        let unknown = try api.get(
            "trigger.get",
            [
                "hostids": hostID, "filter": ["state": 1], "output": ["description", "error"],
                "selectItems": ["itemid"],
            ])
        let lostIDs = Set(
            try api.get("item.get", ["hostids": hostID, "output": ["itemid"], "selectItemDiscovery": ["ts_delete"]])
                .filter(isLost).compactMap { $0["itemid"] as? String })
        let unknownOfLiveGuests = unknown.filter { t in
            !((t["items"] as? [[String: Any]]) ?? []).contains { lostIDs.contains($0["itemid"] as? String ?? "") }
        }
        #expect(
            unknownOfLiveGuests.isEmpty,
            "triggers in unknown state: \(unknownOfLiveGuests.map { "\($0["description"]!): \($0["error"]!)" })")
        // Every discovery rule ran without error (an invalid prototype would be reported here).
        let rules = try api.get("discoveryrule.get", ["hostids": hostID, "output": ["key_", "state", "error", "type"]])
        #expect(rules.count == 5, "discovery rules: \(rules.map { $0["key_"]! })")
        // Discovery is dependent on the snapshot (type 18): no agent call of its own.
        #expect(
            rules.allSatisfy { $0["type"] as? String == "18" }, "rules not dependent: \(rules.map { "\($0["key_"]!): \($0["type"]!)" })")
        let failedRules = rules.filter { ($0["state"] as? String) != "0" || !(($0["error"] as? String) ?? "").isEmpty }
        #expect(failedRules.isEmpty, "discovery rules with errors: \(failedRules.map { "\($0["key_"]!): \($0["error"]!)" })")

        // Containers get no VM-only items (override by {#KIND}).
        for c in guests where c["kind"] as? String == "container" {
            let k = c["key"] as? String ?? ""
            let vmOnly = try api.get("item.get", ["hostids": hostID, "search": ["key_": "[\(k)]"], "output": ["key_"]])
                .compactMap { $0["key_"] as? String }
                .filter {
                    $0.hasPrefix("hv.guest.cpu.steal[") || $0.hasPrefix("hv.guest.vcpus[") || $0.hasPrefix("hv.guest.persistent[")
                        || $0.hasPrefix("hv.guest.memory.usable[")
                }
            #expect(vmOnly.isEmpty, "VM-only items on container \(k): \(vmOnly)")
        }

        // Each kind gets its own CPU and network figures: a VM's CPU threshold is relative to
        // its vCPUs (vCPU utilization), a container's traffic is its network namespace's.
        let container = try #require(guests.first { $0["kind"] as? String == "container" }?["key"] as? String)
        let vcpuUtil = try Poll.until(timeout: .seconds(60), every: .seconds(3)) {
            try item(api, hostID, "hv.guest.cpu.vcpu_util[\(run1)]")?["lastclock"] as? String ?? "0" != "0"
                && item(api, hostID, "hv.guest.ct.net.rx.bytes.rate[\(container)]")?["lastclock"] as? String ?? "0" != "0"
        }
        #expect(vcpuUtil, "no vCPU utilization for \(Lab.guest("RUN1")) or no network rate for \(container)")
        #expect(try item(api, hostID, "hv.guest.ct.net.rx.bytes.rate[\(run1)]") == nil, "container-only item on a VM")
        #expect(try item(api, hostID, "hv.guest.cpu.vcpu_util[\(container)]") == nil, "VM-only item on a container")
        let vmTriggers = try api.get(
            "trigger.get", ["hostids": hostID, "search": ["description": Lab.guest("RUN1")], "output": ["description"]]
        ).compactMap { $0["description"] as? String }
        #expect(vmTriggers.contains { $0.contains("vCPUs busy") }, "\(vmTriggers)")
        #expect(!vmTriggers.contains { $0.hasPrefix("Container ") }, "\(vmTriggers)")

        // Graphs from the prototypes, by kind, and the template dashboard of graph prototypes.
        let graphs = try api.get("graph.get", ["hostids": hostID, "output": ["name"]]).compactMap { $0["name"] as? String }
        let run1Name = Lab.guest("RUN1")
        let ctName = guests.first { $0["key"] as? String == container }?["name"] as? String ?? "?"
        for expected in [
            "Guest \(run1Name): CPU utilization", "Guest \(run1Name): vCPUs busy and steal", "Guest \(run1Name): Memory used",
            "Guest \(ctName): CPU utilization", "Guest \(ctName): Network traffic",
        ] {
            #expect(graphs.contains(expected), "no graph '\(expected)' in \(graphs.sorted())")
        }
        #expect(graphs.contains { $0.hasPrefix("Guest \(run1Name) disk ") && $0.hasSuffix(": I/O") }, "\(graphs.sorted())")
        #expect(graphs.contains { $0.hasPrefix("Guest \(run1Name) interface ") && $0.hasSuffix(": Traffic") }, "\(graphs.sorted())")
        #expect(!graphs.contains("Guest \(run1Name): Network traffic"))
        #expect(!graphs.contains("Guest \(ctName): vCPUs busy and steal"))
        let dashboards = try api.get(
            "templatedashboard.get", ["templateids": template["templateid"]!, "output": ["name"], "selectPages": "extend"])
        let widgets = dashboards.flatMap { ($0["pages"] as? [[String: Any]] ?? []).flatMap { $0["widgets"] as? [[String: Any]] ?? [] } }
        #expect(dashboards.count == 1 && widgets.count == 7, "template dashboards: \(dashboards)")
        #expect(
            widgets.allSatisfy { w in (w["fields"] as? [[String: Any]] ?? []).contains { $0["name"] as? String == "graphid" } },
            "widgets without a graph prototype: \(widgets)")

        // 6. Values agree with hv-exporter (figures that do not move between two snapshots).
        #expect(try value(api, hostID, "hv.libvirt.up") == 1)
        #expect(try value(api, hostID, "hv.guests.count") == Double(guests.count))
        #expect(try value(api, hostID, "hv.guest.state[\(paused)]") == 3)
        #expect(try value(api, hostID, "hv.guest.state[\(run1)]") == 1)
        let run1Memory = guests.first { $0["key"] as? String == run1 }?["memory_bytes"] as? Double
        #expect(try value(api, hostID, "hv.guest.memory[\(run1)]") == run1Memory)
        #expect(try value(api, hostID, "hv.guest.vcpus[\(key(Lab.guest("RUN2")))]") == Double(Lab.state["LAB_VCPUS_RUN2"] ?? ""))
        #expect(try value(api, hostID, "hv.host.cpus") == (json["host"] as? [String: Any])?["cpus"] as? Double)

        // 7. "Paused for 40s" fires for the paused guest, and not before its state item has
        //    been paused for the whole window (it fired at once for every paused guest before).
        let pausedItem = try #require(try item(api, hostID, "hv.guest.state[\(paused)]")?["itemid"])
        let history = try api.get(
            "history.get", ["history": 3, "itemids": pausedItem, "sortfield": "clock", "sortorder": "ASC", "limit": 1, "output": "extend"])
        let firstPaused = try #require(history.first.flatMap { Double($0["clock"] as? String ?? "") })
        var pausedProblem: [String: Any]?
        let fired = try Poll.until(timeout: .seconds(120), every: .seconds(3)) {
            pausedProblem = try problems(api, hostID).first {
                ($0["name"] as? String ?? "").contains("\(Lab.guest("PAUSED")) has been paused")
            }
            return pausedProblem != nil
        }
        let seen = try problems(api, hostID).compactMap { $0["name"] as? String }
        #expect(fired, "no paused problem for \(Lab.guest("PAUSED")): \(seen)")
        if let clock = Double(pausedProblem?["clock"] as? String ?? "") {
            #expect(
                clock - firstPaused >= Double(Self.pausedSeconds - Self.intervalSeconds),
                "paused problem \(clock - firstPaused) s after the first paused value (window \(Self.pausedSeconds) s)")
        }
        let before = try problems(api, hostID).compactMap { $0["name"] as? String }
        #expect(!before.contains { $0.contains("has been paused") && ($0.contains(Lab.guest("RUN1")) || $0.contains(Lab.guest("RUN2"))) })

        // 8. The exporter stops: one "no data from hv-exporter" problem, the master item
        //    unsupported with hvtop's message naming the cause, nothing about libvirt, and the
        //    guest problems stay (they depend on the "no data" one).
        exporter.stop()
        var during: [String] = []
        let noData = try Poll.until(timeout: .seconds(120), every: .seconds(3)) {
            during = try problems(api, hostID).compactMap { $0["name"] as? String }
            return during.contains { $0.contains("no data from hv-exporter") }
        }
        #expect(noData, "no 'no data' problem after stopping hv-exporter: \(during)")
        // A few more evaluations: nothing else may come up meanwhile.
        Thread.sleep(forTimeInterval: Double(Self.intervalSeconds * 2))
        during = try problems(api, hostID).compactMap { $0["name"] as? String }
        #expect(during.filter { $0.contains("no data from hv-exporter") }.count == 1, "\(during)")
        #expect(!during.contains { $0.localizedCaseInsensitiveContains("libvirt") }, "\(during)")
        #expect(
            Set(during).subtracting(before) == Set(during.filter { $0.contains("no data from hv-exporter") }),
            "problems raised besides 'no data': \(Set(during).subtracting(before))")
        #expect(Set(before).isSubset(of: Set(during)), "problems resolved while no data came: \(Set(before).subtracting(during))")
        let master = try item(api, hostID, "hv.snapshot")
        #expect(
            master?["state"] as? String == "1" && (master?["error"] as? String ?? "").contains("cannot reach hv-exporter"),
            "master item: \(master ?? [:])")

        // 9. Restarted on the same port: the "no data" problem clears, the master item is
        //    supported again, still nothing about libvirt.
        exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)", "--web.listen-address=127.0.0.1:\(port)"])
        try #require(exporter.port == port, "restarted exporter on port \(exporter.port), not \(port)")
        var after: [String] = []
        let recovered = try Poll.until(timeout: .seconds(120), every: .seconds(3)) {
            after = try problems(api, hostID).compactMap { $0["name"] as? String }
            let state = try item(api, hostID, "hv.snapshot")?["state"] as? String
            return !after.contains { $0.contains("no data from hv-exporter") } && state == "0"
        }
        #expect(recovered, "after restart: \(after)")
        #expect(!after.contains { $0.localizedCaseInsensitiveContains("libvirt") }, "\(after)")
        let stillUnsupported = try unsupportedItems(api, hostID, exporter)
        #expect(stillUnsupported.isEmpty, "unsupported after recovery: \(stillUnsupported)")
    }

    // MARK: helpers

    /// The guest name of a "Guest NAME: State" item.
    private func guestName(_ item: [String: Any]) -> String {
        let name = item["name"] as? String ?? ""
        guard name.hasPrefix("Guest "), name.hasSuffix(": State") else { return name }
        return String(name.dropFirst(6).dropLast(7))
    }

    /// An item whose entity discovery no longer finds (a guest that left): Zabbix keeps it
    /// until the rule's lifetime ends.
    private func isLost(_ item: [String: Any]) -> Bool {
        let d = item["itemDiscovery"] as? [String: Any]
        return (d?["ts_delete"] as? String ?? "0") != "0"
    }

    /// "key: error" of the unsupported items, except those of guests that left the host (the lab
    /// is shared: another test may redefine a guest) and say so: discovery marked them lost, or
    /// their guest is not in hv-exporter's snapshot any more.
    private func unsupportedItems(_ api: ZabbixAPI, _ hostID: String, _ exporter: ExporterProcess) throws -> [String] {
        let keys = Set(((try snapshot(exporter)["guests"] as? [[String: Any]]) ?? []).compactMap { $0["key"] as? String })
        return try api.get(
            "item.get", ["hostids": hostID, "filter": ["state": 1], "output": ["key_", "error"], "selectItemDiscovery": ["ts_delete"]]
        )
        .filter { item in
            let key = item["key_"] as? String ?? ""
            let left = isLost(item) || !keys.contains { key.hasSuffix("[\($0)]") }
            return !(left && (item["error"] as? String ?? "").contains("no longer on this host"))
        }
        .map { "\($0["key_"] as? String ?? ""): \($0["error"] as? String ?? "")" }
    }

    /// Running LXD containers, as hv-exporter names them ("project/name" outside the default
    /// project); none when LXD is not part of this lab (it is optional: LAB_WITH_LXD=1).
    private func runningLXDContainers() throws -> [String] {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/lxc") else { return [] }
        let (rc, out) = try Lab.run(["timeout", "20", "lxc", "list", "--all-projects", "-f", "csv", "-c", "ens"])
        guard rc == 0 else { return [] }
        return out.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 3, f[2] == "RUNNING" else { return nil }
            return f[0] == "default" ? f[1] : "\(f[0])/\(f[1])"
        }
    }

    private func deleteHost(_ api: ZabbixAPI) throws {
        let old = try api.get("host.get", ["filter": ["host": [Self.hostName]], "output": ["hostid"]])
        if !old.isEmpty { try api.call("host.delete", old.compactMap { $0["hostid"] }) }
    }

    private func item(_ api: ZabbixAPI, _ hostID: String, _ key: String) throws -> [String: Any]? {
        try api.get(
            "item.get",
            ["hostids": hostID, "filter": ["key_": [key]], "output": ["itemid", "key_", "state", "error", "lastclock", "lastvalue"]]
        ).first
    }

    private func value(_ api: ZabbixAPI, _ hostID: String, _ key: String) throws -> Double? {
        try item(api, hostID, key).flatMap { $0["lastvalue"] as? String }.flatMap(Double.init)
    }

    private func problems(_ api: ZabbixAPI, _ hostID: String) throws -> [[String: Any]] {
        try api.get("problem.get", ["hostids": hostID, "output": ["name", "clock", "severity", "objectid"]])
    }

    private func snapshot(_ exporter: ExporterProcess) throws -> [String: Any] {
        let r = try exporter.get("/json")
        guard r.status == 200, let obj = try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any] else {
            throw LabError("/json status \(r.status)")
        }
        return obj
    }
}

/// `zabbix_agentd -f` with the shipped UserParameters, on 127.0.0.1:`port`, reading the given
/// hv-exporter through the given hvtop (its environment: HVTOP, HVTOP_URL). As root it drops to
/// user zabbix, like a packaged agent.
final class ZabbixTestAgent: @unchecked Sendable {
    let process = Process()
    let directory: String

    init(port: Int, hvtop: String, url: String) throws {
        directory = NSTemporaryDirectory() + "hv-zabbix-agent-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let conf = """
            Server=127.0.0.1
            ServerActive=
            ListenIP=127.0.0.1
            ListenPort=\(port)
            Hostname=\(ZabbixServerTests.hostName)
            PidFile=\(directory)/zabbix_agentd.pid
            LogType=console
            Timeout=15
            StartAgents=3
            Include=\(Lab.root.path)/packaging/zabbix/userparameter_hvexporter.conf

            """
        try conf.write(toFile: directory + "/zabbix_agentd.conf", atomically: true, encoding: .utf8)
        try Lab.run(["chown", "-R", "zabbix:zabbix", directory])
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/zabbix_agentd")
        process.arguments = ["-f", "-c", directory + "/zabbix_agentd.conf"]
        var env = ProcessInfo.processInfo.environment
        env["HVTOP"] = hvtop
        env["HVTOP_URL"] = url
        process.environment = env
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let up = Poll.until(timeout: .seconds(20), every: .milliseconds(200)) {
            ((try? Spawn.run(["zabbix_get", "-s", "127.0.0.1", "-p", String(port), "-k", "agent.ping"], timeout: 10))?.1 ?? "")
                .trimmingCharacters(in: .whitespacesAndNewlines) == "1"
        }
        guard up else {
            stop()
            throw LabError("zabbix_agentd did not answer on 127.0.0.1:\(port) (another agent on that port? LAB_ZABBIX_AGENT_PORT)")
        }
    }

    /// SIGKILL to the agent and its children: started from the test process, it inherits a
    /// signal mask that blocks SIGTERM and SIGINT, so it would ignore `terminate()`.
    func stop() {
        if process.isRunning {
            let pid = process.processIdentifier
            for child in Self.children(of: pid) { kill(child, SIGKILL) }
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// PIDs whose parent is `pid` (/proc/PID/stat, field 4).
    static func children(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> Int32? in
            guard let p = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid ? p : nil
        }
    }

    deinit { stop() }
}
