import LabSupport
import Testing

@testable import HVLibvirt

/// What the migration blockers need from a domain XML: passthrough devices, vhost-user,
/// ivshmem, virtiofs, the CPU mode and element, disk source parts, memory. Fixtures: libvirt's
/// own test XML (libvirt-tests/) and `virsh dumpxml --inactive` of the lab's hvmig-* guests.
struct DomainDescriptionMigrationTests {
    @Test func pciHostdevFromLibvirtTests() throws {
        let d = try DomainDescription.parse(try fixture("libvirt-tests/hostdev-pci-address.xml"))
        #expect(d.hostDevices == [hostdev("subsystem", "pci", "0000:06:12.5")])
        #expect(d.disks.first?.type == "block")
        #expect(d.disks.first?.source == "/dev/HostVG/QEMUGuest2")
        #expect(d.memoryBytes == 219100 * 1024)
        #expect(d.name == "QEMUGuest2")
        #expect(d.uuid == "c7a5fdbd-edaf-9466-926a-d65c16db1809")
        #expect(d.arch == "i686" && d.machine == "pc")
        #expect(d.emulator == "/usr/bin/qemu-system-x86_64")
        #expect(d.cpuMode == "")
        #expect(DomainDescription.cpuElement(in: try fixture("libvirt-tests/hostdev-pci-address.xml")) == nil)
    }

    @Test func usbAndMdevHostdevs() throws {
        let usb = try DomainDescription.parse(try fixture("libvirt-tests/hostdev-usb-address-device.xml"))
        #expect(usb.hostDevices == [hostdev("subsystem", "usb", "bus 14 device 6")])
        let mdev = try DomainDescription.parse(try fixture("libvirt-tests/hostdev-mdev-precreated.xml"))
        #expect(mdev.hostDevices == [hostdev("subsystem", "mdev", "53764d0e-85a0-42b4-af5c-2046b460b1dc")])
    }

    @Test func sharedMemoryAndVhostUser() throws {
        let shm = try DomainDescription.parse(try fixture("libvirt-tests/shmem-plain-doorbell.xml"))
        #expect(shm.sharedMemory == (0...7).map { "shmem\($0)" })
        let vu = try DomainDescription.parse(try fixture("libvirt-tests/net-vhostuser.xml"))
        #expect(vu.interfaces.map(\.type) == ["vhostuser", "vhostuser", "server"])
        #expect(vu.interfaces[0].source == "/tmp/vhost0.sock")
    }

    @Test func labGuestsAsLibvirtWroteThem() throws {
        let pci = try DomainDescription.parse(try fixture("domain-hvmig-pci.xml"))
        #expect(pci.hostDevices.map(\.address) == ["0000:06:12.5"])
        let sriov = try DomainDescription.parse(try fixture("domain-hvmig-sriov.xml"))
        #expect(sriov.hostDevices.isEmpty)
        #expect(sriov.interfaces.map(\.type) == ["hostdev"])
        #expect(sriov.interfaces[0].source == "0000:03:10.1")
        let fs = try DomainDescription.parse(try fixture("domain-hvmig-virtiofs.xml"))
        #expect(fs.virtioFilesystems == ["hvmigfs"])
        let pt = try DomainDescription.parse(try fixture("domain-hvmig-passthrough.xml"))
        #expect(pt.cpuMode == "host-passthrough")
        let cd = try DomainDescription.parse(try fixture("domain-hvmig-cdrom.xml"))
        #expect(cd.disks.map(\.device) == ["cdrom"])
        #expect(cd.disks[0].source == "/tmp/hvmig/media.iso")
        let vol = try DomainDescription.parse(try fixture("domain-hvmig-nfsvol.xml"))
        #expect(vol.disks[0].type == "volume")
        #expect(vol.disks[0].sourcePool == "hvmig-nfs" && vol.disks[0].sourceVolume == "vm1.qcow2")
        #expect(vol.memoryBytes == 64 << 20)
        let shm = try DomainDescription.parse(try fixture("domain-hvmig-shmem.xml"))
        #expect(shm.sharedMemory == ["hvmig-shmem0"])
    }

    @Test func networkDiskSourceParts() throws {
        let d = try DomainDescription.parse(try fixture("domain-devices.xml"))
        #expect(d.disks[0].sourceProtocol == "rbd")
        #expect(d.disks[0].sourceName == "vms/db1-disk0")
        #expect(d.disks[0].sourceHost == "10.1.0.1:6789")
    }

