import HVModel

extension GuestReport {
    /// "Storage" section: each disk's stack, one line per layer indented by depth, with its
    /// health; the roll-up on the disk's line.
    func storageLines() -> [String] {
        let stacks = snapshot.guestDiskStacks.filter { $0.guestKey == guest.key }
        guard !stacks.isEmpty else {
            if let missing = CollectorNames.noData(snapshot, CollectorNames.storage) { return ["Storage", "  " + missing] }
            return []
        }
        var out = ["Storage"]
        for d in stacks {
            var head = "  \(Format.printable(d.targetDevice))"
            if !d.source.isEmpty { head += "  \(Format.printable(d.source))" }
            head += "  [" + Self.healthText(d.health) + "]"
            out.append(head)
            if let e = d.error { out.append("      (\(Format.printable(e)))") }
            for l in d.layers { out.append("    " + String(repeating: "  ", count: l.depth) + Self.layerText(l)) }
        }
        return out
    }

    /// "ok", "degraded: md1: 1 of 2 members missing (mdraid)", "ok (no source reports on it)".
    static func healthText(_ h: StorageHealthRollUp) -> String {
        if h.severity == .ok { return h.layersReported == 0 ? "ok (no source reports on it)" : "ok" }
        return "\(h.severity.name): \(Format.printable(h.reason ?? h.layer ?? ""))" + (h.source.map { " (\($0))" } ?? "")
    }

    /// "md md1 raid1  DEGRADED 1 of 2 members missing", "disk vda  QEMU_HARDDISK serial hv-root".
    static func layerText(_ l: StorageLayer) -> String {
        var t = l.kind.rawValue
        if !l.device.isEmpty { t += " " + l.device }
        if !l.detail.isEmpty && l.detail != l.device && !(l.kind == .disk && l.detail == "disk") {
            t += " " + Format.printable(l.detail)
        }
        if let id = l.filesystemUUID { t += " fsid " + id }
        if let p = l.zpool { t += " pool " + Format.printable(p) }
        let ids = [l.model, l.serial.map { "serial " + $0 }, l.wwn.map { "wwn " + $0 }].compactMap { $0 }
        if !ids.isEmpty { t += "  " + Format.printable(ids.joined(separator: " ")) }
        if let p = l.problem { t += "  (" + Format.printable(p) + ")" }
        if let s = l.severity, s != .ok {
            t += "  " + s.name.uppercased() + (l.reason.map { " " + Format.printable($0) } ?? "")
        }
        return t
    }
}
