import HVSystem

/// Paths of the md fixture trees (Tests/HVSystemTests/Fixtures/md/<state>/{proc,sys}).
enum MDFixtures {
    static let root: String = {
        let file = "\(#filePath)"
        let dir = file[..<(file.lastIndex(of: "/") ?? file.endIndex)]
        return dir + "/Fixtures/md"
    }()

    static func proc(_ state: String) -> String { "\(root)/\(state)/proc" }
    static func sys(_ state: String) -> String { "\(root)/\(state)/sys" }

    /// Every fixture state that has a /proc/mdstat.
    static let mdstatStates = [
        "clean-raid1", "active-raid5", "reshape", "degraded-removed", "imsm", "degraded-faulty", "recovering",
        "resync", "raid10-resync-pending", "frozen", "resync-delayed", "check", "check-mismatch", "repair",
        "read-only", "inactive", "raid0", "linear", "spares", "write-mostly", "journal", "replacement",
        "mdstat-only-reshape-0.91", "broken-attribute",
    ]

    static func mdstatBytes(_ state: String) throws -> [UInt8] {
        try FileReader.read(proc(state) + "/mdstat")
    }
}
