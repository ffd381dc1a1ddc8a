/// One mounted cgroup hierarchy: the v2 (unified) tree or a v1 controller tree.
public struct CgroupHierarchy: Sendable, Equatable {
    /// Mount point ("/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/cpu,cpuacct").
    public var mount: String
    /// True for the v2 hierarchy.
    public var isUnified: Bool
    /// v1 controllers as `/proc/<pid>/cgroup` names them ("cpu", "cpuacct", "name=systemd");
    /// empty for v2.
    public var controllers: [String]

    public init(mount: String, isUnified: Bool, controllers: [String]) {
        self.mount = mount
        self.isUnified = isUnified
        self.controllers = controllers
    }

    /// The file listing a cgroup's threads: `cgroup.threads` (v2), `tasks` (v1).
    public var threadsFile: String { isUnified ? "cgroup.threads" : "tasks" }

    /// v1 controllers from the name of the directory a hierarchy is mounted on, as systemd and
    /// cgroupfs-mount name them: "cpu,cpuacct" -> ["cpu", "cpuacct"]; named hierarchies
    /// ("systemd") -> ["name=systemd"].
    public static func controllers(fromDirectoryName name: String) -> [String] {
        let known: Set<String> = [
            "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
            "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc",
        ]
        return name.split(separator: ",").map { known.contains(String($0)) ? String($0) : "name=" + $0 }
    }
}
