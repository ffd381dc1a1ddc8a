/// What `smartctl --json -x <device>` (smartmontools 7.x, JSON format 1.0) says about one disk:
/// identity, the overall SMART verdict, the ATA attributes, the NVMe health log, the SCSI
/// defect and error counters, and how the run itself went (`smartctl.exit_status`, messages).
///
/// Every figure is optional: a field smartctl did not print stays nil, never 0. Parsing is
/// total over any JSON: a value of the wrong kind is left out and named in `problems`.
public struct SmartctlReport: Sendable, Equatable {
    /// Bits of `smartctl.exit_status` (smartctl(8) "RETURN VALUES").
    public struct ExitStatus: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Bit 0: the command line did not parse, or the device type could not be detected.
        public static let commandLine = ExitStatus(rawValue: 1)
        /// Bit 1: the device could not be opened, or (with `-n`) it is in a low-power mode.
        public static let deviceOpenFailed = ExitStatus(rawValue: 2)
        /// Bit 2: some SMART or other command to the disk failed, or a checksum error.
        public static let commandFailed = ExitStatus(rawValue: 4)
        /// Bit 3: the SMART status check returned "DISK FAILING".
        public static let diskFailing = ExitStatus(rawValue: 8)
        /// Bit 4: prefail attributes at or below their threshold now.
        public static let prefailBelowThreshold = ExitStatus(rawValue: 16)
        /// Bit 5: the SMART status is OK but some attributes were at or below threshold in the past.
        public static let pastThreshold = ExitStatus(rawValue: 32)
        /// Bit 6: the device error log holds errors.
        public static let errorLog = ExitStatus(rawValue: 64)
        /// Bit 7: the self-test log holds errors.
        public static let selfTestErrors = ExitStatus(rawValue: 128)

