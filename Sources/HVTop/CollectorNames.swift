import HVModel

/// Names of the daemon's collectors that hvtop's views depend on, and the honest
/// "no data" line when one of them did not run.
public enum CollectorNames {
    public static let libvirt = "libvirt"
    public static let processes = "processes"
    public static let cgroup = "cgroup"
    public static let host = "host"
    public static let mdraid = "mdraid"
    public static let pools = "pools"
    public static let jobs = "jobs"
    public static let smart = "smart"
    public static let storage = "storage"

    /// nil when `name` ran successfully in this snapshot; else why its data is missing.
    public static func noData(_ s: Snapshot, _ name: String) -> String? {
        guard let c = s.collectors.first(where: { $0.name == name }) else {
            return "no data (collector \(name) not enabled/available)"
        }
        if c.success { return nil }
        return "no data (collector \(name) failed: \(Format.printable(c.error ?? "unknown error")))"
    }

    /// True when `name` ran (successfully or not).
    public static func ran(_ s: Snapshot, _ name: String) -> Bool { s.collectors.contains { $0.name == name } }
}
