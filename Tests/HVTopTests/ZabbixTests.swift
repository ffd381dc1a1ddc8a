import Foundation
import HVModel
import Testing

@testable import HVTop

struct ZabbixTests {
    @Test(arguments: [
        ("hv.libvirt.up", "hv.libvirt.up", [String]()),
        ("hv.guest.state[vm1]", "hv.guest.state", ["vm1"]),
        ("hv.guest.disk.read.bytes[vm1,vda]", "hv.guest.disk.read.bytes", ["vm1", "vda"]),
        ("hv.guest.state[ vm1]", "hv.guest.state", ["vm1"]),
        ("hv.guest.state[\"a, b]\"]", "hv.guest.state", ["a, b]"]),
        ("hv.guest.state[\"say \\\"hi\\\"\" ,x]", "hv.guest.state", ["say \"hi\"", "x"]),
        ("hv.guests.count[]", "hv.guests.count", [""]),
        ("k[a,,b]", "k", ["a", "", "b"]),
        ("hv.guest.state[we\"ird\\ name ü]", "hv.guest.state", ["we\"ird\\ name ü"]),
    ])
    func keysParse(_ text: String, _ name: String, _ params: [String]) throws {
        let k = try ZabbixKey(parsing: text)
        #expect(k.name == name)
        #expect(k.params == params)
        // Printing and parsing again gives the same key.
        #expect(try ZabbixKey(parsing: k.description) == k)
    }

    @Test(arguments: ["", "[x]", "a b", "k[x", "k[x]y", "k[\"x]", "k[\"x\"y]", "k[[a,b]]", "k]"])
    func badKeysAreRejected(_ text: String) {
        #expect(throws: ZabbixKeyError.self) { try ZabbixKey(parsing: text) }
    }

    @Test func discoveryIsAPlainArrayOfMacroObjects() throws {
        let (_, b) = Fixtures.pair
        var s = b.snapshot
        s.guests.append(Fixtures.vm("we\"ird\\ name ü", uuid: "55555555-5555-5555-5555-555555555555", cpu: 1))
        s.mdArrays = [Fixtures.md("md0", members: [("sda1", ["in_sync"], 0), ("sdb1", ["in_sync"], 1)])]
        s.storagePools = [Fixtures.pool("default")]
        for what in ZabbixDiscovery.allCases {
            let text = what.json(s)
            let any = try JSONSerialization.jsonObject(with: Data(text.utf8))
            let array = try #require(any as? [[String: String]], "\(what) must be an array of string objects: \(text)")
            #expect(!array.isEmpty)
            for e in array {
                #expect(Set(e.keys) == Set(what.macros), "\(what): \(e.keys.sorted())")
                #expect(e.keys.allSatisfy { $0.hasPrefix("{#") && $0.hasSuffix("}") })
            }
        }
        let guests = try #require(try JSONSerialization.jsonObject(with: Data(ZabbixDiscovery.guests.json(s).utf8)) as? [[String: String]])
        #expect(guests.contains { $0["{#GUEST}"] == "we\"ird\\ name ü" && $0["{#UUID}"] == "55555555-5555-5555-5555-555555555555" })
        #expect(guests.contains { $0["{#GUEST}"] == "ct1" && $0["{#KEY}"] == "lxc-tools:ct1" && $0["{#KIND}"] == "container" })
        #expect(ZabbixDiscovery.guests.json(Snapshot()) == "[]")
    }