        /// Each set bit's short name, low bit first ("command_line", "open_failed",
        /// "command_failed", "disk_failing", "prefail_below_threshold", "past_threshold",
        /// "error_log", "self_test_errors").
        public var names: [String] {
            Self.bitNames.enumerated().compactMap { i, n in rawValue & (1 << i) != 0 ? n : nil }
        }
        public static let bitNames = [
            "command_line", "open_failed", "command_failed", "disk_failing", "prefail_below_threshold",
            "past_threshold", "error_log", "self_test_errors",
        ]
    }

    /// One line of `smartctl.messages`.
    public struct Message: Sendable, Equatable {
        public var text: String
        /// "information", "warning", "error" (nil when not printed).
        public var severity: String?
        public init(text: String, severity: String? = nil) {
            self.text = text
            self.severity = severity
        }
    }

    /// One row of `ata_smart_attributes.table`.
    public struct Attribute: Sendable, Equatable {
        /// Attribute ID, 1...255.
        public var id: Int
        /// smartctl's name for it (drive database), e.g. "Reallocated_Sector_Ct".
        public var name: String
        /// Normalized value (1...253 for most drives; higher is better).
        public var value: Int?
        /// Worst normalized value seen.
        public var worst: Int?
        /// Threshold: the disk's verdict is "failing" when a prefail attribute's value falls to it.
        public var threshold: Int?
        /// The raw value as a number (its meaning is the vendor's; some pack several fields).
        public var raw: UInt64?
        /// smartctl's reading of the raw value ("36 (Min/Max 24/57)").
        public var rawString: String?
        /// "" (never), "now" (value at or below threshold now), "past" (worst was).
        public var whenFailed: String
        /// Whether this is a pre-failure attribute (its threshold predicts failure).
        public var prefailure: Bool

        public init(
            id: Int, name: String, value: Int? = nil, worst: Int? = nil, threshold: Int? = nil, raw: UInt64? = nil,
            rawString: String? = nil, whenFailed: String = "", prefailure: Bool = false
        ) {
            self.id = id
            self.name = name
            self.value = value
            self.worst = worst
            self.threshold = threshold
            self.raw = raw
            self.rawString = rawString
            self.whenFailed = whenFailed
            self.prefailure = prefailure
        }
    }

    /// `nvme_smart_health_information_log` (NVMe 1.4 "SMART / Health Information", log page 2).
    public struct NVMeHealth: Sendable, Equatable {
        /// Critical warning bits: 0 spare below threshold, 1 temperature, 2 reliability degraded,
        /// 3 media read-only, 4 volatile memory backup failed, 5 persistent memory region unreliable.
        public var criticalWarning: Int?
        /// Vendor estimate of life used, percent (may exceed 100, up to 255).
        public var percentageUsed: Int?
        /// Remaining spare capacity, percent.
        public var availableSpare: Int?
        /// Spare below which the controller warns, percent.
        public var availableSpareThreshold: Int?
        /// Unrecovered data integrity errors over the device's life.
        public var mediaErrors: UInt64?
        /// Error information log entries over the device's life.
        public var errorLogEntries: UInt64?
        /// Shutdowns without a shutdown notification.
        public var unsafeShutdowns: UInt64?
        /// Data read and written, in NVMe data units (1000 sectors of 512 bytes each).
        public var dataUnitsRead: UInt64?
        public var dataUnitsWritten: UInt64?
        public init() {}
    }

    /// What a SCSI disk's logs say.
    public struct SCSICounters: Sendable, Equatable {
        /// Entries in the grown defect list (sectors remapped since manufacture).
        public var grownDefects: UInt64?
        /// `scsi_error_counter_log.<read|write|verify>.total_uncorrected_errors`.
        public var readUncorrected: UInt64?
        public var writeUncorrected: UInt64?
        public var verifyUncorrected: UInt64?
        public init() {}
    }

    /// `smartctl.exit_status`; nil when not printed (an output cut short).
    public var exitStatusValue: Int?
    /// `smartctl.messages`.
    public var messages: [Message] = []
    /// smartctl's version ("7.3"), from `smartctl.version`.
    public var smartctlVersion: String?
    /// `device.name` ("/dev/sda"), `device.type` ("sat", "nvme", "scsi", "usbjmicron",
    /// "sat+megaraid,0"), `device.protocol` ("ATA", "SCSI", "NVMe").
    public var deviceName: String?
    public var deviceType: String?
    public var deviceProtocol: String?
    /// `model_name` (ATA, NVMe; SCSI: vendor and product).
    public var model: String?
    public var serial: String?
    /// World Wide Name as lower-case hex without "0x", like udev's ID_WWN ("5000cca0ca2d9b27"):
    /// ATA `wwn` {naa, oui, id}, or an NVMe namespace's EUI-64 when there is no WWN.
    public var wwn: String?
    public var firmware: String?
    /// `smart_support.available` / `.enabled` where printed.
    public var smartAvailable: Bool?
    public var smartEnabled: Bool?
    /// `smart_status.passed`: the disk's own overall verdict; nil when not printed.
    public var passed: Bool?
    /// `power_on_time.hours` (plus `.minutes` where printed), in hours.
    public var powerOnHours: Double?
    /// `temperature.current`, degrees Celsius.
    public var temperatureCelsius: Double?
    /// `power_cycle_count`.
    public var powerCycles: UInt64?
    /// `ata_smart_attributes.table`, in printed order.
    public var attributes: [Attribute] = []
    /// ATA `ata_device_statistics` "Percentage Used Endurance Indicator" (only with `-x`), percent.
    public var deviceStatisticsPercentageUsed: Int?
    public var nvme: NVMeHealth?
    public var scsi: SCSICounters?
    /// Parts of the document that were there but unreadable ("attribute 3: no id").
    public var problems: [String] = []

    public init() {}

    /// The exit status bits (empty when not printed).
    public var exitStatus: ExitStatus { ExitStatus(rawValue: exitStatusValue ?? 0) }
}

/// Why bytes are not a smartctl JSON report at all (a report with odd parts is still a report).
public struct SmartctlParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
