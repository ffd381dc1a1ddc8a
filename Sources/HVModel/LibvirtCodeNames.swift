/// Names of libvirt's numeric codes: one table per code, used by `/metrics` labels, `/json`
/// (`operation_name`, `type_name`, `state_name`) and every hvtop view alike.
///
/// A code a table does not know (a newer libvirt's, or none given) is named `unknown`
/// everywhere, so a label value, a JSON field and a line of hvtop agree.
public enum LibvirtCodeNames {
    /// What an unknown or absent code is called.
    public static let unknown = "unknown"

    /// `virDomainJobOperation`: "start", "save", ..., "migration_out", "snapshot_delete".
    public static func jobOperation(_ code: Int?) -> String {
        switch code {
        case 1: "start"
        case 2: "save"
        case 3: "restore"
        case 4: "migration_in"
        case 5: "migration_out"
        case 6: "snapshot"
        case 7: "snapshot_revert"
        case 8: "dump"
        case 9: "backup"
        case 10: "snapshot_delete"
        default: unknown
        }
    }

    /// `virDomainJobType`: "none", "bounded", "unbounded", "completed", "failed", "cancelled".
    public static func jobType(_ code: Int) -> String {
        switch code {
        case 0: "none"
        case 1: "bounded"
        case 2: "unbounded"
        case 3: "completed"
        case 4: "failed"
        case 5: "cancelled"
        default: unknown
        }
    }

    /// `virDomainBlockJobType`: "pull", "copy", "commit", "active_commit", "backup".
    public static func blockJobType(_ code: Int) -> String {
        switch code {
        case 1: "pull"
        case 2: "copy"
        case 3: "commit"
        case 4: "active_commit"
        case 5: "backup"
        default: unknown
        }
    }

    /// `virStoragePoolState`: "inactive", "building", "running", "degraded", "inaccessible".
    public static func poolState(_ code: Int) -> String {
        switch code {
        case 0: "inactive"
        case 1: "building"
        case 2: "running"
        case 3: "degraded"
        case 4: "inaccessible"
        default: unknown
        }
    }
}
