/// One whole disk of the host as smartctl last saw it: identity, the disk's own SMART verdict
/// and the figures that predict failure or wear (ATA attributes, the NVMe health log, SCSI
/// counters), with how the background runs of smartctl on it went.
///
/// Figures are those of the last run that read the disk; a disk spun down since (standby)
/// or a run that failed since (timeout, garbage) keeps them, and `run` says how old they are.
/// Every figure is optional: nil means smartctl did not report it, never 0.
public struct SMARTDisk: Sendable, Equatable {
    /// What the last usable run said.
    public enum State: String, Sendable, CaseIterable {
        /// SMART overall-health self-assessment passed.
        case passed
        /// The disk says it is failing (SMART FAILED, NVMe critical warning with failed status).
        case failed
        /// The disk answered but printed no overall verdict.
        case unknown
        /// The disk is spun down and was not woken to ask (`-n standby`); figures are from
        /// the last time it was awake, if any.
        case standby
        /// smartctl cannot read SMART here (virtio or RAID volume, unknown USB bridge, SMART
        /// unavailable): no verdict, nothing wrong.
        case unsupported
        /// No usable run yet: smartctl failed, timed out or printed something unreadable
        /// (the reason is in `run.error`).
        case error
    }

    /// One ATA SMART attribute (`ata_smart_attributes.table`).
    public struct Attribute: Sendable, Equatable {
        public var id: Int
        public var name: String
        /// Normalized value, worst value seen, threshold (higher is better; failing at or below threshold).
        public var value: Int?
        public var worst: Int?
        public var threshold: Int?
        /// Raw value (vendor-specific meaning).
        public var raw: UInt64?
        /// "" never, "now", "past".
        public var whenFailed: String
        /// Pre-failure attribute (its threshold predicts failure) rather than old-age.
        public var prefailure: Bool

        public init(
            id: Int, name: String, value: Int? = nil, worst: Int? = nil, threshold: Int? = nil, raw: UInt64? = nil,
            whenFailed: String = "", prefailure: Bool = false
        ) {
            self.id = id
            self.name = name
            self.value = value
            self.worst = worst
            self.threshold = threshold
            self.raw = raw
            self.whenFailed = whenFailed
            self.prefailure = prefailure
        }
    }

    /// Kernel name of the whole disk ("sda", "nvme0n1").
    public var device: String
    /// Device node asked ("/dev/sda").
    public var path: String
    /// "ATA", "SCSI", "NVMe" (smartctl's `device.protocol`).
    public var protocolName: String?
    /// smartctl's device type ("sat", "nvme", "scsi", "usbjmicron").
    public var deviceType: String?
    public var model: String?
    public var serial: String?
    /// World Wide Name, lower-case hex without "0x" (NVMe: "eui.<hex>"), as udev's ID_WWN.
    public var wwn: String?
    public var firmware: String?
    public var state: State
    /// The disk's own overall verdict (`smart_status.passed`) from the last run that printed
    /// one (kept while the disk is in standby); nil when none did.
    public var passed: Bool?
    /// Why the state is unsupported or error (smartctl's message, the failure).
    public var stateReason: String?
    /// smartctl's exit status of the run the figures come from, and its set bits by name
    /// ("disk_failing", "prefail_below_threshold", "error_log"...).
    public var exitStatus: Int?
    public var exitStatusBits: [String]
    /// smartctl's messages of that run.
    public var messages: [String]
    /// When the figures were read from the disk, seconds since the Unix epoch.
    public var figuresTimestampSeconds: Double?

    /// Power-on time, hours.
    public var powerOnHours: Double?
    /// Current temperature, degrees Celsius.
    public var temperatureCelsius: Double?
    public var powerCycles: UInt64?
    /// ATA raw values: 5 reallocated sectors, 197 pending sectors, 198 offline uncorrectable
    /// sectors, 187 reported uncorrectable errors, 199 interface CRC errors.
    public var reallocatedSectors: UInt64?
    public var pendingSectors: UInt64?
    public var offlineUncorrectableSectors: UInt64?
    public var reportedUncorrectableErrors: UInt64?
    public var crcErrors: UInt64?
    /// Endurance used, percent (NVMe percentage used, ATA device statistics or a life-left
    /// attribute); 100 = rated life reached, NVMe may exceed it.
    public var enduranceUsedPercent: Int?
    /// IDs of pre-failure attributes at or below their threshold now.
    public var prefailAttributesFailing: [Int]
    /// NVMe health log: critical warning bits, spare and its threshold (percent), media
    /// errors, error log entries, unsafe shutdowns, data units (512,000 bytes) read and written.
    public var nvmeCriticalWarning: Int?
    public var availableSparePercent: Int?
    public var availableSpareThresholdPercent: Int?
    public var mediaErrors: UInt64?
    public var errorLogEntries: UInt64?
    public var unsafeShutdowns: UInt64?
    public var dataUnitsRead: UInt64?
    public var dataUnitsWritten: UInt64?
    /// SCSI: grown defect list entries; uncorrected read, write, verify errors.
    public var grownDefects: UInt64?
    public var readUncorrectedErrors: UInt64?
    public var writeUncorrectedErrors: UInt64?
    public var verifyUncorrectedErrors: UInt64?
    /// ATA attributes as printed (about 10 to 35 per disk).
    public var attributes: [Attribute]
    /// How the background smartctl runs on this disk went.
    public var run: ToolRunStatus

    /// Bytes in one NVMe data unit (1000 512-byte units).
    public static let nvmeDataUnitBytes: UInt64 = 512_000

    public init(device: String, path: String, state: State, run: ToolRunStatus) {
        self.device = device
        self.path = path
        self.state = state
        self.run = run
        self.exitStatusBits = []
        self.messages = []
        self.prefailAttributesFailing = []
        self.attributes = []
    }
}
