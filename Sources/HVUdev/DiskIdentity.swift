/// Who a disk is, in the words an operator needs to find it in the rack: model, serial,
/// WWN and the stable `/dev/disk/by-id/` name. Built from udev properties.
public struct DiskIdentity: Sendable, Equatable {
    /// `ID_MODEL`, e.g. "Samsung_SSD_860_EVO_1TB" (udev writes spaces as '_').
    public var model: String?
    /// `ID_SERIAL_SHORT`, else `ID_SERIAL` (which prefixes the model).
    public var serial: String?
    /// `ID_WWN`, e.g. "0x5002538e40a1b2c3".
    public var wwn: String?
    /// One `/dev/disk/by-id/` link of the device (see `init(properties:devlinks:)` for which).
    public var byIdPath: String?
    /// False when udev has no database entry for the device (no udevd ran, e.g. in a
    /// container or a host without systemd-udevd): then only kernel properties exist and
    /// the fields above are nil.
    public var initialized: Bool

    public init(
        model: String? = nil, serial: String? = nil, wwn: String? = nil, byIdPath: String? = nil,
        initialized: Bool = true
    ) {
        self.model = model
        self.serial = serial
        self.wwn = wwn
        self.byIdPath = byIdPath
        self.initialized = initialized
    }

    /// Maps udev properties and device links to an identity.
    ///
    /// The by-id link: among `devlinks` under `/dev/disk/by-id/`, the first (in sorted order)
    /// that contains the serial, else the first that is not a `wwn-`/`nvme-eui.` alias, else
    /// the first. Empty property values count as absent.
    public init(properties: [String: String], devlinks: [String], initialized: Bool = true) {
        func value(_ key: String) -> String? {
            guard let v = properties[key], !v.isEmpty else { return nil }
            return v
        }
        self.model = value("ID_MODEL")
        self.serial = value("ID_SERIAL_SHORT") ?? value("ID_SERIAL")
        self.wwn = value("ID_WWN")
        self.initialized = initialized
        let prefix = "/dev/disk/by-id/"
        let byID = devlinks.filter { $0.hasPrefix(prefix) && $0.count > prefix.count }.sorted()
        let name = { (p: String) in p.dropFirst(prefix.count) }
        if let s = serial, let withSerial = byID.first(where: { name($0).contains(s) }) {
            self.byIdPath = withSerial
        } else {
            self.byIdPath = byID.first { !name($0).hasPrefix("wwn-") && !name($0).hasPrefix("nvme-eui.") } ?? byID.first
        }
    }

    /// True when none of model, serial, WWN and by-id link is known.
    public var isEmpty: Bool { model == nil && serial == nil && wwn == nil && byIdPath == nil }
}
