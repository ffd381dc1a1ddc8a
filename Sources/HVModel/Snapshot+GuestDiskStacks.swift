extension Snapshot {
    /// Rolls the storage findings of this snapshot (`storageFindings`: md arrays, btrfs,
    /// SMART...) up into every guest disk stack. The scrape does this once, after every
    /// collector ran (the findings' sources run beside the guests).
    public mutating func rollUpStorageHealth() {
        guard !guestDiskStacks.isEmpty else { return }
        let findings = storageFindings
        guestDiskStacks = guestDiskStacks.map { $0.rolledUp(with: findings) }
    }

    /// Guest disks whose stack is not healthy (roll-up degraded or worse).
    public var unhealthyGuestDisks: [GuestDiskStack] {
        guestDiskStacks.filter { $0.health.severity >= .degraded }
    }
}
