import Glibc

/// The few btrfs ioctls sysfs has no file for (include/uapi/linux/btrfs.h), on an open
/// directory of a mounted btrfs filesystem:
/// - `BTRFS_IOC_FS_INFO`: which filesystem a mount is (its fsid);
/// - `BTRFS_IOC_DEV_INFO`: which block device a device id is, its size and allocated bytes;
/// - `BTRFS_IOC_GET_DEV_STATS`: the error counters, for kernels before 5.14 whose sysfs
///   has no `devinfo/<id>/error_stats`;
/// - `BTRFS_IOC_SCRUB_PROGRESS`: whether a scrub runs on a device, and how far.
/// All are read-only queries that take no lock for long; none needs more than CAP_SYS_ADMIN
/// (DEV_STATS and SCRUB_PROGRESS) or nothing (FS_INFO, DEV_INFO).
public struct BtrfsIoctl: ~Copyable {
    /// The open mount directory (`O_RDONLY|O_DIRECTORY|O_CLOEXEC`).
    let fd: Int32
    public let mountPoint: String

    /// Opens `mountPoint`. Throws `SystemError` (`.notFound`, `.io`).
    public init(mountPoint: String) throws {
        var f: Int32
        repeat { f = open(mountPoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK) } while f < 0 && errno == EINTR
        guard f >= 0 else {
            let e = errno
            throw SystemError(e == ENOENT ? .notFound : .io, path: mountPoint, reason: String(cString: strerror(e)), errno: e)
        }
        self.fd = f
        self.mountPoint = mountPoint
    }

    deinit { close(fd) }

    // Request numbers, _IOR/_IOWR(0x94, nr, struct) on x86-64, arm64 and the other
    // architectures with the generic ioctl encoding (checked against the header with a C
    // program; the struct sizes are fixed by the ABI).
    static let fsInfoRequest: UInt = 0x8400_941F   // _IOR(0x94, 31, btrfs_ioctl_fs_info_args), 1024 bytes
    static let devInfoRequest: UInt = 0xD000_941E   // _IOWR(0x94, 30, btrfs_ioctl_dev_info_args), 4096 bytes
    static let devStatsRequest: UInt = 0xC408_9434   // _IOWR(0x94, 52, btrfs_ioctl_get_dev_stats), 1032 bytes
    static let scrubProgressRequest: UInt = 0xC400_941D   // _IOWR(0x94, 29, btrfs_ioctl_scrub_args), 1024 bytes

    /// Filesystem UUID and device counts (BTRFS_IOC_FS_INFO).
    public func filesystemInfo() throws -> BtrfsFilesystemInfo {
        var buf = [UInt8](repeating: 0, count: 1024)
        try call(Self.fsInfoRequest, &buf, what: "BTRFS_IOC_FS_INFO")
        return BtrfsFilesystemInfo(
            fsid: Self.uuidString(buf[16..<32]), numDevices: Self.u64(buf, 8), maxID: Self.u64(buf, 0))
    }

    /// The device with id `devid` (BTRFS_IOC_DEV_INFO); nil when there is none (ENODEV).
    /// The path of a missing device is empty.
    public func deviceInfo(devid: UInt64) throws -> BtrfsDeviceInfo? {
        var buf = [UInt8](repeating: 0, count: 4096)
        Self.put(&buf, 0, devid)
        do {
            try call(Self.devInfoRequest, &buf, what: "BTRFS_IOC_DEV_INFO")
        } catch let e as SystemError where e.errno == ENODEV {
            return nil
        }
        let path = buf[3072..<4096]
        let end = path.firstIndex(of: 0) ?? path.endIndex
        return BtrfsDeviceInfo(
            devid: devid, path: String(decoding: path[path.startIndex..<end], as: UTF8.self),
            totalBytes: Self.u64(buf, 32), bytesUsed: Self.u64(buf, 24))
    }

    /// The five error counters of `devid` (BTRFS_IOC_GET_DEV_STATS, not resetting them); nil
    /// when there is no such device (ENODEV).
    public func deviceStats(devid: UInt64) throws -> BtrfsDeviceErrorStats? {
        var buf = [UInt8](repeating: 0, count: 1032)
        Self.put(&buf, 0, devid)
        Self.put(&buf, 8, 5)   // nr_items: BTRFS_DEV_STAT_VALUES_MAX
        do {
            try call(Self.devStatsRequest, &buf, what: "BTRFS_IOC_GET_DEV_STATS")
        } catch let e as SystemError where e.errno == ENODEV {
            return nil
        }
        let n = Self.u64(buf, 8)
        func v(_ i: Int) -> UInt64 { UInt64(i) < n ? Self.u64(buf, 24 + 8 * i) : 0 }
        return BtrfsDeviceErrorStats(write: v(0), read: v(1), flush: v(2), corruption: v(3), generation: v(4))
    }

