/// `/proc/spl/kstat/zfs/<pool>/state` (OpenZFS 0.8 and later): the pool's state word
/// (ONLINE, DEGRADED, FAULTED, OFFLINE, UNAVAIL, REMOVED, SUSPENDED), what the exporter
/// reports for a pool when `zpool` is not installed.
public enum ZFSKstatState {
    /// The state word; throws for an empty file or one that is not a single upper-case word.
    public static func parse(_ bytes: [UInt8]) throws(StorageToolFormatError) -> String {
        let t = StorageToolText.trimmed(String(decoding: bytes, as: UTF8.self).split(separator: "\n").first ?? "")
        guard !t.isEmpty, t.count <= 32, t.allSatisfy({ ($0 >= "A" && $0 <= "Z") || $0 == "_" }) else {
            throw StorageToolFormatError("zfs kstat state: expected one state word, got '\(t.prefix(40))'")
        }
        return String(t)
    }
}
