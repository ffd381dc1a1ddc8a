/// What `multipathd show maps json` prints (multipath-tools 0.5.0 and later; `list maps json`
/// is the older spelling): every multipath map with its path groups and paths.
///
/// ```
/// {"major_version": 0, "minor_version": 1, "maps": [{"name": "mpathp",
///   "uuid": "360050768029b8168e000000000006247", "sysfs": "dm-3", "queueing": "5 chk",
///   "paths": 0, "dm_st": "active", "features": "0", "path_faults": 1, ...,
///   "path_groups": [{"selector": "round-robin 0", "dm_st": "active", "group": 1,
///     "paths": [{"dev": "sdb", "dev_t": "8:16", "dm_st": "failed", "dev_st": "running",
///                "chk_st": "faulty", "checker": "tur", ...}]}]}]}
/// ```
/// The map's `paths` is the number of usable paths (checker up or ghost), as multipathd
/// counts them (`%N`). A map without a name is listed in `malformed`; the others are kept.
public struct MultipathdMaps: Sendable, Equatable {
    public var maps: [MultipathdMap]
    public var malformed: [String]

    public init(maps: [MultipathdMap] = [], malformed: [String] = []) {
        self.maps = maps
        self.malformed = malformed
    }

    /// Parses the whole document (`maps` array, or `map` object of `show map <m> json`).
    public static func parse(_ bytes: [UInt8]) throws(StorageToolFormatError) -> MultipathdMaps {
        let doc: JSONValue
        do throws(JSONError) {
            doc = try JSONValue.parse(bytes)
        } catch {
            let text = String(decoding: bytes.prefix(120), as: UTF8.self)
            let hint = StorageToolText.trimmed(text.split(separator: "\n").first ?? "")
            throw StorageToolFormatError("multipathd: \(error)\(hint.isEmpty ? "" : " (output starts: '\(hint)')")")
        }
        let items: [JSONValue]
        if let maps = doc["maps"]?.array {
            items = maps
        } else if let one = doc["map"], one.object != nil {
            items = [one]
        } else {
            throw StorageToolFormatError("multipathd: expected an object with a \"maps\" array")
        }
        var out = MultipathdMaps()
        for (i, item) in items.enumerated() {
            do throws(StorageToolFormatError) {
                out.maps.append(try map(item))
            } catch {
                out.malformed.append("map #\(i): \(error.message)")
            }
        }
        return out
    }

    /// One map object of the document.
    public static func map(_ v: JSONValue) throws(StorageToolFormatError) -> MultipathdMap {
        guard v.object != nil else { throw StorageToolFormatError("not an object") }
        guard let name = v["name"]?.string, !name.isEmpty else { throw StorageToolFormatError("no name") }
        var m = MultipathdMap(name: name)
        m.uuid = v["uuid"]?.string
        m.sysfs = v["sysfs"]?.string
        m.failback = v["failback"]?.string
        m.queueing = v["queueing"]?.string
        m.activePaths = v["paths"]?.int
        m.writeProtection = v["write_prot"]?.string
        m.dmState = v["dm_st"]?.string
        m.features = v["features"]?.string
        m.hardwareHandler = v["hwhandler"]?.string
        m.pathFaults = v["path_faults"]?.uint64
        m.vendor = v["vend"]?.string.map { String(StorageToolText.trimmed($0)) }
        m.product = v["prod"]?.string.map { String(StorageToolText.trimmed($0)) }
        m.mapLoads = v["map_loads"]?.uint64
        m.queueTimeouts = v["q_timeouts"]?.uint64
        for g in v["path_groups"]?.array ?? [] {
            var group = MultipathdPathGroup()
            group.group = g["group"]?.int
            group.selector = g["selector"]?.string
            group.priority = g["pri"]?.int
            group.dmState = g["dm_st"]?.string
            for p in g["paths"]?.array ?? [] {
                if let path = path(p) { group.paths.append(path) }
            }
            m.pathGroups.append(group)
        }
        return m
    }

    /// One path object; nil when it names no device.
    public static func path(_ v: JSONValue) -> MultipathdPath? {
        guard let dev = v["dev"]?.string, !dev.isEmpty else { return nil }
        var p = MultipathdPath(device: dev)
        p.devT = v["dev_t"]?.string
        p.dmState = v["dm_st"]?.string
        p.deviceState = v["dev_st"]?.string
        p.checkerState = v["chk_st"]?.string
        p.checker = v["checker"]?.string
        p.priority = v["pri"]?.int
        p.marginalState = v["marginal_st"]?.string
        p.hostAdapter = v["host_adapter"]?.string
        return p
    }
}

/// One multipath map (a dm device over several paths to one LUN).
public struct MultipathdMap: Sendable, Equatable {
    /// Map name (alias, "mpatha", or the WWID with user_friendly_names off).
    public var name: String
    /// WWID ("3" + NAA identifier for SCSI LUNs).
    public var uuid: String?
    /// Kernel name of the dm device, "dm-3".
    public var sysfs: String?
    public var failback: String?
    /// "off", "on" (queue_if_no_path forever), "<n> chk" (no_path_retry countdown), "-".
    public var queueing: String?
    /// Usable paths as multipathd counts them.
    public var activePaths: Int?
    public var writeProtection: String?
    /// dm state of the map: active, suspend.
    public var dmState: String?
    /// dm features string, e.g. "1 queue_if_no_path".
    public var features: String?
    public var hardwareHandler: String?
    public var pathFaults: UInt64?
    public var vendor: String?
    public var product: String?
    public var mapLoads: UInt64?
    public var queueTimeouts: UInt64?
    public var pathGroups: [MultipathdPathGroup]

    public init(name: String) {
        self.name = name
        self.pathGroups = []
    }
}

public struct MultipathdPathGroup: Sendable, Equatable {
    public var group: Int?
    public var selector: String?
    public var priority: Int?
    /// active, enabled, disabled.
    public var dmState: String?
    public var paths: [MultipathdPath] = []

    public init() {}
}

public struct MultipathdPath: Sendable, Equatable {
    /// Kernel name of the path device, "sdb".
    public var device: String
    /// "8:16".
    public var devT: String?
    /// dm's view: active, failed.
    public var dmState: String?
    /// SCSI device state: running, offline, blocked...
    public var deviceState: String?
    /// Path checker: ready, faulty, shaky, ghost, i/o pending, delayed, undef...
    public var checkerState: String?
    public var checker: String?
    public var priority: Int?
    /// normal, marginal.
    public var marginalState: String?
    public var hostAdapter: String?

    public init(device: String) { self.device = device }
}
