/// The content of `/proc/mdstat`, as printed by drivers/md/md.c `md_seq_show`.
///
/// ```
/// Personalities : [raid1] [raid6] [raid5] [raid4]
/// md1 : active raid5 sdc2[3] sdb2[1] sda2[0]
///       7809024 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/2] [UU_]
///       [====>................]  recovery = 21.5% (842944/3904512) finish=50.1min speed=1015K/sec
///       bitmap: 1/1 pages [4KB], 65536KB chunk
///
/// unused devices: <none>
/// ```
/// Parse with `MDStat.parse(_:)` (pure) or read with `MDStat.read(procRoot:)`.
public struct MDStat: Sendable, Equatable {
    /// Loaded personalities, e.g. ["raid1", "raid6", "raid5", "raid4"].
    public var personalities: [String]
    /// Arrays that parsed, in file order.
    public var arrays: [MDStatArray]
    /// Arrays whose block did not parse: the device name and why. The others are still usable.
    public var malformed: [MDStatMalformed]
    /// Devices on the "unused devices:" line ("<none>" gives an empty list).
    public var unusedDevices: [String]

    public init(
        personalities: [String] = [], arrays: [MDStatArray] = [], malformed: [MDStatMalformed] = [],
        unusedDevices: [String] = []
    ) {
        self.personalities = personalities
        self.arrays = arrays
        self.malformed = malformed
        self.unusedDevices = unusedDevices
    }
}

/// One array block of /proc/mdstat that could not be parsed.
public struct MDStatMalformed: Sendable, Equatable {
    public var device: String
    public var error: SystemError

    public init(device: String, error: SystemError) {
        self.device = device
        self.error = error
    }
}
