/// What btrfs-progs remembers about the last scrub of a filesystem:
/// `/var/lib/btrfs/scrub.status.<fsid>`, written by `btrfs scrub start` while it runs and
/// when it ends, and read by `btrfs scrub status` (cmds/scrub.c, `scrub_file_write_all`):
///
///     scrub status:1
///     <fsid>:<devid>|data_extents_scrubbed:21|...|t_start:1796607856|t_resumed:0|duration:0|canceled:0|finished:1
///
/// The kernel keeps no record of finished scrubs, so this file is the only place the last
/// result lives; a scrub started by something other than btrfs-progs leaves none.
public struct BtrfsScrubStatusFile: Sendable, Equatable {
    /// The format version of the first line ("scrub status:1").
    public var version: Int
    /// One record per device line that parsed, in file order.
    public var devices: [BtrfsScrubDeviceRecord]
    /// Lines that did not parse (1-based line number and why); the others are kept.
    public var malformed: [Malformed]

    public struct Malformed: Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    /// Parses the file's bytes. Throws only when the first line is not "scrub status:<n>".
    public static func parse(_ bytes: [UInt8]) throws -> BtrfsScrubStatusFile {
        let lines = MDText.lines(bytes)
        guard let first = lines.first, MDText.hasPrefix(first, "scrub status:"),
            let v = MDText.int(MDText.trimmed(first.dropFirst(13)))
        else {
            throw SystemError.malformed("first line is not \"scrub status:<version>\"")
        }
        var out = BtrfsScrubStatusFile(version: v, devices: [], malformed: [])
        for (i, line) in lines.enumerated().dropFirst() where !MDText.isBlankLine(line) {
            do {
                out.devices.append(try BtrfsScrubDeviceRecord.parse(line))
            } catch let e as SystemError {
                out.malformed.append(Malformed(line: i + 1, reason: e.reason))
            } catch {
                out.malformed.append(Malformed(line: i + 1, reason: "\(error)"))
            }
        }
        return out
    }
}

/// One device's line of the scrub status file: counters of the last (or running) scrub.
public struct BtrfsScrubDeviceRecord: Sendable, Equatable {
    public var fsid: String
    public var devid: UInt64
    /// Every "key:value" field with a number, by key (data_bytes_scrubbed, read_errors,
    /// csum_errors, verify_errors, super_errors, uncorrectable_errors, corrected_errors,
    /// t_start, t_resumed, duration, canceled, finished, ...).
    public var values: [String: UInt64]

    /// Start, seconds since the Unix epoch (`t_start`).
    public var startSeconds: UInt64? { values["t_start"] }
    /// Seconds the scrub ran (`duration`).
    public var durationSeconds: UInt64? { values["duration"] }
    /// `finished:1`: the scrub ran to its end on this device.
    public var finished: Bool { values["finished"] == 1 }
    /// `canceled:1`.
    public var canceled: Bool { values["canceled"] == 1 }
    /// Errors found: read, checksum, verify and superblock errors.
    public var errorsFound: UInt64 {
        ["read_errors", "csum_errors", "verify_errors", "super_errors"].reduce(0) { a, k in
            let (s, o) = a.addingReportingOverflow(values[k] ?? 0)
            return o ? UInt64.max : s
        }
    }

    static func parse(_ line: ArraySlice<UInt8>) throws -> BtrfsScrubDeviceRecord {
        let fields = line.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
        guard let head = fields.first, let colon = head.lastIndex(of: UInt8(ascii: ":")) else {
            throw SystemError.malformed("no \"<fsid>:<devid>\" at the start")
        }
        let fsid = MDText.string(head[head.startIndex..<colon])
        guard BtrfsSysfsAttribute.isFSID(fsid) else { throw SystemError.malformed("not a filesystem UUID: \(MDText.excerpt(head))") }
        guard let devid = MDText.uint(head[(colon + 1)...]) else {
            throw SystemError.malformed("no device id in \(MDText.excerpt(head))")
        }
        var values: [String: UInt64] = [:]
        for f in fields.dropFirst() {
            guard let c = f.firstIndex(of: UInt8(ascii: ":")), let v = MDText.uint(MDText.trimmed(f[(c + 1)...])) else {
                throw SystemError.malformed("expected \"<key>:<number>\", got \(MDText.excerpt(f))")
            }
            values[MDText.string(f[f.startIndex..<c])] = v
        }
        return BtrfsScrubDeviceRecord(fsid: fsid, devid: devid, values: values)
    }
}
