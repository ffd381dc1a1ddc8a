import Glibc

/// Cheap checks that a root given with `--path.procfs`, `--path.sysfs` or `--path.cgroupfs` is
/// the filesystem it should be. Without them a path that points nowhere reads as a host with
/// nothing on it (no processes, no arrays, no cgroups) and its collector succeeds empty.
///
/// Each check is one to a few `lstat(2)` calls (no directory listing), cheap enough for every
/// collection: a path may appear after start (a late mount), and the check then passes.
public enum FilesystemRoot {
    /// A procfs: the root holds `self` (a symbolic link to the reader's own `/proc/<pid>`), or
    /// one of `alternatives` (files a collector reads, for fixture trees that are partial copies).
    public static func checkProcfs(_ root: String, flag: String = "--path.procfs", alternatives: [String] = []) throws(SystemError) {
        try check(root, kind: "procfs", flag: flag, anyOf: ["self"] + alternatives)
    }

    /// A sysfs holding the entries a collector reads (`block` for md arrays, `kernel` for KSM).
    public static func checkSysfs(_ root: String, flag: String = "--path.sysfs", needs: [String]) throws(SystemError) {
        try requireDirectory(root, kind: "sysfs", flag: flag)
        for entry in needs where !present(join(root, entry)) {
            throw SystemError(
                .malformed, path: root,
                reason: "not a sysfs: it has no '\(entry)' (check \(flag))")
        }
    }

    /// A cgroup filesystem: v2 (`cgroup.controllers` at the root, or under `unified/` on a
    /// hybrid host) or v1 (a controller hierarchy such as `cpu`, `cpuacct` or `memory`).
    public static func checkCgroupfs(_ root: String, flag: String = "--path.cgroupfs") throws(SystemError) {
        try check(
            root, kind: "cgroup filesystem", flag: flag,
            anyOf: [
                "cgroup.controllers", "unified/cgroup.controllers", "cpu", "cpuacct", "cpu,cpuacct",
                "memory", "pids", "blkio", "systemd",
            ],
            lacking: "no cgroup controllers")
    }

    /// The layout `fs` detected when it was made (pure v2, hybrid, v1) is still the one at its
    /// root: readers made while the path was missing or mounted otherwise would look in the
    /// wrong places, so a change is an error that asks for a restart.
    public static func checkCgroupLayout(_ fs: CgroupFS, flag: String = "--path.cgroupfs") throws(SystemError) {
        let pure = present(join(fs.root, "cgroup.controllers"))
        let hybrid = !pure && present(join(fs.root, "unified/cgroup.controllers"))
        func name(_ pure: Bool, _ hybrid: Bool) -> String { pure ? "cgroup v2" : hybrid ? "hybrid (v2 at unified/)" : "cgroup v1" }
        let wasHybrid = !fs.isPureUnified && fs.unifiedMount != nil
        guard pure == fs.isPureUnified, hybrid == wasHybrid else {
            throw SystemError(
                .malformed, path: fs.root,
                reason:
                    "cgroup layout is \(name(pure, hybrid)) now, \(name(fs.isPureUnified, wasHybrid)) when the exporter started: restart it (check \(flag))"
            )
        }
    }

    private static func check(
        _ root: String, kind: String, flag: String, anyOf entries: [String],
        lacking: String? = nil
    ) throws(SystemError) {
        try requireDirectory(root, kind: kind, flag: flag)
        guard entries.contains(where: { present(join(root, $0)) }) else {
            let what = lacking ?? "it has no '\(entries[0])'"
            throw SystemError(.malformed, path: root, reason: "not a \(kind): \(what) (check \(flag))")
        }
    }

    private static func requireDirectory(_ root: String, kind: String, flag: String) throws(SystemError) {
        var st = stat()
        if stat(root, &st) != 0 {
            let e = errno
            throw SystemError(
                e == ENOENT || e == ENOTDIR ? .notFound : .io, path: root,
                reason: "\(kind) root: \(String(cString: strerror(e))) (check \(flag))", errno: e)
        }
        guard st.st_mode & S_IFMT == S_IFDIR else {
            throw SystemError(.malformed, path: root, reason: "\(kind) root is not a directory (check \(flag))")
        }
    }

    /// `lstat(2)`: a dangling symbolic link (`self` of a fixture tree) counts as present.
    private static func present(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    private static func join(_ root: String, _ entry: String) -> String {
        root.hasSuffix("/") ? root + entry : root + "/" + entry
    }
}
