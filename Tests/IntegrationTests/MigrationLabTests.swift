import Foundation
import Glibc
import LabSupport
import Testing

/// `hvtop check migratable` against the lab's migration peer (scripts/lab/peer-up.sh,
/// qemu+tcp://10.98.0.2/system), and hv_guest_migration_blocker from the real exporter:
/// guests defined (never started) on the lab's libvirtd with each blocker libvirt lets us
/// define, a UUID twin and a name clash defined on the peer, a target that refuses and one
/// that never answers. Every object is named hvmig-it-* and removed at the end, also when a
/// test fails; the lab's own guests are only read.
@Suite(.serialized, .lab(.libvirtdRunning))
struct MigrationLabTests {
    static let peer = "qemu+tcp://10.98.0.2/system"
    static let title = "hvexporter migration-safety integration test guest"
    static let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hvmig-it").path

    static var peerAnswers: Bool {
        ((try? Spawn.run(["/usr/bin/env", "virsh", "-c", peer, "version"], timeout: 15))?.0 ?? 1) == 0
    }

    /// One shut-off test guest: its name (hvmig-it-KEY), UUID, the XML inside <devices>, and
    /// what goes next to <os>.
    struct Spec {
        let key: String
        let uuidSuffix: String
        var devices = ""
        var top = "<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>"
        var memoryMiB = 64
        var name: String { "hvmig-it-\(key)" }
        var uuid: String { "6d1a0000-0000-4000-9000-0000000000\(uuidSuffix)" }

        func xml(uuid override: String? = nil) -> String {
            """
            <domain type='qemu'>
              <name>\(name)</name>
              <uuid>\(override ?? uuid)</uuid>
              <title>\(MigrationLabTests.title)</title>
              <memory unit='MiB'>\(memoryMiB)</memory>
              <vcpu placement='static'>1</vcpu>
              <os><type arch='x86_64' machine='pc'>hvm</type><kernel>\(Lab.state["LAB_KERNEL"] ?? "")</kernel></os>
              \(top)
              <devices>
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
                \(devices)
                <memballoon model='none'/>
              </devices>
            </domain>
            """
        }
    }

    static let specs: [Spec] = [
        Spec(key: "movable", uuidSuffix: "01"),
        Spec(
            key: "pci", uuidSuffix: "02",
            devices:
                "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source></hostdev>"
        ),
        Spec(
            key: "sriov", uuidSuffix: "03",
            devices:
                "<interface type='hostdev' managed='yes'><mac address='52:54:00:6d:1a:93'/><source><address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x1'/></source></interface>"
        ),
        Spec(
            key: "localdisk", uuidSuffix: "04",
            devices:
                "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='\(dir)/local.img'/><target dev='vda' bus='virtio'/></disk>"
        ),
        Spec(key: "passthrough", uuidSuffix: "05", top: "<cpu mode='host-passthrough'/>"),
        Spec(
            key: "badcpu", uuidSuffix: "06",
            top: "<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model><feature policy='require' name='avx512f'/></cpu>"),
        Spec(key: "bigmem", uuidSuffix: "07", memoryMiB: 200 * 1024),
        Spec(key: "twin", uuidSuffix: "08"),
        Spec(key: "clash", uuidSuffix: "09"),
        Spec(
            key: "shmem", uuidSuffix: "0a",
            devices: "<shmem name='hvmig-it-shm'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>"),
    ]

    static func virsh(_ uri: String, _ args: [String]) throws -> (Int32, String) {
        try Spawn.run(["/usr/bin/env", "virsh", "-c", uri] + args, timeout: 60)
    }

