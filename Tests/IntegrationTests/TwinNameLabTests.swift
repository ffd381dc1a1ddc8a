import Foundation
import Glibc
import LabSupport
import Testing

/// A VM named exactly like the lab's LXC container: a tiny TCG guest, defined and started
/// paused by this test (it never runs a guest instruction), destroyed and undefined at the end
/// even when the test fails. Against the real exporter: both guests are there, no series twice
/// (Prometheus would reject the scrape's later samples), and hvtop asks which one is meant.
/// Touches nothing of the lab but its own guest.
@Suite(.serialized, .lab(.libvirtdRunning, .containerRunning))
struct TwinNameLabTests {
    static var name: String { Lab.state["LAB_LXC_NAME"] ?? "hv-ct1" }
    static let title = "hvexporter twin-name test guest"

    static func xml(_ dir: String) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "'", with: "&apos;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        return """
            <domain type='qemu'>
              <name>\(esc(name))</name>
              <title>\(title)</title>
              <memory unit='MiB'>64</memory>
              <currentMemory unit='MiB'>64</currentMemory>
              <vcpu placement='static'>1</vcpu>
              <os>
                <type arch='x86_64' machine='pc'>hvm</type>
                <kernel>\(esc(Lab.state["LAB_KERNEL"] ?? ""))</kernel>
                <initrd>\(esc(Lab.state["LAB_INITRD"] ?? ""))</initrd>
                <cmdline>console=ttyS0 panic=-1</cmdline>
              </os>
              <clock offset='utc'/>
              <on_poweroff>destroy</on_poweroff>
              <on_crash>destroy</on_crash>
              <devices>
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
                <serial type='file'><source path='\(esc(dir))/console.log'/><target port='0'/></serial>
                <memballoon model='virtio'/>
              </devices>
            </domain>
            """
    }

    static func virsh(_ args: [String]) throws -> (Int32, String) {
        try Lab.run(["virsh", "-c", Lab.uri] + args)
    }

    /// Destroys and undefines the test's guest, only if it is ours (by its title).
    static func removeTwin() {
        guard let (rc, out) = try? virsh(["desc", "--title", "--", name]), rc == 0, out.contains(title) else { return }
        _ = try? virsh(["destroy", "--", name])
        _ = try? virsh(["undefine", "--", name])
    }

    @Test func aPausedVMNamedLikeTheLXCContainer() throws {
        // The container's cgroup exists, so it is running: the twin situation needs it.
        let ctCgroup = Lab.state["LAB_LXC_CGROUP"] ?? "/lxc.payload.\(Self.name)"
        try #require(
            FileManager.default.fileExists(atPath: "/sys/fs/cgroup" + ctCgroup)
                || FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified" + ctCgroup), "LXC container not running")
        Self.removeTwin()   // a leftover of an interrupted run
        let (lrc, list) = try Self.virsh(["list", "--all", "--name"])
        try #require(lrc == 0, "virsh list: \(list)")
        let taken = list.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == Self.name }
        try #require(!taken, "a domain named \(Self.name) that is not this test's exists")

        let dir = NSTemporaryDirectory() + "hv-twin-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let xmlPath = dir + "/twin.xml"
        try Self.xml(dir).write(toFile: xmlPath, atomically: true, encoding: .utf8)
        defer { Self.removeTwin() }
        let (drc, dout) = try Self.virsh(["define", xmlPath])
        try #require(drc == 0, "virsh define: \(dout)")
        let (src, sout) = try Self.virsh(["start", "--paused", "--", Self.name])
        try #require(src == 0, "virsh start --paused: \(sout)")

        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)"])
        defer { exporter.stop() }
        // Both guests, each with its host-side figures (the VM's QEMU found by the mapper).
        var m = try exporter.metrics()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let drivers = Set(
                m.samples.filter { $0.name == "hv_guest_processes" && $0.labels["guest"] == Self.name }.compactMap { $0.labels["driver"] })
            if drivers == ["qemu", "lxc-tools"] { break }
            Thread.sleep(forTimeInterval: 0.5)
            m = try exporter.metrics()
        }
        let info = m.samples.filter { $0.name == "hv_guest_info" && $0.labels["guest"] == Self.name }
        #expect(
            Set(info.map { "\($0.labels["kind"]!)/\($0.labels["driver"]!)/\($0.labels["state"]!)" })
                == ["vm/qemu/paused", "container/lxc-tools/running"], "\(info)")
        let processes = m.samples.filter { $0.name == "hv_guest_processes" && $0.labels["guest"] == Self.name }
        #expect(Set(processes.compactMap { $0.labels["driver"] }) == ["qemu", "lxc-tools"])
        #expect(m.value("libvirt_domain_info_vstate", ["domain": Self.name]) == 3)
        #expect(m.value("hv_guests_name_conflicts") == 0)

        // No series twice in the whole exposition (name + label set, whatever the order).
        var seen = Set<String>()
        var twice: [String] = []
        for s in m.samples {
            let id = s.name + "{" + s.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            if !seen.insert(id).inserted { twice.append(id) }
        }
        #expect(twice.isEmpty, "duplicate series: \(twice)")
        #expect(m.samples.count > 100)

        // hvtop asks which one; a UUID or driver:name picks.
        let url = "http://127.0.0.1:\(exporter.port)"
        let (arc, aout) = try Spawn.run([Hvtop.binary.path, "guest", "--url", url, Self.name])
        #expect(arc == 3, "hvtop guest \(Self.name): \(aout)")
        #expect(aout.contains("2 guests are named") && aout.contains("hvtop guest lxc-tools:\(Self.name)"), "\(aout)")
        let (urc, uuid) = try Self.virsh(["domuuid", "--", Self.name])
        try #require(urc == 0)
        let u = uuid.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(aout.contains("vm qemu \(u) (paused)"), "\(aout)")
        let (vrc, vout) = try Spawn.run([Hvtop.binary.path, "guest", "--url", url, u])
        #expect(vrc == 0 && vout.contains("paused"), "\(vout)")
        let (crc, cout) = try Spawn.run([Hvtop.binary.path, "guest", "--url", url, "lxc-tools:\(Self.name)"])
        #expect(crc == 0 && cout.contains("container"), "\(cout)")
    }
}
