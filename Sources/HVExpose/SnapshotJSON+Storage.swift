import HVModel

extension SnapshotJSON {
    static func writeBtrfs(_ w: inout JSONWriter, _ f: BtrfsFilesystem) {
        w.beginObject()
        w.field("uuid", f.uuid); w.field("label", f.label); w.field("mount_point", f.mountPoint)
        w.field("exclusive_operation", f.exclusiveOperation); w.field("scrub_running", f.scrubRunning)
        w.field("error", f.error)
        w.key("allocation"); w.beginArray()
        for a in f.allocation {
            w.beginObject()
            w.field("type", a.type); w.field("total_bytes", a.totalBytes); w.field("used_bytes", a.usedBytes)
            w.field("disk_total_bytes", a.diskTotalBytes); w.field("disk_used_bytes", a.diskUsedBytes)
            w.key("profiles"); w.beginArray()
            for p in a.profiles {
                w.beginObject()
                w.field("name", p.name); w.field("total_bytes", p.totalBytes); w.field("used_bytes", p.usedBytes)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.key("devices"); w.beginArray()
        for d in f.devices {
            w.beginObject()
            w.field("devid", d.devid); w.field("device", d.device); w.field("missing", d.missing)
            w.field("replace_target", d.replaceTarget); w.field("size_bytes", d.sizeBytes); w.field("used_bytes", d.usedBytes)
            w.field("error", d.error)
            if let e = d.errors {
                w.key("errors"); w.beginObject()
                for (type, n) in e.byType { w.field(type, n) }
                w.endObject()
            }
            w.endObject()
        }
        w.endArray()
        if let s = f.lastScrub {
            w.key("last_scrub"); w.beginObject()
            w.field("start_seconds", s.startSeconds); w.field("duration_seconds", s.durationSeconds)
            w.field("finished", s.finished); w.field("canceled", s.canceled); w.field("errors_found", s.errorsFound)
            w.field("corrected_errors", s.correctedErrors); w.field("uncorrectable_errors", s.uncorrectableErrors)
            w.endObject()
        }
        w.endObject()
    }

    static func writeLXDPool(_ w: inout JSONWriter, _ p: LXDStoragePool) {
        w.beginObject()
        w.field("name", p.name); w.field("driver", p.driver); w.field("status", p.status)
        w.field("description", p.poolDescription); w.field("source", p.source)
        w.field("total_bytes", p.totalBytes); w.field("used_bytes", p.usedBytes)
        w.field("inodes_total", p.inodesTotal); w.field("inodes_used", p.inodesUsed)
        w.field("used_by", p.usedBy)
        w.key("volumes_by_type"); w.beginObject()
        for (type, n) in p.volumesByType.sorted(by: { $0.key < $1.key }) { w.field(type, n) }
        w.endObject()
        w.field("error", p.error)
        w.endObject()
    }
}