    /// Undefines the test's guests on both daemons, only those carrying the test's title.
    static func cleanUp() {
        for uri in [Lab.uri, peer] {
            for s in specs {
                guard let (rc, out) = try? virsh(uri, ["desc", "--title", "--", s.name]), rc == 0, out.contains(title) else { continue }
                _ = try? virsh(uri, ["destroy", "--", s.name])
                _ = try? virsh(uri, ["undefine", "--", s.name])
            }
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func define(_ uri: String, _ xml: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/\(UUID().uuidString).xml"
        try xml.write(toFile: file, atomically: true, encoding: .utf8)
        let (rc, out) = try virsh(uri, ["define", file])
        guard rc == 0 else { throw LabError("virsh define on \(uri): \(out)") }
    }

    /// `hvtop check migratable` with its exit code and output, and how long it took.
    static func check(_ args: [String]) throws -> (code: Int32, output: String, seconds: Double) {
        let start = Date()
        let (rc, out) = try Spawn.run(
            [Hvtop.binary.path, "check", "migratable", "--libvirt.uri", Lab.uri] + args, stderr: false, timeout: 60)
        return (rc, out, Date().timeIntervalSince(start))
    }

    @Test(.enabled(if: peerAnswers, "needs the lab's migration peer: scripts/lab/peer-up.sh"))
    func preflightAgainstThePeer() throws {
        Self.cleanUp()
        defer { Self.cleanUp() }
        try FileManager.default.createDirectory(atPath: Self.dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: Self.dir + "/local.img", contents: Data(count: 1 << 20))
        for s in Self.specs { try Self.define(Lab.uri, s.xml()) }
        let twin = Self.specs.first { $0.key == "twin" }!
        let clash = Self.specs.first { $0.key == "clash" }!
        try Self.define(Self.peer, twin.xml())
        _ = try Self.virsh(Self.peer, ["autostart", twin.name])
        try Self.define(Self.peer, clash.xml(uuid: "6d1a0000-0000-4000-9000-0000000000ff"))

        func run(_ key: String, _ extra: [String] = ["--cpu-read-write"]) throws -> (Int32, String) {
            let r = try Self.check(["hvmig-it-\(key)", "--to", Self.peer] + extra)
            return (r.code, r.output)
        }
        var (rc, out) = try run("movable")
        #expect(rc == 0, "\(out)")
        #expect(out.hasPrefix("HV MIGRATABLE OK - hvmig-it-movable can migrate to "))
        #expect(out.contains("OK: CPU: target can run the guest CPU"))
        // Read-only, the target refuses the CPU comparison: said, not judged.
        (rc, out) = try run("movable", [])
        #expect(rc == 0 && out.contains("only on a read-write connection"), "\(out)")

        (rc, out) = try run("pci")
        #expect(rc == 2 && out.contains("blocked by hostdev_pci (0000:06:12.5)"), "\(out)")
        (rc, out) = try run("sriov")
        #expect(rc == 2 && out.contains("blocked by sriov_interface (0000:03:10.1"), "\(out)")
        (rc, out) = try run("shmem")
        #expect(rc == 2 && out.contains("blocked by shared_memory (hvmig-it-shm)"), "\(out)")
        (rc, out) = try run("localdisk")
        #expect(rc == 1 && out.contains("disk on local storage, needs --copy-storage-all: vda \(Self.dir)/local.img"), "\(out)")
        (rc, out) = try run("passthrough")
        #expect(rc == 1 && out.contains("host-passthrough CPU"), "\(out)")
        (rc, out) = try run("badcpu")
        #expect(rc == 2 && out.contains("the target cannot run the guest's CPU definition"), "\(out)")
        (rc, out) = try run("bigmem")
        #expect(rc == 2 && out.contains("the guest needs 200G"), "\(out)")
        (rc, out) = try run("twin")
        #expect(rc == 1 && out.contains("same UUID is defined (shut off) on the target as hvmig-it-twin with autostart"), "\(out)")
        (rc, out) = try run("clash")
        #expect(rc == 2 && out.contains("the name hvmig-it-clash is taken on the target"), "\(out)")

        // --json: the verdict and the facts.
        let j = try Self.check(["hvmig-it-pci", "--to", Self.peer, "--json"])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(j.output.utf8)) as? [String: Any])
        #expect(o["status"] as? String == "CRITICAL" && j.code == 2)
        #expect((o["blockers"] as? [[String: Any]])?.first?["reason"] as? String == "hostdev_pci")

        // A guest that does not exist here: UNKNOWN.
        (rc, out) = try run("nonexistent")
        #expect(rc == 3 && out.contains("no guest \"hvmig-it-nonexistent\""), "\(out)")

        // The lab's transient guest, read only: transient and local disk.
        let transient = Lab.guest("TRANSIENT")
        let t = try Self.check([transient, "--to", Self.peer])
        #expect(t.code == 1 && t.output.contains("transient guest: migrate with --persistent"), "\(t.output)")
    }

