import HVModel
import Testing

@testable import HVTop

/// A VM and a container may share a name: lookups by name then ask which one, and a UUID or
/// `driver:name` picks it, in `hvtop guest`, Zabbix keys and `hvtop check guests --running`.
struct GuestLookupTests {
    static let vmUUID = "55555555-5555-5555-5555-555555555555"

    /// The fixture pair's later sample plus a paused VM "twin" and a running container "twin",
    /// and an nspawn machine "Ct1" next to the LXC container "ct1".
    static func snapshot() -> Snapshot {
        var s = Fixtures.pair.1.snapshot
        s.hostname = "hv1"
        s.guests.append(Fixtures.vm("twin", uuid: vmUUID, state: .paused, cpu: 1))
        s.guests.append(Fixtures.container("twin", cpu: 2, usage: 1 << 20))
        var ns = Guest(name: "Ct1", uuid: nil, kind: .container, driver: "nspawn", state: .running)
        ns.persistent = nil
        s.guests.append(ns)
        return s
    }

    @Test func aSharedNameIsAmbiguous() throws {
        let s = Self.snapshot()
        guard case .ambiguous(let c) = GuestLookup.match(s, "twin") else {
            Issue.record("twin should be ambiguous"); return
        }
        #expect(c.map(\.driver) == ["qemu", "lxc-tools"])
        #expect(GuestLookup.find(s, "twin") == nil)
        let text = GuestLookup.ambiguous(s, "twin", c)
        #expect(text.contains("2 guests are named 'twin' on hv1"))
        #expect(text.contains("vm qemu \(Self.vmUUID) (paused) -> '\(Self.vmUUID)'"))
        #expect(text.contains("container lxc-tools - (running) -> 'lxc-tools:twin'"))
    }

    @Test(arguments: [
        (vmUUID, "qemu"), (vmUUID.uppercased(), "qemu"), ("qemu:twin", "qemu"), ("lxc-tools:twin", "lxc-tools"),
        ("web", "qemu"), ("ct1", "lxc-tools"), ("Ct1", "nspawn"), ("nspawn:Ct1", "nspawn"),
    ])
    func uuidOrDriverNamePicks(_ query: String, _ driver: String) throws {
        let g = try #require(GuestLookup.find(Self.snapshot(), query), "\(query)")
        #expect(g.driver == driver)
    }

    /// Two guests whose names differ in case only: the exact name picks, another case asks.
    @Test func caseInsensitiveOnlyWhenUnambiguous() {
        let s = Self.snapshot()
        guard case .ambiguous(let c) = GuestLookup.match(s, "CT1") else { Issue.record("CT1"); return }
        #expect(c.count == 2)
        #expect(GuestLookup.find(s, "WEB")?.name == "web")
        guard case .none = GuestLookup.match(s, "ghost") else { Issue.record("ghost"); return }
    }

    @Test func zabbixKeysRefuseAnAmbiguousNameAndTakeAUUIDOrDriverName() throws {
        let s = Self.snapshot()
        #expect {
            _ = try ZabbixGet.value("hv.guest.state[twin]", in: s)
        } throws: { error in
            let m = (error as? ZabbixError)?.message ?? ""
            return m.contains("2 guests are named 'twin'") && m.contains("lxc-tools:twin") && m.contains(Self.vmUUID)
        }
        #expect(try ZabbixGet.value("hv.guest.state[\(Self.vmUUID)]", in: s) == "3")
        #expect(try ZabbixGet.value("hv.guest.state[\"lxc-tools:twin\"]", in: s) == "1")
        #expect(try ZabbixGet.value("hv.guest.state[qemu:twin]", in: s) == "3")
        // Rate keys resolve the same way.
        let before = RateCache.entry(Fixtures.pair.0.snapshot)
        let (k, item) = try ZabbixGet.resolve("hv.guest.cpu.util[twin]")
        #expect {
            _ = try ZabbixGet.rate(k, item, now: s, before: before)
        } throws: { error in (error as? ZabbixError)?.message.contains("2 guests are named 'twin'") == true }
    }

    @Test func checkGuestsRunningWithAnAmbiguousNameIsUnknown() {
        let s = Self.snapshot()
        var o = HostCheck.Options()
        o.running = ["twin"]
        let r = HostCheck(.guests, options: o).guests(s)
        #expect(r.status == .unknown)
        #expect(r.summary.contains("twin is ambiguous") && r.summary.contains("lxc-tools:twin") && r.summary.contains(Self.vmUUID))
        // Named by driver:name: the container runs, so OK; the VM is paused: CRITICAL.
        o.running = ["lxc-tools:twin"]
        #expect(HostCheck(.guests, options: o).guests(s).status == .ok)
        o.running = ["qemu:twin"]
        let vm = HostCheck(.guests, options: o).guests(s)
        #expect(vm.status == .critical && vm.summary.contains("twin is paused, expected running"))
        // A definite problem still outranks the doubt, named before or after it.
        o.running = ["twin", "ghost"]
        #expect(HostCheck(.guests, options: o).guests(s).status == .critical)
        o.running = ["ghost", "twin"]
        #expect(HostCheck(.guests, options: o).guests(s).status == .critical)
    }

    /// A guest whose state libvirt did not give this scrape (`nostate`: no statistics record,
    /// no earlier figures) is not known to be down: UNKNOWN, not CRITICAL; a guest really down
    /// beside it still makes it CRITICAL.
    @Test func checkGuestsRunningWithAnUnknownStateIsUnknown() {
        var s = Self.snapshot()
        var g = Fixtures.vm("asleep", uuid: "3c2b1a00-0000-4000-8000-000000000001", state: .nostate, cpu: 1)
        g.timedOut = true
        s.guests.append(g)
        var o = HostCheck.Options()
        o.running = ["asleep"]
        let r = HostCheck(.guests, options: o).guests(s)
        #expect(r.status == .unknown, "\(r.summary)")
        #expect(r.summary.contains("asleep's state is not known"))
        o.running = ["asleep", "qemu:twin"]
        #expect(HostCheck(.guests, options: o).guests(s).status == .critical)
    }
}
