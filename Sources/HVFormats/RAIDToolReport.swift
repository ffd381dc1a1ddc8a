/// What a hardware RAID controller's CLI (storcli/perccli, ssacli, arcconf) says about its
/// controllers, in the tool's own words plus a normalised state from a small vocabulary.
///
/// Normalised states (lower case; the vendor's word is kept beside each):
/// - controller status: `optimal`, `degraded`, `failed`, `unknown`
/// - logical drive: `optimal`, `degraded`, `rebuilding`, `failed`, `offline`, `initializing`,
///   `unknown`
/// - physical drive: `online`, `spare`, `unconfigured`, `jbod`, `rebuilding`,
///   `predictive_failure`, `offline`, `failed`, `missing`, `unknown`
/// - battery / CacheVault / capacitor: `optimal`, `charging`, `degraded`, `failed`, `absent`,
///   `unknown`
/// - cache: `ok`, `disabled`, `failed`, `unknown`
public struct RAIDToolReport: Sendable, Equatable {
    public var controllers: [RAIDToolController]
    /// Parts of the output that could not be read (one line each); the rest is kept.
    public var problems: [String]

    public init(controllers: [RAIDToolController] = [], problems: [String] = []) {
        self.controllers = controllers
        self.problems = problems
    }
}

/// One controller as its CLI reports it.
public struct RAIDToolController: Sendable, Equatable {
    /// The tool's own name for it: "c0" (storcli), "slot0" (ssacli), "1" (arcconf).
    public var id: String
    /// "broadcom", "dell", "hpe", "microchip".
    public var vendor: String
    public var model: String
    public var serial: String
    public var firmware: String
    /// Normalised status and the tool's word for it.
    public var status: String
    public var statusWord: String
    /// Normalised battery/CacheVault/capacitor state and the tool's word; nil when not told.
    public var battery: String?
    public var batteryWord: String?
    /// Normalised cache state and the tool's word; nil when not told.
    public var cache: String?
    public var cacheWord: String?
    public var logicalDrives: [RAIDToolLogicalDrive]
    public var physicalDrives: [RAIDToolPhysicalDrive]

    public init(
        id: String, vendor: String, model: String = "", serial: String = "", firmware: String = "",
        status: String = "unknown", statusWord: String = "", battery: String? = nil, batteryWord: String? = nil,
        cache: String? = nil, cacheWord: String? = nil, logicalDrives: [RAIDToolLogicalDrive] = [],
        physicalDrives: [RAIDToolPhysicalDrive] = []
    ) {
        self.id = id
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
    }
}

/// One logical drive (virtual drive, logical device) of a controller.
public struct RAIDToolLogicalDrive: Sendable, Equatable {
    /// The tool's id: "0/0" (storcli DG/VD), "1" (ssacli, arcconf).
    public var id: String
    /// "RAID1", "RAID5", "RAID6 (ADG)", "1+0" as the tool says it, with "RAID" prefixed when it
    /// gives a bare number.
    public var raidLevel: String
    public var state: String
    public var stateWord: String
    public var sizeBytes: UInt64?
    /// OS block device path ("/dev/sda") when the tool tells it.
    public var osDevice: String?
    /// WWN / NAA id, lower case hex without "0x", when the tool tells it.
    public var wwn: String?
    /// Rebuild / recovery progress 0...1 when one runs and the tool tells it.
    public var rebuildRatio: Double?
    /// Name the operator gave it.
    public var name: String

    public init(
        id: String, raidLevel: String = "", state: String = "unknown", stateWord: String = "", sizeBytes: UInt64? = nil,
        osDevice: String? = nil, wwn: String? = nil, rebuildRatio: Double? = nil, name: String = ""
    ) {
        self.id = id
        self.raidLevel = raidLevel
        self.state = state
        self.stateWord = stateWord
        self.sizeBytes = sizeBytes
        self.osDevice = osDevice
        self.wwn = wwn
        self.rebuildRatio = rebuildRatio
        self.name = name
    }
}

/// One physical drive behind a controller.
public struct RAIDToolPhysicalDrive: Sendable, Equatable {
    /// Where it sits, in the tool's words: "252:0" (storcli EID:Slt), "1I:1:1" (ssacli),
    /// "0:3" (arcconf channel/enclosure:slot or device number).
    public var slot: String
    public var state: String
    public var stateWord: String
    public var model: String
    public var serial: String
    /// Lower case hex without "0x"; nil when not told.
    public var wwn: String?
    public var sizeBytes: UInt64?
    /// "HDD" / "SSD" when told.
    public var medium: String?
    /// The logical drive group it belongs to, in the tool's words ("0" storcli DG, "A" ssacli
    /// array); nil when unassigned.
    public var group: String?
    public var mediaErrors: UInt64?
    public var otherErrors: UInt64?
    public var predictiveFailures: UInt64?
    /// Whether the drive itself flagged a S.M.A.R.T. alert / warning.
    public var smartAlert: Bool?
    /// Rebuild progress 0...1 while it rebuilds and the tool tells it.
    public var rebuildRatio: Double?

