import Testing

@testable import HVSystem

/// MountTable on the kernel's own test lines and a lab host (the storage-stack tests cover it too).
struct MountInfoTests {
    @Test func procfsTestLinesKeepTheGoodLinesAndNameTheBadOne() throws {
        let m = try MountTable.parseNonEmpty(Fixture.bytes("mountinfo/procfs-test-lines"))
        #expect(m.entries.count == 5)
        #expect(m.malformed.map(\.line) == [6])
        let cifs = try #require(m.entries.first { $0.fsType == "cifs" })
        #expect(cifs.mountPoint == "/with/a-hyphen")
        #expect(cifs.source == "//remote-storage/Path")
        #expect(cifs.major == 0 && cifs.minor == 87)
        // Several optional fields before the separator.
        #expect(m.entries[1].fsType == "tmpfs" && m.entries[1].mountPoint == "/run/user/112")
        // A bind mount: the root within its filesystem is kept.
        #expect(m.entries[4].root == "/etc/named")
        #expect(m.mount(containing: "/with/a-hyphen/vm1.qcow2")?.fsType == "cifs")
        #expect(m.mount(containing: "/with/a-hyphenated/vm1.qcow2") == nil)
    }

    @Test func labHostTableFindsTheLongestMountPoint() throws {
        let m = try MountTable.parseNonEmpty(Fixture.bytes("mountinfo/lab-host"))
        #expect(m.malformed.isEmpty)
        #expect(m.mount(containing: "/proc/self/status")?.fsType == "proc")
        let root = try #require(m.mount(containing: "/var/lib/libvirt/images/x.qcow2"))
        #expect(root.mountPoint == "/")
    }

    @Test func octalEscapesAreDecoded() throws {
        let line = "36 25 0:42 / /mnt/my\\040share rw,relatime shared:1 - nfs4 nas:/export\\040a rw\n"
        let m = try MountTable.parseNonEmpty(Array(line.utf8))
        #expect(m.entries.first?.mountPoint == "/mnt/my share")
        #expect(m.entries.first?.source == "nas:/export a")
        // A backslash not followed by three octal digits stays.
        #expect(MountTable.unescape(ArraySlice("a\\9b\\".utf8)) == "a\\9b\\")
    }

    @Test func nothingReadableThrowsEmptyIsEmpty() throws {
        #expect(throws: SystemError.self) { try MountTable.parseNonEmpty(Array("garbage\nmore garbage\n".utf8)) }
        #expect(try MountTable.parseNonEmpty([]).entries.isEmpty)
    }
}

struct LibvirtQemuConfTests {
    @Test func shippedTemplateHasNoLockManager() {
        #expect(LibvirtQemuConf.parse(Fixture.bytes("libvirt/qemu.conf-lock-section")) == LibvirtQemuConf())
        #expect(LibvirtQemuConf.parse(Fixture.bytes("libvirt/qemu.conf-lab")).lockManager == "none")
    }

    @Test(arguments: [
        ("lock_manager = \"lockd\"\n", "lockd"),
        ("  lock_manager=\"sanlock\"  # comment\n", "sanlock"),
        ("lock_manager = 'lockd'\n", "lockd"),
        ("lock_manager = \"nop\"\n", "none"),
        ("#lock_manager = \"lockd\"\n", "none"),
        ("lock_manager_x = \"lockd\"\n", "none"),
        ("lock_manager = \"lockd\n", "none"),
    ])
    func settingForms(text: String, expected: String) {
        #expect(LibvirtQemuConf.parse(Array(text.utf8)).lockManager == expected)
    }

    @Test func sharedFilesystemsOnOneLineOrSeveral() {
        let several =
            "shared_filesystems = [\n  \"/srv/images\",  # exported over NFS\n#  \"/commented\",\n  '/srv/nvram'\n]\nlock_manager = \"lockd\"\n"
        #expect(
            LibvirtQemuConf.parse(Array(several.utf8))
                == LibvirtQemuConf(lockManager: "lockd", sharedFilesystems: ["/srv/images", "/srv/nvram"]))
        let one = "shared_filesystems = [ \"/a\", \"/b\" ]\n"
        #expect(LibvirtQemuConf.parse(Array(one.utf8)).sharedFilesystems == ["/a", "/b"])
        // Never closed: what was read is kept.
        #expect(LibvirtQemuConf.parse(Array("shared_filesystems = [ \"/a\",\n".utf8)).sharedFilesystems == ["/a"])
        #expect(LibvirtQemuConf.parse(Array("shared_filesystems = \"/a\"\n".utf8)).sharedFilesystems == [])
    }

    @Test func missingFileIsNoLockManager() throws {
        #expect(try LibvirtQemuConf.read("/nonexistent/hvmig/qemu.conf").lockManager == "none")
    }
}
