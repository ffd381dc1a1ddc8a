extension MDStat {
    /// Upper bound for /proc/mdstat (a few hundred bytes per array).
    static let maxBytes = 1 << 20

    /// Reads and parses `<procRoot>/mdstat`. Throws `.notFound` when the file does not exist
    /// (no md driver loaded), `.malformed` with the path when it is not mdstat at all.
    public static func read(procRoot: String) throws -> MDStat {
        let path = procRoot + "/mdstat"
        let bytes = try FileReader.read(path, maxBytes: maxBytes)
        return try parsing(path) { try parse(bytes) }
    }
}
