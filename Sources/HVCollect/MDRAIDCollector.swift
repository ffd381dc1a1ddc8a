import HVModel
import HVSystem
import HVUdev
import Logging

/// Linux md RAID arrays ("mdraid"): fills `snapshot.mdArrays`, sorted by device name
/// (numbers in natural order: md2 before md10).
///
/// sysfs (`<sysfs>/block/md*/md/`) is the source of truth; `<procfs>/mdstat` adds what sysfs
/// lacks (time to finish, bitmap, member numbers) and stands in for arrays sysfs does not show.
/// Member disks are identified through udev (model, serial, WWN, by-id link) by the whole disk
/// holding the member.
///
/// Failure is per array: an array whose files do not parse is listed with `error` set (and
/// whatever /proc/mdstat still says about it) and logged; the others are reported normally.
/// A host without md (no /proc/mdstat, no md device) is a success with zero arrays. The
/// collector itself fails only when /proc/mdstat is not mdstat at all and sysfs shows no array.
public struct MDRAIDCollector: Collector {
    public let name = "mdraid"
    /// procfs and sysfs mount points (`--path.procfs`, `--path.sysfs`); fixture trees in tests.
    public let procfs: String
    public let sysfs: String
    let identify: @Sendable (String) -> DiskIdentity?
    let logger: Logger
    /// procfs (`mdstat`, or `self` on a host without md) and sysfs (`block`) roots, checked at
    /// each collection: a path that points nowhere would read as "no arrays".
    let paths: PathCheck

    /// - Parameter identify: disk identity by kernel name; udev by default, a stub in tests.
    public init(
        procfs: String = "/proc", sysfs: String = "/sys", logger: Logger,
        identify: @escaping @Sendable (String) -> DiskIdentity? = { UdevBlockDevices.identity(kernelName: $0) }
    ) {
        self.procfs = procfs
        self.sysfs = sysfs
        self.logger = logger
        self.identify = identify
        self.paths = PathCheck(
            collector: "mdraid", logger: logger,
            [
                .procfs(procfs, alternatives: ["mdstat"]),
                .sysfs(sysfs, needs: ["block"]),
            ])
    }

    public static var fills: Set<SnapshotPart> { [.mdArrays] }

    public func collect(_ scrape: ScrapeContext, into snapshot: inout Snapshot) throws {
        try paths.verify()
        var mdstat: MDStat?
        var mdstatError: SystemError?
        do {
            mdstat = try MDStat.read(procRoot: procfs)
        } catch let e as SystemError where e.kind == .notFound {
            mdstat = nil
        } catch let e as SystemError {
            mdstatError = e
            logger.warning("mdraid: cannot use \(procfs)/mdstat: \(e); using sysfs only")
        }

        var sysfsNames: [String] = []
        do {
            sysfsNames = try MDSysfsArray.list(sysRoot: sysfs)
        } catch let e as SystemError where e.kind == .notFound {
            sysfsNames = []
        } catch let e as SystemError {
            logger.warning("mdraid: cannot list \(sysfs)/block: \(e); using \(procfs)/mdstat only")
        }
        if let mdstatError, sysfsNames.isEmpty { throw mdstatError }

        var statByName: [String: MDStatArray] = [:]
        var statErrors: [String: SystemError] = [:]
        for a in mdstat?.arrays ?? [] { statByName[a.device] = a }
        for m in mdstat?.malformed ?? [] { statErrors[m.device] = m.error }

        var devices = Set(sysfsNames)
        devices.formUnion(statByName.keys)
        devices.formUnion(statErrors.keys)

        var identities = IdentityCache(identify: identify)
        var arrays: [MDArray] = []
        for device in devices.sorted(by: Self.naturalOrder) {
            let stat = statByName[device]
            if let e = statErrors[device] {
                logger.warning("mdraid: \(device): \(procfs)/mdstat: \(e.reason)")
            }
            var array: MDArray
            if sysfsNames.contains(device) {
                do {
                    let sys = try MDSysfsArray.read(sysRoot: sysfs, device: device)
                    array = Self.array(sys, stat: stat, identities: &identities)
                } catch let e as SystemError {
                    array = stat.map { Self.array($0, identities: &identities) } ?? MDArray(device: device, source: .sysfs)
                    array.error = e.description
                    logger.error(
                        "mdraid: \(device): \(e); reported with hv_md_array_scrape_error=1\(stat == nil ? "" : ", figures from mdstat")")
                }
            } else if let stat {
                array = Self.array(stat, identities: &identities)
            } else {
                array = MDArray(device: device, source: .mdstat)
                array.error = statErrors[device]?.description ?? "no data"
                logger.error("mdraid: \(device): \(array.error!); reported with hv_md_array_scrape_error=1")
            }
            arrays.append(array)
        }
        snapshot.mdArrays = arrays
    }