    /// Progress of the scrub running on `devid` (BTRFS_IOC_SCRUB_PROGRESS); nil when no
    /// scrub runs there (ENOTCONN) or there is no such device (ENODEV).
    public func scrubProgress(devid: UInt64) throws -> BtrfsScrubProgress? {
        var buf = [UInt8](repeating: 0, count: 1024)
        Self.put(&buf, 0, devid)
        do {
            try call(Self.scrubProgressRequest, &buf, what: "BTRFS_IOC_SCRUB_PROGRESS")
        } catch let e as SystemError where e.errno == ENOTCONN || e.errno == ENODEV {
            return nil
        }
        // struct btrfs_scrub_progress at offset 32: data_extents, tree_extents, data_bytes,
        // tree_bytes, read_errors, csum_errors, verify_errors, no_csum, csum_discards,
        // super_errors, malloc_errors, uncorrectable_errors, corrected_errors, ...
        func p(_ i: Int) -> UInt64 { Self.u64(buf, 32 + 8 * i) }
        let bytes = p(2).addingReportingOverflow(p(3))
        let errors = [p(4), p(5), p(6), p(9)].reduce(UInt64(0)) { a, b in
            let (s, o) = a.addingReportingOverflow(b)
            return o ? .max : s
        }
        return BtrfsScrubProgress(
            devid: devid, bytesScrubbed: bytes.overflow ? .max : bytes.partialValue, errorsFound: errors,
            uncorrectableErrors: p(11), correctedErrors: p(12))
    }

    private func call(_ request: UInt, _ buf: inout [UInt8], what: String) throws {
        var r: Int32
        repeat {
            r = buf.withUnsafeMutableBytes { ioctl(fd, request, $0.baseAddress!) }
        } while r < 0 && errno == EINTR
        guard r >= 0 else {
            let e = errno
            throw SystemError(.io, path: mountPoint, reason: "\(what): \(String(cString: strerror(e)))", errno: e)
        }
    }

    /// A native-endian u64 of the ioctl struct at byte `at`.
    static func u64(_ b: [UInt8], _ at: Int) -> UInt64 {
        b.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt64.self) }
    }

    static func put(_ b: inout [UInt8], _ at: Int, _ v: UInt64) {
        b.withUnsafeMutableBytes { $0.storeBytes(of: v, toByteOffset: at, as: UInt64.self) }
    }

    /// 16 bytes as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower case.
    static func uuidString(_ b: ArraySlice<UInt8>) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for (i, byte) in b.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// BTRFS_IOC_FS_INFO's answer.
public struct BtrfsFilesystemInfo: Sendable, Equatable {
    public var fsid: String
    /// Devices the filesystem has (present or missing).
    public var numDevices: UInt64
    /// Highest device id.
    public var maxID: UInt64
}

/// BTRFS_IOC_DEV_INFO's answer.
public struct BtrfsDeviceInfo: Sendable, Equatable {
    public var devid: UInt64
    /// Device path as the filesystem opened it ("/dev/loop0", "/dev/mapper/vg-lv"); empty
    /// when the device is missing.
    public var path: String
    /// Size of the device in the filesystem, bytes.
    public var totalBytes: UInt64
    /// Bytes of it allocated to chunks, bytes.
    public var bytesUsed: UInt64

    public init(devid: UInt64, path: String, totalBytes: UInt64, bytesUsed: UInt64) {
        self.devid = devid
        self.path = path
        self.totalBytes = totalBytes
        self.bytesUsed = bytesUsed
    }
}

/// BTRFS_IOC_SCRUB_PROGRESS's answer for one device while a scrub runs.
public struct BtrfsScrubProgress: Sendable, Equatable {
    public var devid: UInt64
    /// Data and metadata bytes scrubbed so far.
    public var bytesScrubbed: UInt64
    /// Read, checksum, verify and superblock errors found so far.
    public var errorsFound: UInt64
    public var uncorrectableErrors: UInt64
    public var correctedErrors: UInt64
}
