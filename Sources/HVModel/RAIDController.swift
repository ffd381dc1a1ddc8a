/// One hardware RAID controller as its vendor's CLI reports it (Broadcom/LSI MegaRAID and Dell
/// PERC through storcli/perccli, HPE Smart Array through ssacli, Microchip/Adaptec through
/// arcconf), with its logical and physical drives. Filled by the `raid_controller` collector
/// from the tool's last good background run.
public struct RAIDController: Sendable, Equatable {
    /// Overall controller status, normalised. The tool's own word is `statusWord`.
    public enum Status: String, Sendable, CaseIterable {
        case optimal, degraded, failed, unknown
    }

    /// Battery / CacheVault / capacitor (the cache's backup power), normalised.
    public enum BatteryState: String, Sendable, CaseIterable {
        case optimal, charging, degraded, failed, absent, unknown
    }

    /// Controller cache, normalised (`disabled`: the controller turned write caching off, as it
    /// does when the backup power fails).
    public enum CacheState: String, Sendable, CaseIterable {
        case ok, disabled, failed, unknown
    }

    /// Unique on the host: the tool family and the tool's controller id, "storcli/c0",
    /// "ssacli/slot0", "arcconf/1". The `controller` label of every `hv_raid_*` series.
    public var name: String
    /// The program that reported it, as run ("storcli64", "perccli64", "ssacli", "arcconf").
    public var tool: String
    /// "broadcom", "dell", "hpe", "microchip".
    public var vendor: String
    public var model: String
    public var serial: String
    public var firmware: String
    public var status: Status
    public var statusWord: String
    /// nil when the tool says nothing about backup power.
    public var battery: BatteryState?
    public var batteryWord: String?
    /// nil when the tool says nothing about the cache.
    public var cache: CacheState?
    public var cacheWord: String?
    public var logicalDrives: [RAIDLogicalDrive]
    public var physicalDrives: [RAIDPhysicalDrive]
    /// The run of the tool these figures come from; `toolRun.stale` when the last run failed
    /// and these are the last good figures.
    public var toolRun: ToolRunStatus
    /// What could not be read about this controller in the last run (a sub-command that
    /// failed, a row without its id); empty when all went well.
    public var problems: [String]

    public init(
        name: String, tool: String, vendor: String, model: String = "", serial: String = "", firmware: String = "",
        status: Status = .unknown, statusWord: String = "", battery: BatteryState? = nil, batteryWord: String? = nil,
        cache: CacheState? = nil, cacheWord: String? = nil, logicalDrives: [RAIDLogicalDrive] = [],
        physicalDrives: [RAIDPhysicalDrive] = [], toolRun: ToolRunStatus, problems: [String] = []
    ) {
        self.name = name
        self.tool = tool
        self.vendor = vendor
        self.model = model
        self.serial = serial
        self.firmware = firmware
        self.status = status
        self.statusWord = statusWord
        self.battery = battery
        self.batteryWord = batteryWord
        self.cache = cache
        self.cacheWord = cacheWord
        self.logicalDrives = logicalDrives
        self.physicalDrives = physicalDrives
        self.toolRun = toolRun
        self.problems = problems
    }
}
