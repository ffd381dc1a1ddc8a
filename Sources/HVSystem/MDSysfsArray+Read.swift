import Glibc

extension MDSysfsArray {
    /// Largest sysfs attribute the kernel writes (one page).
    static let attributeMaxBytes = FileReader.sysfsAttributeMaxBytes

    /// md arrays under `<sysRoot>/block`: entries named "md*" that have an `md/` directory,
    /// in directory order. Throws `.notFound` when `<sysRoot>/block` does not exist.
    public static func list(sysRoot: String) throws -> [String] {
        let block = sysRoot + "/block"
        return try DirectoryReader.names(block).filter { name in
            name.hasPrefix("md") && FileReader.exists("\(block)/\(name)/md")
        }
    }

    /// Reads `<sysRoot>/block/<device>/md/` and its `dev-*` members.
    ///
    /// Attributes the array's level or state does not have are nil. A value that does not
    /// parse throws `SystemError` (`.malformed`) naming the file; a missing `md/` directory
    /// or `array_state` throws `.notFound`.
    public static func read(sysRoot: String, device: String) throws -> MDSysfsArray {
        let dir = "\(sysRoot)/block/\(device)/md"
        func required<T>(_ name: String, _ parse: ([UInt8]) throws -> T) throws -> T {
            let path = "\(dir)/\(name)"
            let bytes = try FileReader.read(path, maxBytes: attributeMaxBytes)
            return try parsing(path) { try parse(bytes) }
        }
        func optional<T>(_ name: String, _ parse: ([UInt8]) throws -> T) throws -> T? {
            try FileReader.attributeIfPresent("\(dir)/\(name)", parse)
        }

        var a = MDSysfsArray(device: device, arrayState: try required("array_state", MDSysfsAttribute.word))
        a.level = try optional("level", MDSysfsAttribute.level) ?? nil
        if let rd = try optional("raid_disks", MDSysfsAttribute.reshapeable) ?? nil {
            guard rd.current <= UInt64(Int32.max), (rd.before ?? 0) <= UInt64(Int32.max) else {
                throw SystemError(.malformed, path: "\(dir)/raid_disks", reason: "member count out of range")
            }
            a.raidDisks = Int(rd.current)
            a.raidDisksBefore = rd.before.map { Int($0) }
        }
        if let cs = try optional("chunk_size", MDSysfsAttribute.reshapeable) ?? nil {
            a.chunkSizeBytes = cs.current
            a.chunkSizeBytesBefore = cs.before
        }
        a.componentSizeKiB = try optional("component_size", MDSysfsAttribute.unsigned)
        a.metadataVersion = try optional("metadata_version", MDSysfsAttribute.metadataVersion)
        a.degraded = try optional("degraded", MDSysfsAttribute.count)
        a.syncAction = try optional("sync_action", MDSysfsAttribute.word)
        a.lastSyncAction = try optional("last_sync_action", MDSysfsAttribute.word)
        a.syncCompleted = try optional("sync_completed", MDSysfsAttribute.syncCompleted)
        a.syncSpeedKiBPerSecond = try optional("sync_speed", MDSysfsAttribute.noneOrUnsigned) ?? nil
        a.mismatchCount = try optional("mismatch_cnt", MDSysfsAttribute.unsigned)
        a.reshapePosition = try optional("reshape_position", MDSysfsAttribute.noneOrUnsigned) ?? nil
        a.resyncStart = try optional("resync_start", MDSysfsAttribute.noneOrUnsigned) ?? nil
        a.consistencyPolicy = try optional("consistency_policy", MDSysfsAttribute.word)
        a.uuid = try optional("uuid", MDSysfsAttribute.token)
        a.sizeSectors = try FileReader.attributeIfPresent("\(sysRoot)/block/\(device)/size", MDSysfsAttribute.unsigned)

        for entry in try DirectoryReader.names(dir).filter({ $0.hasPrefix("dev-") }).sorted() {
            if let m = try readMember(dir: "\(dir)/\(entry)", name: String(entry.dropFirst(4))) {
                a.members.append(m)
            }
        }
        return a
    }

    /// One `dev-*` directory; nil when it vanished while being read (member hot-removed).
    static func readMember(dir: String, name: String) throws -> MDSysfsMember? {
        guard let states = try FileReader.attributeIfPresent("\(dir)/state", MDSysfsAttribute.deviceState) else { return nil }
        var m = MDSysfsMember(name: name, states: states)
        m.slot = try FileReader.attributeIfPresent("\(dir)/slot", MDSysfsAttribute.slot)
        m.errors = try FileReader.attributeIfPresent("\(dir)/errors", MDSysfsAttribute.unsigned)
        do {   // EINVAL from readlink(2): `block` is not a link
            m.blockLink = String(decoding: try FileReader.readLink("\(dir)/block"), as: UTF8.self)
        } catch let e as SystemError where e.kind == .notFound || e.errno == EINVAL {
            m.blockLink = nil
        }
        return m
    }
}
