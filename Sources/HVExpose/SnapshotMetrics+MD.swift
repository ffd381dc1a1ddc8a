import HVModel

/// md RAID families (`hv_md_*`), label `device` = the md device name ("md0").
///
/// How they map to node_exporter's mdadm collector (`node_md_*`, parsed from /proc/mdstat):
/// - `node_md_state{state="active|inactive|recovering|resync|check"}` mixes two things that
///   sysfs keeps apart. Here `hv_md_state{state}` is the array state (`md/array_state`:
///   clean, active, read-auto, readonly, inactive...; node's "inactive" is `state="inactive"`,
///   its "active" any of the running states) and `hv_md_sync_action{action}` is what the array
///   is doing (node's "recovering" is `action="recover"`, "resync" and "check" the same words,
///   plus repair, reshape, frozen and idle). Both are one series per possible word, 1 for the
///   current one, as node does.
/// - `node_md_disks{state="active|failed|spare"}` is `hv_md_disks{state="active|faulty|spare"}`,
///   plus `recovering` (holding a slot, being rebuilt; node counts those as active or spare)
///   and `journal`.
/// - `node_md_disks_required` is `hv_md_disks_required` (same value, `raid_disks`).
/// - `node_md_blocks` (KiB) is `hv_md_size_bytes` (bytes).
/// - `node_md_blocks_synced` is replaced by `hv_md_sync_completed_ratio` (0..1 of the running
///   operation; node's blocks mix per-member and array units depending on the operation).
/// - New here: `hv_md_degraded`, `hv_md_sync_waiting`, `hv_md_sync_speed_bytes_per_second`,
///   `hv_md_sync_remaining_seconds`, `hv_md_mismatch_sectors`, `hv_md_info`, the per-member
///   `hv_md_member_*` families (with disk model/serial/WWN/by-id) and
///   `hv_md_array_scrape_error`.
extension SnapshotMetrics {
    static let mdInfo = MetricDescriptor(
        "hv_md_info", .gauge,
        "md array metadata; value 1. metadata_version: 0.90, 1.0, 1.1, 1.2, none, external:imsm|ddf (containers), external:/<container>/<n> (their members).",
        labels: ["device", "level", "metadata_version"])
    static let mdState = MetricDescriptor(
        "hv_md_state", .gauge,
        "1 for the array's current md/array_state, 0 for the other states (clear, inactive, suspended, readonly, read-auto, clean, active, write-pending, active-idle, broken).",
        labels: ["device", "state"])
    static let mdDisks = MetricDescriptor(
        "hv_md_disks", .gauge,
        "Member devices by role: active (in sync), recovering (holding a slot, being rebuilt), spare, faulty, journal.",
        labels: ["device", "state"])
    static let mdDisksRequired = MetricDescriptor(
        "hv_md_disks_required", .gauge,
        "Members a fully functional array has (md/raid_disks; during a reshape the new count).", labels: ["device"])
    static let mdDegraded = MetricDescriptor(
        "hv_md_degraded", .gauge,
        "Members missing or failed (md/degraded); 0 for an optimal array.", labels: ["device"])
    static let mdSyncAction = MetricDescriptor(
        "hv_md_sync_action", .gauge,
        "1 for the array's current md/sync_action (idle, resync, recover, check, repair, reshape, frozen), 0 for the others.",
        labels: ["device", "action"])
    static let mdSyncWaiting = MetricDescriptor(
        "hv_md_sync_waiting", .gauge,
        "1 when a sync operation waits: delayed (behind another array on the same disks, resync=DELAYED), pending (until the array is written, resync=PENDING).",
        labels: ["device", "reason"])
    static let mdSyncCompleted = MetricDescriptor(
        "hv_md_sync_completed_ratio", .gauge,
        "Fraction done of the running resync/recover/check/repair/reshape (md/sync_completed), 0..1; absent when none runs.",
        labels: ["device"])
    static let mdSyncSpeed = MetricDescriptor(
        "hv_md_sync_speed_bytes_per_second", .gauge,
        "Speed of the running sync operation (md/sync_speed, averaged over 30 s), bytes per second.", labels: ["device"])
    static let mdSyncRemaining = MetricDescriptor(
        "hv_md_sync_remaining_seconds", .gauge,
        "Estimated time until the running sync operation finishes (/proc/mdstat finish=), seconds.", labels: ["device"])
    static let mdMismatch = MetricDescriptor(
        "hv_md_mismatch_sectors", .gauge,
        "512-byte sectors found inconsistent by the last check, repaired by the last repair (md/mismatch_cnt); reset when a check or repair starts.",
        labels: ["device"])
    static let mdSize = MetricDescriptor(
        "hv_md_size_bytes", .gauge,
        "Size of the array, bytes.", labels: ["device"])
    static let mdMemberInfo = MetricDescriptor(
        "hv_md_member_info", .gauge,
        "md member device and the disk holding it; value 1. slot: number, none (spare, failed), journal, or empty when unknown (array seen only in /proc/mdstat); model, serial, wwn, by_id from udev (empty when unknown).",
        labels: ["device", "member", "slot", "model", "serial", "wwn", "by_id"])
    static let mdMemberState = MetricDescriptor(
        "hv_md_member_state", .gauge,
        "md member flags (dev-*/state): in_sync, faulty, spare, write_mostly, journal, replacement, want_replacement, blocked, write_error...; one series per flag the member has, value 1.",
        labels: ["device", "member", "state"])
    static let mdMemberErrors = MetricDescriptor(
        "hv_md_member_errors", .gauge,
        "Approximate count of read errors corrected on the member (dev-*/errors); a count kept in the superblock, not a counter (it survives restarts and can be set at assembly).",
        labels: ["device", "member"])
    static let mdScrapeError = MetricDescriptor(
        "hv_md_array_scrape_error", .gauge,
        "1 if this array's sysfs or /proc/mdstat entry could not be read or parsed in this scrape (see the exporter log), else 0.",
        labels: ["device"])

