import LabSupport
import Testing

@testable import HVLibvirt

struct DomainDescriptionTests {
    @Test func realLabGuestXML() throws {
        let d = try DomainDescription.parse(try fixture("domain-hv-run1.xml"))
        #expect(d.hypervisorType == "qemu")
        #expect(d.disks.count == 1)
        #expect(d.disks[0].target == "vda")
        #expect(d.disks[0].bus == "virtio")
        #expect(d.disks[0].type == "file")
        #expect(d.disks[0].driverType == "qcow2")
        #expect(d.disks[0].source.hasSuffix("hv-run1.qcow2"))
        #expect(d.interfaces.count == 1)
        #expect(d.interfaces[0].type == "bridge")
        #expect(d.interfaces[0].source == "hvbr0")
        #expect(d.interfaces[0].target == "vnet0")
        #expect(d.interfaces[0].model == "virtio")
        #expect(d.interfaces[0].mac.hasPrefix("52:54:00:"))
    }

    @Test func deviceFormsThisLabCannotCreate() throws {
        let d = try DomainDescription.parse(try fixture("domain-devices.xml"))
        #expect(d.hypervisorType == "kvm")
        #expect(d.disks.map(\.target) == ["sda", "hdc", "vdb"])
        #expect(d.disks[0].source == "rbd:vms/db1-disk0")
        #expect(d.disks[0].cache == "writeback")
        #expect(d.disks[0].serial == "DB1-ROOT")
        #expect(d.disks[1].device == "cdrom")
        #expect(d.disks[1].source == "")
        #expect(d.disks[1].readOnly)
        #expect(d.disks[2].source == "default/db1-data.qcow2")
        #expect(d.interfaces.map(\.type) == ["direct", "hostdev", "network"])
        #expect(d.interfaces[0].source == "eth0")
        #expect(d.interfaces[0].target == "macvtap0")
        #expect(d.interfaces[1].source == "0000:03:10.1")
        #expect(d.interfaces[1].target == "")
        #expect(d.interfaces[2].source == "default")
    }

    @Test(arguments: ["", "<domain", "<domain type='x'><devices><disk type=file>", "<a b='1></a>", "<<<>>>", "</", "<!-- never closed"])
    func malformedXMLThrowsInsteadOfCrashing(xml: String) {
        #expect(throws: XMLScanner.Error.self) {
            if xml.isEmpty { throw XMLScanner.Error(offset: 0, reason: "empty") }
            _ = try DomainDescription.parse(xml)
        }
    }

    @Test func randomBytesNeverCrashTheScanner() throws {
        var rng = SplitMix64(seed: 42)
        let base = Array(try fixture("domain-devices.xml").utf8)
        for _ in 0..<2000 {
            var bytes = base
            for _ in 0..<Int(rng.next() % 8) + 1 {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            let cut = Int(rng.next() % UInt64(bytes.count))
            let sample = Array(bytes[..<cut])
            _ = try? XMLScanner.scan(sample) { _ in }
            _ = try? DomainDescription.parse(String(decoding: sample, as: UTF8.self))
        }
    }

    @Test func entitiesAreDecoded() throws {
        var texts: [String] = []
        var attrs: [String] = []
        try XMLScanner.scan(Array("<n a='&quot;x&amp;y&#39;&#x263A;'>we&quot;ird\\ name &#252;</n>".utf8)) { ev in
            if case .text(let t) = ev { texts.append(t) }
            if case .start(_, let a, _) = ev { attrs.append(contentsOf: a.map(\.1)) }
        }
        #expect(texts == ["we\"ird\\ name ü"])
        #expect(attrs == ["\"x&y'☺"])
    }
}
