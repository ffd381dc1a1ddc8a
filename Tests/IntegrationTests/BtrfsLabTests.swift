import Foundation
import HVModel
import LabSupport
import Testing

/// The lab's real btrfs RAID1 (scripts/lab/btrfs-up.sh), end to end: one copy of a file's data
/// is overwritten on one member's backing file, `btrfs scrub` finds and repairs it, and the
/// real `hv-exporter` shows the corruption counted on that member and the filesystem and member
/// degraded. Afterwards the counters are reset (`btrfs device stats -z`) and the file removed,
/// so the lab is as healthy as it was.
@Suite(.serialized, .lab(.root))
struct BtrfsLabTests {
    /// `/var/lib/hvexporter-lab/btrfs/state.env`, written by btrfs-up.sh.
    struct RAID {
        let uuid, mount, dev0, dev1, file1, guest, guestDisk: String

        static func load() throws -> RAID {
            let path = "/var/lib/hvexporter-lab/btrfs/state.env"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw LabError("no \(path): run scripts/lab/btrfs-up.sh (scripts/lab/up.sh does)")
            }
            let v = LabState.parse(text)
            func need(_ k: String) throws -> String {
                guard let s = v[k], !s.isEmpty else { throw LabError("\(path) has no \(k)") }
                return s
            }
            return RAID(
                uuid: try need("LAB_BTRFS_UUID"), mount: try need("LAB_BTRFS_MOUNT"), dev0: try need("LAB_BTRFS_DEV0"),
                dev1: try need("LAB_BTRFS_DEV1"), file1: try need("LAB_BTRFS_FILE1"), guest: try need("LAB_BTRFS_GUEST"),
                guestDisk: try need("LAB_BTRFS_GUEST_DISK"))
        }
    }

    static func sh(_ args: String...) throws -> String {
        let (rc, out) = try Lab.run(Array(args))
        guard rc == 0 else { throw LabError("\(args.joined(separator: " ")): rc=\(rc): \(out)") }
        return out
    }

    /// Where the copy of btrfs logical address `logical` on `device` lies in that device, bytes.
    static func physical(logical: UInt64, on device: String) throws -> UInt64 {
        // "mirror 2 logical 88342528 physical 67371008 device /dev/loop1"
        let out = try sh("btrfs-map-logical", "-l", String(logical), "-b", "4096", "/dev/\(device)")
        for line in out.split(separator: "\n") {
            let t = line.split(separator: " ")
            if t.count == 8, t[0] == "mirror", t[7] == "/dev/\(device)", let p = UInt64(t[5]) { return p }
        }
        throw LabError("btrfs-map-logical gave no copy on \(device): \(out)")
    }

    @Test func corruptionFoundByScrubShowsOnTheDamagedMember() throws {
        let raid = try RAID.load()
        try #require(FileManager.default.fileExists(atPath: raid.guestDisk), "the guest's disk lives on the RAID")
        _ = try Self.sh("btrfs", "device", "stats", "-z", raid.mount)
        let file = "\(raid.mount)/hvbtr-corrupt-\(getpid()).bin"
        defer {
            try? FileManager.default.removeItem(atPath: file)
            _ = try? Self.sh("btrfs", "device", "stats", "-z", raid.mount)
        }

        // 1 MiB of a recognisable pattern, on disk.
        let line = Array("hvbtr corruption test \(getpid()) ".utf8)
        var data = [UInt8]()
        while data.count < 1 << 20 { data += line }
        try Data(data.prefix(1 << 20)).write(to: URL(fileURLWithPath: file))
        _ = try Self.sh("sync", "-f", file)

        // Its first extent: btrfs logical address (filefrag prints it in 4 KiB blocks).
        let frag = try Self.sh("filefrag", "-v", "-b4096", file)
        let extent = try #require(
            frag.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("0:") },
            "no extent in: \(frag)")
        let fields = extent.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "." }).filter { !$0.isEmpty }
        let logicalBlock = try #require(UInt64(fields[3]), "cannot read the extent of: \(extent)")
        let offset = try Self.physical(logical: logicalBlock * 4096, on: raid.dev1)

        // Zero 64 KiB of the copy on the second member, behind the filesystem's back.
        _ = try Self.sh(
            "dd", "if=/dev/zero", "of=\(raid.file1)", "bs=4096", "seek=\(offset / 4096)", "count=16", "conv=notrunc,fsync",
            "status=none")
        let (rc, scrub) = try Lab.run(["btrfs", "scrub", "start", "-B", raid.mount])
        #expect(scrub.contains("csum=") || scrub.contains("corrected"), "scrub rc=\(rc): \(scrub)")

        let exporter = try ExporterProcess(["--libvirt.uri=test:///default"])
        defer { exporter.stop() }
        let match = ["uuid": raid.uuid, "device": raid.dev1, "type": "corruption"]
        let seen = try Poll.value(timeout: .seconds(20), every: .milliseconds(200)) { () -> Exposition? in
            let m = try exporter.metrics()
            return (m.value("hv_btrfs_device_errors_total", match) ?? 0) > 0 ? m : nil
        }
        let m = try #require(seen, "hv_btrfs_device_errors_total{device=\(raid.dev1),type=corruption} stayed 0")
        #expect(m.value("hv_btrfs_device_errors_total", ["uuid": raid.uuid, "device": raid.dev0, "type": "corruption"]) == 0)
        #expect((m.value("hv_btrfs_scrub_last_errors", ["uuid": raid.uuid]) ?? 0) > 0)
        #expect(m.value("hv_btrfs_scrub_last_uncorrectable_errors", ["uuid": raid.uuid]) == 0)
        #expect(m.value("hv_btrfs_scrub_running", ["uuid": raid.uuid]) == 0)
        #expect(m.value("hv_btrfs_devices_missing", ["uuid": raid.uuid]) == 0)
        #expect(m.value("hv_scrape_collector_success", ["collector": "btrfs"]) == 1)

        // The findings of what /json says: the filesystem and the damaged member degraded.
        let fs = try #require(try Self.filesystem(exporter.get("/json").body, uuid: raid.uuid))
        let findings = fs.storageFindings
        #expect(findings.first { $0.keys.contains(.filesystemUUID(raid.uuid)) }?.severity == .degraded)
        #expect(findings.first { $0.keys.contains(.blockDevice(raid.dev1)) }?.severity == .degraded)
        #expect(findings.first { $0.keys.contains(.blockDevice(raid.dev0)) }?.severity == .ok)
    }

    /// One member gone, on a RAID1 of its own (made, used and removed by the test: the lab's
    /// RAID cannot lose a member while another mount namespace, such as the migration peer's,
    /// holds a copy of its mount): two loop devices, `mkfs.btrfs -d raid1 -m raid1`, the second
    /// detached, the filesystem mounted `-o degraded,ro`; the exporter shows the device missing
    /// and the filesystem degraded (raid1 survives one missing device).
    @Test func missingMemberShowsDegraded() throws {
        let dir = "/var/lib/hvexporter-lab/btrfs-missing-\(getpid())"
        let mount = dir + "/mnt"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        var loops: [String] = []
        defer {
            _ = try? Lab.run(["umount", mount])
            for l in loops { _ = try? Lab.run(["losetup", "-d", l]) }
            try? FileManager.default.removeItem(atPath: dir)
        }
        for i in 0..<2 {
            _ = try Self.sh("truncate", "-s", "256M", "\(dir)/member\(i).img")
            loops.append(try Self.sh("losetup", "-f", "--show", "\(dir)/member\(i).img").trimmingCharacters(in: .whitespacesAndNewlines))
        }
        _ = try Self.sh("mkfs.btrfs", "-q", "-f", "-L", "hvbtr-missing", "-d", "raid1", "-m", "raid1", loops[0], loops[1])
        _ = try Self.sh("mount", "-t", "btrfs", loops[0], mount)
        let uuid = try Self.sh("findmnt", "-n", "-o", "UUID", mount).trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try Self.sh("umount", mount)
        let gone = loops.removeLast()
        _ = try Self.sh("losetup", "-d", gone)
        _ = try Lab.run(["btrfs", "device", "scan", "--forget"])
        let name = String(gone.dropFirst("/dev/".count))
        let detached = Poll.until(timeout: .seconds(10)) {
            !FileManager.default.fileExists(atPath: "/sys/block/\(name)/loop/backing_file")
        }
        try #require(detached, "\(gone) still attached 10 s after losetup -d (another mount namespace holds the filesystem?)")
        _ = try Self.sh("mount", "-t", "btrfs", "-o", "degraded,ro", loops[0], mount)

        let exporter = try ExporterProcess(["--libvirt.uri=test:///default"])
        defer { exporter.stop() }
        let m = try exporter.metrics()
        let present = String(loops[0].dropFirst("/dev/".count))
        #expect(m.value("hv_btrfs_devices", ["uuid": uuid]) == 2)
        #expect(m.value("hv_btrfs_devices_missing", ["uuid": uuid]) == 1)
        #expect(m.value("hv_btrfs_device_missing", ["uuid": uuid, "devid": "2", "device": ""]) == 1)
        #expect(m.value("hv_btrfs_device_missing", ["uuid": uuid, "devid": "1", "device": present]) == 0)
        #expect(m.value("hv_btrfs_tolerated_missing_devices", ["uuid": uuid]) == 1)
        let fs = try #require(try Self.filesystem(exporter.get("/json").body, uuid: uuid))
        let f = try #require(fs.storageFindings.first { $0.keys.contains(.filesystemUUID(uuid)) })
        #expect(f.severity == .degraded)
        #expect(f.reason == "1 of 2 devices missing")
        #expect(fs.storageFindings.first { $0.keys.contains(.blockDevice(present)) }?.severity == .ok)
    }

    /// The healthy RAID, straight from the lab: two members named, raid1 everywhere, no errors.
    @Test func healthyRaidAsTheExporterSeesIt() throws {
        let raid = try RAID.load()
        _ = try Self.sh("btrfs", "device", "stats", "-z", raid.mount)
        let exporter = try ExporterProcess(["--libvirt.uri=test:///default"])
        defer { exporter.stop() }
        let m = try exporter.metrics()
        let info = m.samples.first { $0.name == "hv_btrfs_filesystem_info" && $0.labels["uuid"] == raid.uuid }
        #expect(info?.labels["label"] == "hvbtr-lab")
        #expect(info?.labels["data_profile"] == "raid1")
        #expect(info?.labels["metadata_profile"] == "raid1")
        #expect(info?.labels["mount_point"] == raid.mount)
        #expect(m.value("hv_btrfs_devices", ["uuid": raid.uuid]) == 2)
        for dev in [raid.dev0, raid.dev1] {
            #expect(m.value("hv_btrfs_device_size_bytes", ["uuid": raid.uuid, "device": dev]) == Double(256 << 20))
            #expect(m.values("hv_btrfs_device_errors_total", ["uuid": raid.uuid, "device": dev]) == [0, 0, 0, 0, 0])
        }
        let fs = try #require(try Self.filesystem(exporter.get("/json").body, uuid: raid.uuid))
        #expect(fs.storageFindings.allSatisfy { $0.severity == .ok })
    }

    /// The filesystem `uuid` of a `/json` document, with what the findings need.
    static func filesystem(_ json: String, uuid: String) throws -> BtrfsFilesystem? {
        let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let all = root?["btrfs_filesystems"] as? [[String: Any]] ?? []
        guard let o = all.first(where: { $0["uuid"] as? String == uuid }) else { return nil }
        var fs = BtrfsFilesystem(uuid: uuid)
        fs.label = o["label"] as? String
        fs.allocation = (o["allocation"] as? [[String: Any]] ?? []).map { a in
            var m = BtrfsAllocation(type: a["type"] as? String ?? "")
            m.profiles = (a["profiles"] as? [[String: Any]] ?? []).map {
                BtrfsProfileSpace(name: $0["name"] as? String ?? "", totalBytes: ($0["total_bytes"] as? NSNumber)?.uint64Value)
            }
            return m
        }
        fs.devices = (o["devices"] as? [[String: Any]] ?? []).map { d in
            var m = BtrfsDevice(
                devid: (d["devid"] as? NSNumber)?.uint64Value ?? 0, device: d["device"] as? String,
                missing: (d["missing"] as? NSNumber)?.boolValue ?? false)
            if let e = d["errors"] as? [String: NSNumber] {
                m.errors = BtrfsDeviceErrors(
                    write: e["write"]?.uint64Value ?? 0, read: e["read"]?.uint64Value ?? 0,
                    flush: e["flush"]?.uint64Value ?? 0, corruption: e["corruption"]?.uint64Value ?? 0,
                    generation: e["generation"]?.uint64Value ?? 0)
            }
            return m
        }
        return fs
    }
}