    // MARK: - sysfs (merged with mdstat)

    static func array(_ s: MDSysfsArray, stat: MDStatArray?, identities: inout IdentityCache) -> MDArray {
        var a = MDArray(device: s.device, source: .sysfs)
        a.level = s.level
        a.arrayState = s.arrayState
        a.raidDisks = s.raidDisks
        a.raidDisksBefore = s.raidDisksBefore
        a.degraded = s.degraded
        a.syncAction = s.syncAction
        a.lastSyncAction = s.lastSyncAction
        a.mismatchSectors = s.mismatchCount
        a.metadataVersion = s.metadataVersion
        a.chunkSizeBytes = s.chunkSizeBytes
        a.chunkSizeBytesBefore = s.chunkSizeBytesBefore
        if let kib = s.componentSizeKiB, kib > 0, kib <= UInt64.max >> 10 { a.componentSizeBytes = kib << 10 }
        if let sectors = s.sizeSectors, sectors > 0, sectors <= UInt64.max >> 9 {
            a.sizeBytes = sectors << 9
        } else if let kib = stat?.blocksKiB, kib > 0, kib <= UInt64.max >> 10 {
            a.sizeBytes = kib << 10
        }
        a.reshapePositionSectors = s.reshapePosition
        a.consistencyPolicy = s.consistencyPolicy
        a.uuid = s.uuid
        a.bitmap = stat?.bitmap.map(bitmap)

        switch s.syncCompleted {
        case .progress(let done, let total)?:
            a.syncState = .running
            a.syncCompletedSectors = done
            a.syncTotalSectors = total
            let speed = s.syncSpeedKiBPerSecond ?? stat?.progress?.speedKiBPerSecond
            a.syncSpeedBytesPerSecond = speed.flatMap { $0 <= UInt64.max >> 10 ? $0 << 10 : nil }
            a.syncRemainingSeconds = stat?.progress?.finishSeconds
        case .delayed?:
            a.syncState = .delayed
        case .none?:
            a.syncState = stat?.waiting.map(waitingState) ?? .idle
        case nil:
            // No redundancy attributes (raid0, linear, inactive, containers).
            a.syncState = nil
        }

        let descriptors = Dictionary(stat?.members.map { ($0.name, $0.descriptorIndex) } ?? [], uniquingKeysWith: { a, _ in a })
        a.members = s.members.map { m in
            var member = MDMember(device: m.name, states: m.states, slot: m.slot?.number)
            member.errors = m.errors
            member.parentDisk = m.parentDisk
            member.descriptorIndex = descriptors[m.name]
            identities.apply(to: &member)
            return member
        }.sorted(by: memberOrder)
        return a
    }

    // MARK: - mdstat only

    static func array(_ s: MDStatArray, identities: inout IdentityCache) -> MDArray {
        var a = MDArray(device: s.device, source: .mdstat)
        a.level = s.level
        if !s.active {
            a.arrayState = "inactive"
        } else {
            switch s.access {
            case .readOnly: a.arrayState = "readonly"
            case .autoReadOnly: a.arrayState = "read-auto"
            case .readWrite: a.arrayState = "active"
            }
        }
        let redundant = s.active && s.raidDisks != nil && s.level != nil && s.level != "multipath"
        a.metadataVersion = s.metadataVersion
        if s.superblock == nil, !s.active, s.members.isEmpty { a.metadataVersion = nil }
        a.raidDisks = s.raidDisks ?? ((s.level == "raid0" || s.level == "linear") ? s.members.filter { !$0.spare }.count : nil)
        if let n = s.raidDisks, let m = s.inSyncDisks { a.degraded = max(0, n - m) }
        if let c = s.chunkKiB, c <= UInt64.max >> 10 { a.chunkSizeBytes = c << 10 }
        if let b = s.blocksKiB, b > 0, b <= UInt64.max >> 10 { a.sizeBytes = b << 10 }
        a.bitmap = s.bitmap.map(bitmap)

        if let p = s.progress {
            a.syncState = .running
            a.syncAction = action(fromMDStat: p.action)
            a.syncCompletedSectors = p.doneKiB <= UInt64.max >> 1 ? p.doneKiB << 1 : nil
            a.syncTotalSectors = p.totalKiB <= UInt64.max >> 1 ? p.totalKiB << 1 : nil
            a.syncSpeedBytesPerSecond = p.speedKiBPerSecond.flatMap { $0 <= UInt64.max >> 10 ? $0 << 10 : nil }
            a.syncRemainingSeconds = p.finishSeconds
        } else if let w = s.waiting {
            a.syncState = waitingState(w)
            a.syncAction = a.syncState == .delayed ? action(fromMDStat: w.action) : "idle"
        } else if redundant {
            a.syncState = .idle
            a.syncAction = "idle"
        }

        let rebuilding = s.progress.map { $0.action == "recovery" } ?? false
        a.members = s.members.map { m in
            var states: [String]
            if m.faulty {
                states = ["faulty"]
            } else if m.journal {
                states = ["journal"]
            } else if m.spare || (m.replacement && rebuilding) {
                states = ["spare"]
            } else {
                states = ["in_sync"]
            }
            if m.writeMostly { states.append("write_mostly") }
            if m.replacement { states.append("replacement") }
            var member = MDMember(device: m.name, states: states)
            member.descriptorIndex = m.descriptorIndex
            identities.apply(to: &member)
            return member
        }.sorted(by: memberOrder)
        return a
    }

