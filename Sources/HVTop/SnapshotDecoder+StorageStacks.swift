import HVModel

extension SnapshotDecoder {
    /// One `guest_disk_stacks[]` entry (written by `SnapshotJSON.writeGuestDiskStack`).
    static func guestDiskStack(_ o: JSONObject) -> GuestDiskStack {
        var d = GuestDiskStack(
            guestKey: o.string("guest_key") ?? "", guest: o.string("guest") ?? "", driver: o.string("driver") ?? "",
            targetDevice: o.string("target_device") ?? "", source: o.string("source") ?? "")
        d.error = o.string("error")
        if let h = o.object("health") {
            d.health.severity = severity(h.string("severity")) ?? .ok
            d.health.layer = h.string("layer"); d.health.layerIndex = h.int("layer_index")
            d.health.source = h.string("source"); d.health.reason = h.string("reason")
            d.health.layersReported = h.int("layers_reported") ?? 0
        }
        d.layers = o.objects("layers").map { l in
            var x = StorageLayer(
                kind: StorageLayer.Kind(rawValue: l.string("kind") ?? "") ?? .unknown, device: l.string("device") ?? "",
                detail: l.string("detail") ?? "", depth: l.int("depth") ?? 0)
            x.filesystemUUID = l.string("filesystem_uuid"); x.zpool = l.string("zpool")
            x.model = l.string("model"); x.serial = l.string("serial"); x.wwn = l.string("wwn"); x.byIdPath = l.string("by_id_path")
            x.problem = l.string("problem"); x.severity = severity(l.string("severity")); x.reason = l.string("reason")
            x.findingSource = l.string("finding_source")
            return x
        }
        return d
    }

    static func severity(_ name: String?) -> StorageFinding.Severity? {
        StorageFinding.Severity.allCases.first { $0.name == name }
    }
}
