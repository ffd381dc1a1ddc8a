/// One physical drive behind a hardware RAID controller.
public struct RAIDPhysicalDrive: Sendable, Equatable {
    /// Normalised state; the tool's word is `stateWord` (storcli "Onln/Offln/UBad/Rbld/UGood/
    /// GHS/DHS", ssacli "OK/Failed/Predictive Failure/Rebuilding", arcconf "Online/Failed/
    /// Rebuilding/Ready/Hot-Spare").
    public enum State: String, Sendable, CaseIterable {
        case online, spare, unconfigured, jbod, rebuilding
        case predictiveFailure = "predictive_failure"
        case offline, failed, missing, unknown
    }

    /// Where it sits in the tool's words: "252:0" (storcli EID:Slt), "1I:1:1" (ssacli),
    /// "0:3" (arcconf enclosure:slot).
    public var slot: String
    public var state: State
    public var stateWord: String
    public var model: String
    public var serial: String
    /// Lower case hex without "0x"; nil when not told.
    public var wwn: String?
    public var sizeBytes: UInt64?
    /// "HDD" / "SSD" when told.
    public var medium: String?
    /// Media errors the controller counted on this drive (storcli "Media Error Count").
    public var mediaErrors: UInt64?
    /// Other errors (link, timeouts; storcli "Other Error Count").
    public var otherErrors: UInt64?
    /// Predictive failures (S.M.A.R.T. trips) the controller counted.
    public var predictiveFailures: UInt64?
    /// Whether the drive flagged a S.M.A.R.T. alert.
    public var smartAlert: Bool?
    /// Rebuild progress 0...1 while it rebuilds and the tool tells it.
    public var rebuildRatio: Double?

    public init(
        slot: String, state: State = .unknown, stateWord: String = "", model: String = "", serial: String = "",
        wwn: String? = nil, sizeBytes: UInt64? = nil, medium: String? = nil, mediaErrors: UInt64? = nil,
        otherErrors: UInt64? = nil, predictiveFailures: UInt64? = nil, smartAlert: Bool? = nil, rebuildRatio: Double? = nil
    ) {
        self.slot = slot
        self.state = state
        self.stateWord = stateWord
        self.model = model
        self.serial = serial
        self.wwn = wwn
        self.sizeBytes = sizeBytes
        self.medium = medium
        self.mediaErrors = mediaErrors
        self.otherErrors = otherErrors
        self.predictiveFailures = predictiveFailures
        self.smartAlert = smartAlert
        self.rebuildRatio = rebuildRatio
    }
}
