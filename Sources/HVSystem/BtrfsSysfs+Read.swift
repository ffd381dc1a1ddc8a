extension BtrfsSysfs {
    /// Largest attribute read (one page).
    static let attributeMaxBytes = FileReader.sysfsAttributeMaxBytes

    /// Filesystem UUIDs under `<sysRoot>/fs/btrfs`, sorted. Throws `.notFound` when the
    /// directory does not exist (no btrfs in the kernel, or not loaded).
    public static func list(sysRoot: String) throws -> [String] {
        try DirectoryReader.names(sysRoot + "/fs/btrfs").filter(BtrfsSysfsAttribute.isFSID).sorted()
    }

    /// Reads `<sysRoot>/fs/btrfs/<fsid>/`.
    ///
    /// Throws `.notFound` when the directory is gone (unmounted meanwhile). A device whose
    /// files do not parse keeps its `error`; an allocation attribute that does not parse
    /// throws, naming the file.
    public static func read(sysRoot: String, fsid: String) throws -> BtrfsSysfs {
        let dir = "\(sysRoot)/fs/btrfs/\(fsid)"
        var fs = BtrfsSysfs(fsid: fsid)
        // `label` exists on every kernel with sysfs support: its absence means the directory went.
        let labelPath = dir + "/label"
        let labelBytes = try FileReader.read(labelPath, maxBytes: attributeMaxBytes)
        fs.label = try parsing(labelPath) { try BtrfsSysfsAttribute.label(labelBytes) }
        fs.exclusiveOperation = try FileReader.attributeIfPresent(dir + "/exclusive_operation", BtrfsSysfsAttribute.exclusiveOperation)
        fs.nodeSize = try FileReader.attributeIfPresent(dir + "/nodesize", BtrfsSysfsAttribute.unsigned)
        fs.sectorSize = try FileReader.attributeIfPresent(dir + "/sectorsize", BtrfsSysfsAttribute.unsigned)
        fs.deviceNames = (try? DirectoryReader.names(dir + "/devices"))?.sorted() ?? []

        var ids: [UInt64] = []
        if let names = try? DirectoryReader.names(dir + "/devinfo") {
            ids = names.compactMap { MDText.uint(Array($0.utf8)[...]) }.sorted()
        }
        fs.devices = ids.map { readDevice(dir: "\(dir)/devinfo/\($0)", devid: $0) }

        for type in ["data", "metadata", "system", "mixed"] {
            let t = "\(dir)/allocation/\(type)"
            guard FileReader.exists(t) else { continue }
            var a = BtrfsSysfsAllocation(type: type)
            a.totalBytes = try FileReader.attributeIfPresent(t + "/total_bytes", BtrfsSysfsAttribute.unsigned)
            a.bytesUsed = try FileReader.attributeIfPresent(t + "/bytes_used", BtrfsSysfsAttribute.unsigned)
            a.diskTotal = try FileReader.attributeIfPresent(t + "/disk_total", BtrfsSysfsAttribute.unsigned)
            a.diskUsed = try FileReader.attributeIfPresent(t + "/disk_used", BtrfsSysfsAttribute.unsigned)
            let subdirs = (try? DirectoryReader.subdirectories(t)) ?? []
            for p in subdirs.filter({ BtrfsSysfsProfile.knownNames.contains($0) }).sorted() {
                a.profiles.append(
                    BtrfsSysfsProfile(
                        name: p, totalBytes: try FileReader.attributeIfPresent("\(t)/\(p)/total_bytes", BtrfsSysfsAttribute.unsigned),
                        usedBytes: try FileReader.attributeIfPresent("\(t)/\(p)/used_bytes", BtrfsSysfsAttribute.unsigned)))
            }
            fs.allocation.append(a)
        }
        return fs
    }

    /// One `devinfo/<id>/`; a file that does not parse sets `error` and leaves the rest.
    static func readDevice(dir: String, devid: UInt64) -> BtrfsSysfsDevice {
        var d = BtrfsSysfsDevice(devid: devid)
        var problems: [String] = []
        func attempt<T>(_ name: String, _ parse: ([UInt8]) throws -> T) -> T? {
            do { return try FileReader.attributeIfPresent("\(dir)/\(name)", parse) } catch { problems.append("\(error)"); return nil }
        }
        d.missing = attempt("missing", BtrfsSysfsAttribute.flag)
        d.writeable = attempt("writeable", BtrfsSysfsAttribute.flag)
        d.replaceTarget = attempt("replace_target", BtrfsSysfsAttribute.flag)
        d.errorStats = attempt("error_stats", BtrfsSysfsAttribute.errorStats)
        if !problems.isEmpty { d.error = problems.joined(separator: "; ") }
        return d
    }
}
