import Foundation
import Glibc
import Testing

@testable import HVSystem

/// The mount table and qemu.conf, read again only when they changed.
@Suite(.serialized) struct WatchedFileTests {
    static func scratch() throws -> String {
        let d = NSTemporaryDirectory() + "hv-watch-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func mountPoints(_ t: MountTable) -> Set<String> { Set(t.entries.map(\.mountPoint)) }

    /// On the real /proc: a mount and an unmount made here are seen by the next call (the
    /// kernel's POLLPRI), and calls in between give the same table.
    @Test(.enabled(if: getuid() == 0, "mounts a tmpfs: needs root")) func realMountTableFollowsMounts() throws {
        let w = MountTableWatch()
        let (before, g0) = try w.versioned()
        #expect(try w.current() == before)
        #expect(try w.versioned().generation == g0)
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: d) }
        #expect(!Self.mountPoints(before).contains(d))
        guard mount("hvwatch", d, "tmpfs", 0, "size=1m") == 0 else {
            Issue.record("mount tmpfs on \(d): errno \(errno)")
            return
        }
        var mounted = true
        defer { if mounted { _ = umount(d) } }
        let (after, g1) = try w.versioned()
        #expect(Self.mountPoints(after).contains(d))
        #expect(g1 != g0)
        #expect(try w.current() == after)
        #expect(try w.versioned().generation == g1)
        #expect(umount(d) == 0)
        mounted = false
        let (last, g2) = try w.versioned()
        #expect(!Self.mountPoints(last).contains(d))
        #expect(g2 != g1)
    }

    /// A copy of mountinfo on disk (a fixture tree) cannot signal a change: read every time.
    @Test func fileOnDiskIsReadEveryTime() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try FileManager.default.createDirectory(atPath: d + "/self", withIntermediateDirectories: true)
        let line1 = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        let line2 = "40 22 0:40 / /srv/nfs rw,relatime shared:9 - nfs4 nas:/export rw\n"
        try Data(line1.utf8).write(to: URL(fileURLWithPath: d + "/self/mountinfo"))
        let w = MountTableWatch(procfs: d)
        #expect(Self.mountPoints(try w.current()) == ["/"])
        // Read every time, but the same bytes are the same generation.
        let g0 = try w.versioned().generation
        #expect(try w.versioned().generation == g0)
        let fd = open(d + "/self/mountinfo", O_WRONLY | O_APPEND)
        #expect(fd >= 0)
        _ = line2.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        #expect(Self.mountPoints(try w.current()) == ["/", "/srv/nfs"])
        #expect(try w.versioned().generation != g0)
        // A file with no mount line fails, and a good one read afterwards serves again.
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: d + "/self/mountinfo"))
        #expect(throws: SystemError.self) { try w.current() }
        try Data(line1.utf8).write(to: URL(fileURLWithPath: d + "/self/mountinfo"))
        #expect(Self.mountPoints(try w.current()) == ["/"])
    }

    /// qemu.conf: a change (even within the same second, same size) is read; a removed file
    /// is the defaults.
    @Test func qemuConfFollowsTheFile() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let path = d + "/qemu.conf"
        let w = LibvirtQemuConf.Watch(path: path)
        #expect(try w.current() == LibvirtQemuConf())
        try Data("lock_manager = \"lockd\"\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try w.current().lockManager == "lockd")
        #expect(try w.current().lockManager == "lockd")
        try Data("lock_manager = \"sanlk\"\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try w.current().lockManager == "sanlk")
        try FileManager.default.removeItem(atPath: path)
        #expect(try w.current() == LibvirtQemuConf())
    }
}