    @Test func aTargetThatRefusesOrNeverAnswersEndsWithinTheTimeout() throws {
        Self.cleanUp()
        defer { Self.cleanUp() }
        try Self.define(Lab.uri, Self.specs[0].xml())
        // A closed port: refused at once.
        var fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let closedPort = Int(UInt16(bigEndian: addr.sin_port))
        close(fd)   // nothing listens there now
        var r = try Self.check(["hvmig-it-movable", "--to", "qemu+tcp://127.0.0.1:\(closedPort)/system", "--timeout", "3s"])
        #expect(r.code == 3, "\(r.output)")
        #expect(r.output.contains("could not be reached") && r.output.contains("Connection refused"), "\(r.output)")
        #expect(r.seconds < 3)

        // A blackhole: a socket that accepts and never answers.
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        addr.sin_port = 0
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(listen(fd, 8) == 0)
        defer { close(fd) }
        len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        r = try Self.check(["hvmig-it-movable", "--to", "qemu+tcp://127.0.0.1:\(port)/system", "--timeout", "2s"])
        #expect(r.code == 3, "\(r.output)")
        #expect(r.output.contains("did not answer within 2s"), "\(r.output)")
        #expect(r.seconds >= 2 && r.seconds < 4, "took \(r.seconds) s")
    }

    @Test func theExporterShowsEachBlockerAndUnknownNever() throws {
        Self.cleanUp()
        defer { Self.cleanUp() }
        try FileManager.default.createDirectory(atPath: Self.dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: Self.dir + "/local.img", contents: Data(count: 1 << 20))
        for s in Self.specs where ["movable", "pci", "sriov", "localdisk", "passthrough", "shmem"].contains(s.key) {
            try Self.define(Lab.uri, s.xml())
        }
        let exporter = try ExporterProcess(["--libvirt.uri=\(Lab.uri)"])
        defer { exporter.stop() }
        let (status, text, _) = try exporter.get("/metrics")
        #expect(status == 200)
        func blockers(_ guest: String) -> [String] {
            text.split(separator: "\n").filter { $0.hasPrefix("hv_guest_migration_blocker{guest=\"\(guest)\"") }.map { line in
                String(line.split(separator: "reason=\"")[1].prefix { $0 != "\"" })
            }
        }
        #expect(blockers("hvmig-it-movable") == [])
        #expect(blockers("hvmig-it-pci") == ["hostdev_pci"])
        #expect(blockers("hvmig-it-sriov") == ["sriov_interface"])
        #expect(blockers("hvmig-it-localdisk") == ["local_disk"])
        #expect(blockers("hvmig-it-passthrough") == ["host_passthrough_cpu"])
        #expect(blockers("hvmig-it-shmem") == ["shared_memory"])
        #expect(blockers(Lab.guest("TRANSIENT")).contains("transient"))
        #expect(!text.contains("reason=\"unknown\""))
        #expect(text.contains("hv_host_lock_manager_info{lock_manager="))
        #expect(
            text.contains("hv_guest_disk_source_info{guest=\"hvmig-it-localdisk\",driver=\"qemu\",target_device=\"vda\",identity=\"file:"))
    }
}