    @Test func valueKeys() throws {
        let (_, b) = Fixtures.pair
        var s = b.snapshot
        s.mdArrays = [
            Fixtures.md("md0", degraded: 1, members: [("sda1", ["in_sync"], 0)]),
            Fixtures.md("md1", members: [("sdc1", ["in_sync"], 0), ("sdd1", ["in_sync"], 1)]),
        ]
        s.storagePools = [Fixtures.pool("default", capacity: 1000, allocation: 250)]
        let cases: [(String, String)] = [
            ("hv.libvirt.up", "1"),
            ("hv.guests.count", "5"),
            ("hv.guests.count[running]", "3"),
            ("hv.guests.count[shutoff]", "1"),
            ("hv.guest.state[web]", "1"),
            ("hv.guest.state[idle]", "3"),
            ("hv.guest.state[11111111-1111-1111-1111-111111111111]", "1"),
            ("hv.guest.state.text[off]", "shutoff"),
            ("hv.guest.persistent[web]", "1"),
            ("hv.guest.memory[web]", "1073741824"),
            ("hv.guest.memory.rss[db]", "1572864000"),
            ("hv.guest.memory.rss[ct1]", "67108864"),
            ("hv.guest.cpu.time[db]", "515"),
            ("hv.guest.disk.read.bytes[web,vda]", "11000"),
            ("hv.guest.net.rx.bytes[web,vnet-web]", "10100"),
            ("hv.guest.net.rx.bytes[web,52:54:00:00:00:01]", "10100"),
            ("hv.guest.job.active[web]", "0"),
            ("hv.guest.job.progress[web]", "0"),
            ("hv.guest.processes[ct1]", "3"),
            ("hv.md.degraded[md0]", "1"),
            ("hv.md.degraded[/dev/md1]", "0"),
            ("hv.md.status[md0]", "2"),
            ("hv.md.sync.progress[md1]", "100"),
            ("hv.pool.available[default]", "750"),
            ("hv.pool.used.pct[default]", "25"),
            ("hv.pool.state[default]", "2"),
            ("hv.host.vcpu.overcommit", "0.5"),
            ("hv.collector.success[libvirt]", "1"),
            ("hv.collector.success[nope]", "0"),
        ]
        for (key, expected) in cases {
            #expect(try ZabbixGet.value(key, in: s) == expected, "\(key)")
        }
    }

    @Test(arguments: [
        ("hv.guest.state[nope]", "no guest 'nope'"),
        ("hv.guest.disk.read.bytes[web,vdz]", "has no disk 'vdz'"),
        ("hv.guest.state", "takes parameters [NAME], got 0"),
        ("hv.guest.state[a,b]", "got 2"),
        ("hv.nothing", "unknown key"),
        ("hv.md.degraded[md9]", "no md array 'md9'"),
        ("hv.guests.count[sleepy]", "unknown state"),
        ("hv.guest.cpu.util[web]", "is a rate"),
    ])
    func keyErrorsSayWhy(_ key: String, _ fragment: String) {
        let (_, b) = Fixtures.pair
        #expect {
            _ = try ZabbixGet.value(key, in: b.snapshot)
        } throws: { error in
            (error as? ZabbixError)?.message.contains(fragment) == true
        }
    }

    @Test func snapshotKeyIsTheWholeJSON() throws {
        let (_, b) = Fixtures.pair
        let text = try ZabbixGet.value("hv.snapshot", in: b.snapshot)
        let back = try SnapshotDecoder.decode(Array(text.utf8))
        #expect(back.guests.map(\.name) == b.snapshot.guests.map(\.name))
    }

    @Test func catalogKeysAreUniqueAndDocumented() throws {
        let names = ZabbixItem.catalog.map(\.name)
        #expect(Set(names).count == names.count)
        // Every key has a UserParameter line in the shipped agent configuration, and every
        // line calls a known key.
        let conf = try String(
            contentsOf: Repo.root.appendingPathComponent("packaging/zabbix/userparameter_hvexporter.conf"), encoding: .utf8)
        let defined = conf.split(separator: "\n").filter { $0.hasPrefix("UserParameter=") }.map { line in
            String(line.dropFirst("UserParameter=".count).prefix { $0 != "," && $0 != "[" })
        }
        #expect(Set(defined) == Set(names + ["hv.discovery"]))
        let doc = try String(contentsOf: Repo.root.appendingPathComponent("docs/zabbix.md"), encoding: .utf8)
        for item in ZabbixItem.catalog {
            #expect(doc.contains("`\(item.keyPattern)`"), "docs/zabbix.md lacks \(item.keyPattern)")
        }
    }
}

enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