    @Test func cpuElementOfALabGuest() throws {
        let xml = try fixture("domain-hvmig-passthrough.xml")
        #expect(DomainDescription.cpuElement(in: xml) == "<cpu mode='host-passthrough' check='none' migratable='on'/>")
        let run1 = try fixture("domain-hv-run1.xml")
        let cpu = try #require(DomainDescription.cpuElement(in: run1))
        #expect(cpu.hasPrefix("<cpu mode='custom'"))
        #expect(cpu.hasSuffix("</cpu>"))
        #expect(cpu.contains("qemu64"))
        #expect(try DomainDescription.parse(run1).cpuModel == "qemu64")
        // <cputune> and <vcpu> are not <cpu>; a quoted '>' does not end the tag.
        let tricky = "<domain><vcpu>1</vcpu><cputune/><cpu mode='custom' x='a>b'><model>m</model></cpu></domain>"
        #expect(DomainDescription.cpuElement(in: tricky) == "<cpu mode='custom' x='a>b'><model>m</model></cpu>")
        #expect(DomainDescription.cpuElement(in: "<domain><cpu mode='x'>never closed") == nil)
    }

    @Test func unknownDeviceKindsAreIgnoredNotFatal() throws {
        let xml = """
            <domain type='kvm'>
              <name>future</name>
              <memory unit='GiB'>2</memory>
              <devices>
                <quantumlink type='entangled'><source pair='x'/><target dev='ql0'/></quantumlink>
                <hostdev mode='subsystem' type='nvme-fabric'><source><address uuid='u-1'/></source></hostdev>
                <disk type='file' device='disk'><source file='/a.img'/><target dev='vda'/><frob/><shareable/></disk>
                <interface type='future-nic'><mac address='52:54:00:00:00:01'/></interface>
              </devices>
              <newtoplevel><anything/></newtoplevel>
            </domain>
            """
        let d = try DomainDescription.parse(xml)
        #expect(d.memoryBytes == 2 << 30)
        #expect(d.disks.map(\.target) == ["vda"])
        #expect(d.disks[0].shareable)
        #expect(d.interfaces.map(\.type) == ["future-nic"])
        #expect(d.hostDevices == [hostdev("subsystem", "nvme-fabric", "u-1")])
    }

    @Test(
        arguments: [("1", "b", 1), ("2", "KiB", 2048), ("3", "M", 3 << 20), ("1", "TB", 1_000_000_000_000)] as [(String, String, UInt64)])
    func memoryUnits(value: String, unit: String, bytes: UInt64) {
        #expect(DomainDescription.bytes(value, unit: unit) == bytes)
    }

    @Test func memoryOverflowAndJunkAreNil() {
        #expect(DomainDescription.bytes("99999999999999999999", unit: "KiB") == nil)
        #expect(DomainDescription.bytes("18446744073709551615", unit: "TiB") == nil)
        #expect(DomainDescription.bytes("12", unit: "parsecs") == nil)
        #expect(DomainDescription.bytes("x", unit: "") == nil)
    }

    /// Mutated and cut copies of every migration fixture: the parser and the `<cpu>` scan
    /// return or throw `XMLScanner.Error`, never trap.
    @Test func fuzzedMigrationXMLNeverTraps() throws {
        var rng = SplitMix64(seed: 0x6D1A_0016)
        let names = [
            "libvirt-tests/hostdev-pci-address.xml", "libvirt-tests/hostdev-mdev-precreated.xml",
            "libvirt-tests/hostdev-usb-address-device.xml", "libvirt-tests/shmem-plain-doorbell.xml",
            "libvirt-tests/net-vhostuser.xml", "domain-hvmig-virtiofs.xml", "domain-hvmig-passthrough.xml",
            "domain-hvmig-sriov.xml", "domain-hvmig-nfsvol.xml",
        ]
        let bases = try names.map { Array(try fixture($0).utf8) }
        let alphabet = Array("<>/='\" &#;x0123456789abcdefhostdevcpumemory".utf8) + [0, 0xFF, 0xC3]
        var parsed = 0
        for i in 0..<4000 {
            var b = bases[i % bases.count]
            for _ in 0..<(1 + Int(rng.next() % 6)) where !b.isEmpty {
                let at = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: b.remove(at: at)
                default: b.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                }
            }
            if rng.next() % 4 == 0 { b = Array(b[..<Int(rng.next() % UInt64(b.count + 1))]) }
            let text = String(decoding: b, as: UTF8.self)
            _ = DomainDescription.cpuElement(in: text)
            do {
                _ = try DomainDescription.parse(text)
                parsed += 1
            } catch is XMLScanner.Error {
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        // Most small mutations still parse: the fuzz reaches the device code, not only the scanner.
        #expect(parsed > 1000)
    }

    func hostdev(_ mode: String, _ type: String, _ address: String) -> DomainDescription.HostDevice {
        var h = DomainDescription.HostDevice()
        h.mode = mode
        h.type = type
        h.address = address
        return h
    }
}
