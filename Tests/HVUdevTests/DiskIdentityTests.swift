import Foundation
import HVUdev
import Testing

@Suite("Disk identity from udev properties")
struct DiskIdentityMappingTests {
    @Test func sataDiskPrefersShortSerialAndTheSerialLink() {
        // Properties and links as `udevadm info /dev/sda` lists them for a SATA SSD.
        let id = DiskIdentity(
            properties: [
                "ID_MODEL": "Samsung_SSD_860_EVO_1TB",
                "ID_SERIAL": "Samsung_SSD_860_EVO_1TB_S3Z9NB0K123456A",
                "ID_SERIAL_SHORT": "S3Z9NB0K123456A",
                "ID_WWN": "0x5002538e40a1b2c3",
            ],
            devlinks: [
                "/dev/disk/by-path/pci-0000:00:17.0-ata-1",
                "/dev/disk/by-id/wwn-0x5002538e40a1b2c3",
                "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_1TB_S3Z9NB0K123456A",
            ])
        #expect(id.model == "Samsung_SSD_860_EVO_1TB")
        #expect(id.serial == "S3Z9NB0K123456A")
        #expect(id.wwn == "0x5002538e40a1b2c3")
        #expect(id.byIdPath == "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_1TB_S3Z9NB0K123456A")
        #expect(id.initialized && !id.isEmpty)
    }

    @Test func serialFallsBackToIDSerialAndLinkAvoidsAliases() {
        let id = DiskIdentity(
            properties: ["ID_SERIAL": "QEMU_HARDDISK_drive-scsi0", "ID_SERIAL_SHORT": ""],
            devlinks: ["/dev/disk/by-id/wwn-0x6000", "/dev/disk/by-id/nvme-eui.0025", "/dev/disk/by-id/scsi-0QEMU_x"])
        #expect(id.serial == "QEMU_HARDDISK_drive-scsi0")
        #expect(id.byIdPath == "/dev/disk/by-id/scsi-0QEMU_x")
        #expect(id.model == nil && id.wwn == nil)
    }

    @Test func onlyAliasesLeft() {
        let id = DiskIdentity(properties: [:], devlinks: ["/dev/disk/by-id/wwn-0x6000", "/dev/disk/by-id/"])
        #expect(id.byIdPath == "/dev/disk/by-id/wwn-0x6000")
    }

    @Test func noUdevDatabase() {
        let id = DiskIdentity(properties: [:], devlinks: [], initialized: false)
        #expect(id.isEmpty && !id.initialized)
    }
}

/// Against the real libudev of this host. Here no udevd runs and /run/udev does not exist:
/// libudev still finds devices through /sys, with kernel properties only.
@Suite("libudev on this host", .serialized)
struct UdevLiveTests {
    static let hasUdevDatabase = FileManager.default.fileExists(atPath: "/run/udev/data")

    @Test func unknownDeviceIsNil() {
        #expect(UdevBlockDevices.identity(kernelName: "hv-no-such-disk") == nil)
        #expect(UdevBlockDevices.identity(kernelName: "") == nil)
        #expect(UdevBlockDevices.identity(kernelName: "../vda") == nil)
    }

    @Test func everyBlockDeviceOfThisHost() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: "/sys/block")
        try #require(!names.isEmpty)
        for name in names {
            let id = try #require(UdevBlockDevices.identity(kernelName: name), "\(name) exists in /sys/block")
            if !Self.hasUdevDatabase {
                // No database: libudev reports the device uninitialized and knows no ID_* property.
                #expect(!id.initialized)
                #expect(id.isEmpty)
            }
        }
    }

    @Test func loopDeviceCreatedForTheTest() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/losetup") else {
            Issue.record("needs root and losetup to create a loop device")
            return
        }
        let image = FileManager.default.temporaryDirectory.appendingPathComponent("hv-udev-\(getpid()).img").path
        #expect(FileManager.default.createFile(atPath: image, contents: Data(count: 4 << 20)))
        defer { try? FileManager.default.removeItem(atPath: image) }
        let attach = try run("/usr/sbin/losetup", ["-f", "--show", image])
        let dev = attach.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(dev.hasPrefix("/dev/loop"))
        defer { _ = try? run("/usr/sbin/losetup", ["-d", dev]) }
        let name = String(dev.dropFirst("/dev/".count))
        let id = try #require(UdevBlockDevices.identity(kernelName: name))
        // A loop device has no model, serial or WWN even with udev; without a database nothing at all.
        #expect(id.model == nil && id.wwn == nil)
        if !Self.hasUdevDatabase { #expect(id.isEmpty && !id.initialized) }
    }

    func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