    // MARK: - helpers

    static func bitmap(_ b: MDStatBitmap) -> MDBitmap {
        MDBitmap(
            pagesUsed: b.pagesUsed, pagesTotal: b.pagesTotal,
            memoryBytes: b.memoryKiB <= UInt64.max >> 10 ? b.memoryKiB << 10 : UInt64.max,
            chunkBytes: b.chunkBytes, file: b.file)
    }

    static func waitingState(_ w: MDStatWaiting) -> MDSyncState {
        w.reason == "PENDING" ? .pending : .delayed
    }

    /// mdstat progress labels to `sync_action` words ("recovery" is "recover"; mdstat prints
    /// "resync" for repair too, which only sysfs tells apart).
    static func action(fromMDStat label: String) -> String {
        switch label {
        case "recovery", "recover": return "recover"
        default: return label
        }
    }

    /// Slot order, members without slot (spares, faulty, journal) last, then by name.
    static func memberOrder(_ x: MDMember, _ y: MDMember) -> Bool {
        switch (x.slot, y.slot) {
        case (let a?, let b?) where a != b: return a < b
        case (.some, nil): return true
        case (nil, .some): return false
        default: return naturalOrder(x.device, y.device)
        }
    }

    /// "md2" < "md10": digit runs compare as numbers.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        var i = a.utf8.makeIterator()
        var j = b.utf8.makeIterator()
        var x = i.next()
        var y = j.next()
        func isDigit(_ c: UInt8?) -> Bool { c.map { $0 >= 48 && $0 <= 57 } ?? false }
        while let cx = x, let cy = y {
            if isDigit(cx) && isDigit(cy) {
                var nx: [UInt8] = []
                var ny: [UInt8] = []
                while isDigit(x) { nx.append(x!); x = i.next() }
                while isDigit(y) { ny.append(y!); y = j.next() }
                while nx.count > 1, nx.first == 48 { nx.removeFirst() }
                while ny.count > 1, ny.first == 48 { ny.removeFirst() }
                if nx.count != ny.count { return nx.count < ny.count }
                if nx != ny { return nx.lexicographicallyPrecedes(ny) }
                continue
            }
            if cx != cy { return cx < cy }
            x = i.next()
            y = j.next()
        }
        return x == nil && y != nil
    }
}

/// Looks each disk up once per collection (several arrays share disks).
struct IdentityCache {
    let identify: @Sendable (String) -> DiskIdentity?
    var cache: [String: DiskIdentity?] = [:]

    init(identify: @escaping @Sendable (String) -> DiskIdentity?) { self.identify = identify }

    /// Fills model/serial/WWN/by-id of `member` from the disk holding it (or the member itself
    /// when it is a whole disk). md and dm members have no disk identity.
    mutating func apply(to member: inout MDMember) {
        let disk = member.parentDisk ?? member.device
        if disk.hasPrefix("md") || disk.hasPrefix("dm-") { return }
        let id: DiskIdentity?
        if let cached = cache[disk] {
            id = cached
        } else {
            id = identify(disk)
            cache[disk] = id
        }
        guard let id else { return }
        member.model = id.model
        member.serial = id.serial
        member.wwn = id.wwn
        member.byIdPath = id.byIdPath
    }
}
