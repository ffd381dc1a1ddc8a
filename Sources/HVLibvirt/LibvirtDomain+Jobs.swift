import CLibvirt
import Glibc

extension LibvirtDomain {
    /// Statistics of the job running now (`virDomainGetJobStats`, flags 0): job type
    /// (`virDomainJobType`, 0 = no job) and its typed parameters ("operation",
    /// "time_elapsed" in ms, "data_total" in bytes ...). On QEMU this takes a query job,
    /// which a running migration or save allows.
    public func currentJobStats() throws(LibvirtError) -> (type: Int, params: TypedParameters) {
        try jobStats(flags: 0)
    }

    /// Statistics of the last completed job (`virDomainGetJobStats` with
    /// `VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED`). KEEP matters:
    /// without it libvirt deletes the record once read, and the operator's own
    /// `virsh domjobinfo --completed` would find nothing. Type 0 when libvirt has no record
    /// (none since libvirtd started, or the job was a cancelled save).
    public func completedJobStats() throws(LibvirtError) -> (type: Int, params: TypedParameters) {
        try jobStats(flags: VIR_DOMAIN_JOB_STATS_COMPLETED.rawValue | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED.rawValue)
    }

    private func jobStats(flags: UInt32) throws(LibvirtError) -> (type: Int, params: TypedParameters) {
        var type: Int32 = 0
        var params: virTypedParameterPtr? = nil
        var n: Int32 = 0
        if virDomainGetJobStats(ptr, &type, &params, &n, flags) < 0 {
            throw LibvirtError.last("virDomainGetJobStats")
        }
        defer { virTypedParamsFree(params, n) }
        return (Int(type), TypedParameters.copy(params, count: n))
    }

    /// The block job on disk `target` ("vda"), or nil when it has none
    /// (`virDomainGetBlockJobInfo` with `VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES`).
    public func blockJobInfo(disk target: String) throws(LibvirtError) -> BlockJobInfo? {
        var info = virDomainBlockJobInfo()
        let r = virDomainGetBlockJobInfo(ptr, target, &info, VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES.rawValue)
        if r < 0 { throw LibvirtError.last("virDomainGetBlockJobInfo") }
        if r == 0 { return nil }
        return BlockJobInfo(
            type: Int(info.type), bandwidthBytesPerSecond: UInt64(info.bandwidth),
            current: UInt64(info.cur), end: UInt64(info.end))
    }
}
