/// The last job of a domain that no longer exists on this libvirt daemon: migrated away
/// with `--undefinesource`, or a transient domain that stopped. Its job statistics came
/// with libvirt's job-completed event (or from the last sample) and are kept by the jobs
/// collector for a while, so the source host still shows how the migration went.
public struct DepartedDomainJob: Sendable, Equatable {
    /// Domain name when it left (for the `domain` label).
    public var name: String
    /// Lower-case UUID.
    public var uuid: String
    /// The finished job (`outcome` and `endedAtSeconds` set).
    public var job: DomainJob
    /// When the exporter noticed the domain was gone, seconds since the epoch.
    public var departedAtSeconds: Double

    public init(name: String, uuid: String, job: DomainJob, departedAtSeconds: Double) {
        self.name = name
        self.uuid = uuid
        self.job = job
        self.departedAtSeconds = departedAtSeconds
    }
}
