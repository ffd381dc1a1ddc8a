extension SmartctlReport {
    /// What one run of smartctl amounts to.
    public enum Outcome: Sendable, Equatable {
        /// The disk answered: figures (and usually a verdict) are in the report.
        case report
        /// The disk is spun down and was not woken (`-n standby`): "Device is in STANDBY mode".
        case standby
        /// smartctl cannot read SMART from this device (a virtio or RAID volume, an unknown
        /// USB bridge, SMART unavailable): nothing wrong with the disk, nothing to read.
        case unsupported(String)
        /// The run failed (device could not be opened, bad command line): the reason.
        case failed(String)
    }

    /// Messages that mean "this device has no SMART smartctl can read", not a failure.
    static let unsupportedMarkers = [
        "Unable to detect device type", "SMART support is: Unavailable", "Unknown USB bridge",
        "does not support SMART", "SMART support is: Ambiguous", "Device type not supported",
    ]

    /// The run's outcome from the exit status, the messages and what the report holds.
    public var outcome: Outcome {
        let texts = messages.map(\.text)
        if !hasFigures, texts.contains(where: { $0.uppercased().contains("STANDBY") || $0.uppercased().contains("SLEEP") }) {
            return .standby
        }
        if hasFigures { return .report }
        if let m = texts.first(where: { t in Self.unsupportedMarkers.contains { t.contains($0) } }) { return .unsupported(m) }
        if smartAvailable == false { return .unsupported("SMART support is unavailable") }
        let bits = exitStatus
        let firstError = messages.first { $0.severity == "error" }?.text ?? texts.first
        if bits.contains(.deviceOpenFailed) || bits.contains(.commandLine) {
            return .failed(firstError ?? "smartctl exit status \(exitStatusValue ?? 0)")
        }
        // The device opened and answered, but gave no SMART figure (a RAID volume, a bridge).
        return .unsupported(firstError ?? "no SMART data in the report")
    }

    /// Whether the report holds anything read from the disk's SMART data.
    public var hasFigures: Bool {
        passed != nil || !attributes.isEmpty || nvme != nil || scsi != nil
    }

    /// The attribute with this ID, if printed.
    public func attribute(_ id: Int) -> Attribute? { attributes.first { $0.id == id } }

    /// ATA 5 Reallocated_Sector_Ct, raw: sectors remapped to spares.
    public var reallocatedSectors: UInt64? { attribute(5)?.raw }
    /// ATA 197 Current_Pending_Sector, raw: unstable sectors waiting to be remapped.
    public var pendingSectors: UInt64? { attribute(197)?.raw }
    /// ATA 198 Offline_Uncorrectable, raw: sectors the offline scan could not read.
    public var offlineUncorrectableSectors: UInt64? { attribute(198)?.raw }
    /// ATA 187 Reported_Uncorrect, raw: errors ECC could not recover.
    public var reportedUncorrectableErrors: UInt64? { attribute(187)?.raw }
    /// ATA 199 UDMA_CRC_Error_Count, raw: transfer errors on the cable or backplane.
    public var crcErrors: UInt64? { attribute(199)?.raw }

    /// Attribute names whose normalized value is the life left, percent (100 new, 0 worn out).
    static let lifeLeftAttributes: Set<String> = [
        "Percent_Lifetime_Remain", "SSD_Life_Left", "Media_Wearout_Indicator", "Wear_Leveling_Count",
        "Remaining_Lifetime_Perc", "Percent_Life_Remaining", "Perc_Rated_Life_Remain",
    ]

    /// Endurance used, percent (100 = rated life reached; NVMe may exceed it): NVMe
    /// `percentage_used`, else ATA device statistics' "Percentage Used Endurance Indicator",
    /// else 100 minus the normalized value of a life-left attribute (Media_Wearout_Indicator,
    /// Wear_Leveling_Count, SSD_Life_Left, Percent_Lifetime_Remain...). Nil for a disk without one.
    public var enduranceUsedPercent: Int? {
        if let p = nvme?.percentageUsed { return p }
        if let p = deviceStatisticsPercentageUsed { return p }
        if let a = attributes.first(where: { Self.lifeLeftAttributes.contains($0.name) }), let v = a.value, (0...100).contains(v) {
            return 100 - v
        }
        return nil
    }

    /// Pre-failure attributes whose normalized value is at or below the threshold now.
    public var prefailAttributesFailing: [Attribute] {
        attributes.filter { a in
            guard a.prefailure else { return false }
            if a.whenFailed == "now" { return true }
            if let v = a.value, let t = a.threshold, t > 0 { return v <= t }
            return false
        }
    }
}
