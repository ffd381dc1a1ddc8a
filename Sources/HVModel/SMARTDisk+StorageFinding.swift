extension SMARTDisk {
    /// This disk's health as a storage finding, keyed by its kernel name, serial and WWN;
    /// nil when there is nothing to judge (unsupported, never read, standby before any read).
    ///
    /// Failed: SMART overall-health failed, an NVMe critical warning, or smartctl's exit
    /// bit 3 (disk failing). Degraded: pending, reallocated or uncorrectable sectors, media or
    /// uncorrected errors, SCSI grown defects, a pre-failure attribute at or below threshold,
    /// endurance used at 100 % or more, NVMe spare below its threshold. Otherwise ok.
    public var storageFinding: StorageFinding? {
        let hasFigures = passed != nil || !attributes.isEmpty || nvmeCriticalWarning != nil || grownDefects != nil
        guard hasFigures else { return nil }
        var failed: [String] = []
        if passed == false { failed.append("SMART overall-health FAILED") }
        if let w = nvmeCriticalWarning, w != 0 { failed.append("NVMe critical warning \(w)") }
        if exitStatusBits.contains("disk_failing"), passed != false { failed.append("smartctl: disk failing") }
        var degraded: [String] = []
        func count(_ v: UInt64?, _ what: String) {
            if let v, v > 0 { degraded.append("\(v) \(what)") }
        }
        count(pendingSectors, "pending sectors")
        count(reallocatedSectors, "reallocated sectors")
        count(offlineUncorrectableSectors, "offline uncorrectable sectors")
        count(reportedUncorrectableErrors, "reported uncorrectable errors")
        count(mediaErrors, "media errors")
        count(grownDefects, "grown defects")
        count((readUncorrectedErrors ?? 0) + (writeUncorrectedErrors ?? 0) + (verifyUncorrectedErrors ?? 0), "uncorrected errors")
        if !prefailAttributesFailing.isEmpty {
            degraded.append("pre-failure attribute \(prefailAttributesFailing.map(String.init).joined(separator: ",")) at threshold")
        }
        if let p = enduranceUsedPercent, p >= 100 { degraded.append("endurance used \(p)%") }
        if let s = availableSparePercent, let t = availableSpareThresholdPercent, s < t {
            degraded.append("spare \(s)% below threshold \(t)%")
        }
        let severity: StorageFinding.Severity = !failed.isEmpty ? .failed : !degraded.isEmpty ? .degraded : .ok
        var keys: [StorageFinding.Key] = [.blockDevice(device)]
        if let serial, !serial.isEmpty { keys.append(.serial(serial)) }
        if let wwn, !wwn.isEmpty { keys.append(.wwn(wwn)) }
        let label = [device, model].compactMap { $0 }.joined(separator: " ")
        return StorageFinding(
            keys: keys, source: "smart", layer: label, severity: severity, reason: (failed + degraded).joined(separator: ", "))
    }
}
