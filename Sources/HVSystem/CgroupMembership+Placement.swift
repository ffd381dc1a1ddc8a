extension CgroupMembership {
    /// The guest placement this task's cgroups show, if any.
    ///
    /// All distinct paths (v2 and every v1 hierarchy) are classified; the v2 path is tried
    /// first, and a placement naming a part (vcpuN, emulator, iothreadN, supervisor) is
    /// preferred over one that only names the guest (v1 `memory` has no vcpu sub-groups,
    /// `cpu,cpuacct` does).
    public var placement: CgroupPlacement? {
        var paths: [String] = []
        if let u = unifiedPath { paths.append(u) }
        for p in distinctPaths where !paths.contains(p) { paths.append(p) }
        var first: CgroupPlacement?
        for p in paths {
            guard let pl = CgroupPlacement.classify(p) else { continue }
            if let f = first, f.owner != pl.owner { continue }
            if pl.part != .guest { return pl }
            if first == nil { first = pl }
        }
        return first
    }

    /// The guest-level path per v1 controller, for guests whose placement is `owner`
    /// (used to read v1 stats: `memory` is at the guest level, `cpu` may be deeper).
    public func guestPaths(for owner: CgroupPlacement.Owner) -> (unified: String?, v1: [String: String]) {
        var unified: String?
        var v1: [String: String] = [:]
        for e in entries {
            guard let pl = CgroupPlacement.classify(e.path), pl.owner == owner else { continue }
            if e.isUnified { unified = pl.guestPath } else { for c in e.controllers { v1[c] = pl.guestPath } }
        }
        return (unified, v1)
    }
}