    static func addMDFamilies(_ s: Snapshot, _ set: inout MetricSet) {
        guard !s.mdArrays.isEmpty else { return }
        for a in s.mdArrays {
            let d = [a.device]
            set.add(mdScrapeError, d, a.error != nil)
            set.add(mdInfo, [a.device, a.level ?? "", a.metadataVersion ?? ""], 1)
            if let state = a.arrayState {
                for word in MDArray.arrayStates { set.add(mdState, [a.device, word], word == state) }
                if !MDArray.arrayStates.contains(state) { set.add(mdState, [a.device, state], 1) }
            }
            if a.arrayState != nil || !a.members.isEmpty {
                var counts: [MDMemberRole: Int] = [:]
                for m in a.members { counts[m.role, default: 0] += 1 }
                for role in MDMemberRole.allCases { set.add(mdDisks, [a.device, role.rawValue], counts[role] ?? 0) }
            }
            set.add(mdDisksRequired, d, ifPresent: a.raidDisks)
            set.add(mdDegraded, d, ifPresent: a.degraded)
            if let action = a.syncAction {
                for word in MDArray.syncActions { set.add(mdSyncAction, [a.device, word], word == action) }
                if !MDArray.syncActions.contains(action) { set.add(mdSyncAction, [a.device, action], 1) }
            }
            if let st = a.syncState {
                set.add(mdSyncWaiting, [a.device, "delayed"], st == .delayed)
                set.add(mdSyncWaiting, [a.device, "pending"], st == .pending)
            }
            if a.syncState == .running {
                set.add(mdSyncCompleted, d, ifPresent: a.syncCompletedRatio)
                set.add(mdSyncSpeed, d, ifPresent: a.syncSpeedBytesPerSecond)
                set.add(mdSyncRemaining, d, ifPresent: a.syncRemainingSeconds)
            }
            set.add(mdMismatch, d, ifPresent: a.mismatchSectors)
            set.add(mdSize, d, ifPresent: a.sizeBytes)
            for m in a.members {
                let slot: String
                if let n = m.slot {
                    slot = String(n)
                } else if m.states.contains("journal") {
                    slot = "journal"
                } else if a.source == .mdstat, m.role == .active || m.role == .recovering {
                    slot = ""
                }   // mdstat has no slots
                else {
                    slot = "none"
                }
                set.add(mdMemberInfo, [a.device, m.device, slot, m.model ?? "", m.serial ?? "", m.wwn ?? "", m.byIdPath ?? ""], 1)
                for flag in m.states { set.add(mdMemberState, [a.device, m.device, flag], 1) }
                set.add(mdMemberErrors, [a.device, m.device], ifPresent: m.errors)
            }
        }
    }
}
