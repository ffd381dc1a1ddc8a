import HVModel

extension SnapshotJSON {
    /// One guest disk's storage stack (`guest_disk_stacks[]`, docs/json.md).
    static func writeGuestDiskStack(_ w: inout JSONWriter, _ d: GuestDiskStack) {
        w.beginObject()
        w.field("guest_key", d.guestKey); w.field("guest", d.guest); w.field("driver", d.driver)
        w.field("target_device", d.targetDevice); w.field("source", d.source); w.field("error", d.error)
        w.key("health"); w.beginObject()
        w.field("severity", d.health.severity.name); w.field("layer", d.health.layer)
        w.field("layer_index", d.health.layerIndex); w.field("source", d.health.source)
        w.field("reason", d.health.reason); w.field("layers_reported", d.health.layersReported)
        w.endObject()
        w.key("layers"); w.beginArray()
        for l in d.layers {
            w.beginObject()
            w.field("kind", l.kind.rawValue); w.field("device", l.device); w.field("detail", l.detail)
            w.field("depth", l.depth); w.field("filesystem_uuid", l.filesystemUUID); w.field("zpool", l.zpool)
            w.field("model", l.model); w.field("serial", l.serial); w.field("wwn", l.wwn); w.field("by_id_path", l.byIdPath)
            w.field("problem", l.problem); w.field("severity", l.severity?.name); w.field("reason", l.reason)
            w.field("finding_source", l.findingSource)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}