    public init(
        slot: String, state: String = "unknown", stateWord: String = "", model: String = "", serial: String = "",
        wwn: String? = nil, sizeBytes: UInt64? = nil, medium: String? = nil, group: String? = nil,
        mediaErrors: UInt64? = nil, otherErrors: UInt64? = nil, predictiveFailures: UInt64? = nil,
        smartAlert: Bool? = nil, rebuildRatio: Double? = nil
    ) {
        self.slot = slot
        self.state = state
        self.stateWord = stateWord
        self.model = model
        self.serial = serial
        self.wwn = wwn
        self.sizeBytes = sizeBytes
        self.medium = medium
        self.group = group
        self.mediaErrors = mediaErrors
        self.otherErrors = otherErrors
        self.predictiveFailures = predictiveFailures
        self.smartAlert = smartAlert
        self.rebuildRatio = rebuildRatio
    }
}

/// Why a RAID tool's output could not be read at all (another tool's or firmware's format,
/// a command the controller refused, truncated output).
public struct RAIDFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The tool whose output was expected: "storcli", "ssacli", "arcconf".
    public var tool: String
    public var message: String
    public init(tool: String, _ message: String) {
        self.tool = tool
        self.message = message
    }
    public var description: String { "\(tool) output: \(message)" }
}

/// Small text helpers the RAID parsers share (no Foundation).
enum RAIDText {
    /// Trims spaces, tabs and CR at both ends.
    static func trim<S: StringProtocol>(_ s: S) -> String {
        var scalars = Substring(s).unicodeScalars[...]
        while let f = scalars.first, f == " " || f == "\t" || f == "\r" { scalars = scalars.dropFirst() }
        while let l = scalars.last, l == " " || l == "\t" || l == "\r" { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Lines of a text output (bytes decoded as UTF-8, invalid sequences replaced).
    static func lines(_ bytes: [UInt8]) -> [Substring] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// "key : value" / "key: value" split at the first colon; nil without one.
    static func keyValue<S: StringProtocol>(_ line: S) -> (key: String, value: String)? {
        guard let c = line.firstIndex(of: ":") else { return nil }
        return (trim(line[..<c]), trim(line[line.index(after: c)...]))
    }

    /// A size as the tools print it ("1.745 TB", "893.750 GB", "279.4 GB", "1906678 MB",
    /// "1.2 TB", "512 KB", "2.618 TiB"), in bytes. storcli and arcconf print binary multiples
    /// under decimal names (their "MB" is MiB); ssacli prints decimal ones: `binary` picks which.
    static func bytes<S: StringProtocol>(_ text: S, binary: Bool) -> UInt64? {
        let t = trim(text)
        var number = ""
        var rest = Substring(t)
        while let c = rest.first, c.isNumber || c == "." {
            number.append(c)
            rest = rest.dropFirst()
        }
        guard !number.isEmpty, let value = Double(number), value.isFinite, value >= 0 else { return nil }
        let unit = trim(rest).uppercased()
        let exponent: Int
        var base = binary ? 1024.0 : 1000.0
        switch unit.prefix(3) {
        case "B", "": exponent = 0
        case "KB", "K": exponent = 1
        case "MB", "M": exponent = 2
        case "GB", "G": exponent = 3
        case "TB", "T": exponent = 4
        case "PB", "P": exponent = 5
        case "KIB": exponent = 1; base = 1024
        case "MIB": exponent = 2; base = 1024
        case "GIB": exponent = 3; base = 1024
        case "TIB": exponent = 4; base = 1024
        case "PIB": exponent = 5; base = 1024
        default:
            // "1.745 TB [0x...]" and the like: the first word is the unit.
            let word = unit.split(separator: " ").first.map(String.init) ?? ""
            guard word != unit, !word.isEmpty else { return nil }
            return bytes("\(number) \(word)", binary: binary)
        }
        var total = value
        for _ in 0..<exponent { total *= base }
        guard total < 1.8e19 else { return nil }
        return UInt64(total.rounded())
    }

    /// A WWN / NAA id normalised: lower case hex, without "0x"; nil when not hex.
    static func wwn<S: StringProtocol>(_ text: S) -> String? {
        var t = trim(text).lowercased()
        if t.hasPrefix("0x") { t.removeFirst(2) }
        guard t.count >= 8, t.count <= 40, t.allSatisfy({ $0.isHexDigit }) else { return nil }
        return t
    }

    /// A percentage ("39", "39 %", 39) as a ratio 0...1; nil when not a number in range.
    static func ratio(percent text: String) -> Double? {
        let t = trim(text.raidReplacing("%", with: ""))
        guard let v = Double(t), v.isFinite, v >= 0, v <= 100 else { return nil }
        return v / 100
    }
}

extension String {
    /// Every `target` replaced, without Foundation, for the RAID parsers' small strings.
    func raidReplacing(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.raidRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}

extension Substring {
    /// First range of `target` (plain scan, no Foundation).
    func raidRange(of target: String) -> Range<Substring.Index>? {
        let t = Array(target.utf8)
        guard !t.isEmpty else { return nil }
        let u = self.utf8
        var i = u.startIndex
        while i != u.endIndex {
            var j = i
            var k = 0
            while k < t.count, j != u.endIndex, u[j] == t[k] {
                j = u.index(after: j)
                k += 1
            }
            if k == t.count { return i..<j }
            i = u.index(after: i)
        }
        return nil
    }
}
