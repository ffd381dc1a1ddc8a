/// HPE Smart Array `ssacli ctrl all show config detail` (and `hpssacli` / `hpacucli`, and the
/// shorter `ctrl all show config`): indented text, one block per controller
/// ("Smart Array P440ar in Slot 0 (Embedded)"), its "Array: A" sections, each "Logical Drive:
/// 1" and "physicaldrive 1I:1:1" with their "Key: Value" lines; the short form gives
/// "logicaldrive 1 (279.4 GB, RAID 1, OK)" and "physicaldrive 1I:1:1 (port 1I:box 1:bay 1,
/// SAS, 300 GB, OK)" lines instead.
///
/// Sizes are decimal ("300 GB" = 300e9 bytes). Output without any controller header (storcli
/// JSON, arcconf, an "Error: ..." from ssacli) is a `RAIDFormatError`.
public enum SSACLIOutput {
    public static func parse(_ bytes: [UInt8]) throws(RAIDFormatError) -> RAIDToolReport {
        var report = RAIDToolReport()
        var controllers: [RAIDToolController] = []
        var item: Item = .none
        var itemIndent = 0
        var array: String?
        var errors: [String] = []

        for raw in RAIDText.lines(bytes) {
            let indent = raw.prefix(while: { $0 == " " || $0 == "\t" }).count
            let line = RAIDText.trim(raw)
            if line.isEmpty { continue }
            if indent == 0, line.hasPrefix("Error:") {
                errors.append(line)
                continue
            }
            // A controller header: at the left margin, "<model> in <place>", no "key: value".
            if indent == 0, !line.contains(": "), let r = Substring(line).raidRange(of: " in ") {
                let model = String(line[..<r.lowerBound])
                var place = String(line[r.upperBound...])
                if let paren = place.firstIndex(of: "(") { place = RAIDText.trim(place[..<paren]) }
                let id = place.lowercased().raidReplacing(" ", with: "")
                controllers.append(RAIDToolController(id: id, vendor: "hpe", model: model))
                item = .controller
                itemIndent = 0
                array = nil
                continue
            }
            guard !controllers.isEmpty else { continue }
            let c = controllers.count - 1
            let lower = line.lowercased()

            // Section and item headers.
            if lower.hasPrefix("array:") || (lower.hasPrefix("array ") && !line.contains(":")) {
                let name = lower.hasPrefix("array:") ? RAIDText.trim(line.dropFirst(6)) : String(line.dropFirst(6))
                array = String(name.split(separator: " ").first ?? "")
                item = .other
                itemIndent = indent
                continue
            }
            if lower == "unassigned" || lower == "hba drives" {
                array = nil
                item = .other
                itemIndent = indent
                continue
            }
            if lower.hasPrefix("logical drive:") {
                let id = RAIDText.trim(line.dropFirst("logical drive:".count))
                controllers[c].logicalDrives.append(RAIDToolLogicalDrive(id: id))
                item = .logical(controllers[c].logicalDrives.count - 1)
                itemIndent = indent
                continue
            }
            if lower.hasPrefix("logicaldrive ") {
                if case .logical = item, indent > itemIndent { continue }
                if let ld = shortLogical(line) {
                    controllers[c].logicalDrives.append(ld)
                } else {
                    report.problems.append("\(controllers[c].id): unreadable line \"\(line)\"")
                }
                item = .other
                itemIndent = indent
                continue
            }
            if lower.hasPrefix("physicaldrive ") {
                // Members listed inside a logical drive ("Mirror Group 0:") are described again below.
                if case .logical = item, indent > itemIndent { continue }
                let rest = line.dropFirst("physicaldrive ".count)
                let slot = String(rest.prefix(while: { $0 != " " && $0 != "(" }))
                guard !slot.isEmpty else {
                    report.problems.append("\(controllers[c].id): physicaldrive line without a slot")
                    continue
                }
                var pd =
                    controllers[c].physicalDrives.first(where: { $0.slot == slot })
                    ?? RAIDToolPhysicalDrive(slot: slot, group: array)
                if let open = rest.firstIndex(of: "("), let close = rest.lastIndex(of: ")"), open < close {
                    applyShortPhysical(String(rest[rest.index(after: open)..<close]), to: &pd)
                }
                if let i = controllers[c].physicalDrives.firstIndex(where: { $0.slot == slot }) {
                    controllers[c].physicalDrives[i] = pd
                    item = .physical(i)
                } else {
                    controllers[c].physicalDrives.append(pd)
                    item = .physical(controllers[c].physicalDrives.count - 1)
                }
                itemIndent = indent
                continue
            }

            guard let kv = RAIDText.keyValue(line) else {
                // Another header (an expander, an enclosure, a SEP, "Mirror Group 0"): its lines
                // are no one's we read.
                if indent <= itemIndent || item == .controller {
                    item = .other
                    itemIndent = indent
                }
                continue
            }
            if indent <= itemIndent, item != .controller {
                // A key at the level of the item header belongs to the section above it.
                item = indent <= 3 ? .controller : .other
            }
            switch item {
            case .controller: applyController(kv, to: &controllers[c])
            case .logical(let i): applyLogical(kv, to: &controllers[c].logicalDrives[i])
            case .physical(let i): applyPhysical(kv, to: &controllers[c].physicalDrives[i])
            case .other, .none: break
            }
        }
        guard !controllers.isEmpty else {
            if let e = errors.first { throw RAIDFormatError(tool: "ssacli", "ssacli said \"\(e)\"") }
            throw RAIDFormatError(tool: "ssacli", "no Smart Array controller header; \(StorCLIOutput.foreignHint(bytes))")
        }
        report.problems += errors
        report.controllers = controllers
        return report
    }

    enum Item: Equatable {
        case none, controller, other
        case logical(Int)
        case physical(Int)
    }

    // MARK: States

    public static func controllerStatus(_ word: String) -> String {
        let w = word.lowercased()
        if w == "ok" { return "optimal" }
        if w.contains("fail") { return "failed" }
        return w.isEmpty ? "unknown" : "degraded"
    }

    public static func logicalDriveState(_ word: String) -> String {
        let w = word.lowercased()
        if w == "ok" { return "optimal" }
        if w.hasPrefix("recovering") || w.hasPrefix("rebuilding") { return "rebuilding" }
        if w.contains("interim recovery") || w.contains("ready for rebuild") || w.contains("degraded") { return "degraded" }
        if w.contains("fail") { return "failed" }
        if w.contains("disabled") || w.contains("offline") { return "offline" }
        if w.contains("initializ") { return "initializing" }
        return "unknown"
    }

    public static func physicalDriveState(_ word: String) -> String {
        let w = word.lowercased()
        if w.contains("predictive") { return "predictive_failure" }
        if w.contains("spare") { return "spare" }
        if w == "ok" { return "online" }
        if w.contains("rebuild") { return "rebuilding" }
        if w.contains("fail") { return "failed" }
        if w.contains("offline") { return "offline" }
        return "unknown"
    }

    public static func batteryState(_ word: String) -> String {
        let w = word.lowercased()
        if w == "ok" { return "optimal" }
        if w.contains("fail") || w.contains("replace") { return "failed" }
        if w.contains("charg") { return "charging" }
        if w.contains("not present") || w.contains("absent") { return "absent" }
        if w.contains("degrad") { return "degraded" }
        return "unknown"
    }

    public static func cacheState(_ word: String) -> String {
        let w = word.lowercased()
        if w == "ok" { return "ok" }
        if w.contains("fail") || w.contains("error") { return "failed" }
        if w.contains("disabled") || w.contains("not configured") { return "disabled" }
        return "unknown"
    }

    // MARK: Lines

    static func applyController(_ kv: (key: String, value: String), to c: inout RAIDToolController) {
        switch kv.key.lowercased() {
        case "serial number": c.serial = kv.value
        case "firmware version": if c.firmware.isEmpty { c.firmware = kv.value }
        case "controller status":
            c.statusWord = kv.value
            c.status = controllerStatus(kv.value)
        case "cache status":
            c.cacheWord = kv.value
            c.cache = cacheState(kv.value)
        case "battery/capacitor status":
            c.batteryWord = kv.value
            c.battery = batteryState(kv.value)
        default: break
        }
    }

    static func applyLogical(_ kv: (key: String, value: String), to ld: inout RAIDToolLogicalDrive) {
        switch kv.key.lowercased() {
        case "size": ld.sizeBytes = RAIDText.bytes(kv.value, binary: false)
        case "fault tolerance": ld.raidLevel = raidLevel(kv.value)
        case "status":
            ld.stateWord = kv.value
            ld.state = logicalDriveState(kv.value)
            // "Recovering, 12% complete"
            if let comma = kv.value.firstIndex(of: ","), kv.value.contains("%") {
                let after = kv.value[kv.value.index(after: comma)...]
                let digits = RAIDText.trim(after).prefix(while: { $0.isNumber || $0 == "." })
                ld.rebuildRatio = RAIDText.ratio(percent: String(digits))
            }
        case "unique identifier": ld.wwn = RAIDText.wwn(kv.value)
        case "disk name":
            let dev = kv.value.split(separator: " ").first.map(String.init) ?? ""
            if dev.hasPrefix("/dev/") { ld.osDevice = dev }
        case "logical drive label": ld.name = kv.value
        default: break
        }
    }

    static func applyPhysical(_ kv: (key: String, value: String), to pd: inout RAIDToolPhysicalDrive) {
        switch kv.key.lowercased() {
        case "status":
            pd.stateWord = kv.value
            pd.state = physicalDriveState(kv.value)
        case "drive type":
            if kv.value.lowercased().contains("spare"), pd.state == "online" { pd.state = "spare" }
        case "size": pd.sizeBytes = RAIDText.bytes(kv.value, binary: false)
        case "serial number": pd.serial = kv.value
        case "model": pd.model = collapseSpaces(kv.value)
        case "wwid": pd.wwn = RAIDText.wwn(kv.value)
        case "interface type":
            if kv.value.uppercased().contains("SSD") || kv.value.uppercased().contains("SOLID") { pd.medium = "SSD" }
        default: break
        }
    }

    /// "logicaldrive 1 (136.7 GB, RAID 5, Interim Recovery Mode)"
    static func shortLogical(_ line: String) -> RAIDToolLogicalDrive? {
        let rest = line.dropFirst("logicaldrive ".count)
        let id = String(rest.prefix(while: { $0 != " " && $0 != "(" }))
        guard !id.isEmpty, let open = rest.firstIndex(of: "("), let close = rest.lastIndex(of: ")"), open < close else { return nil }
        let fields = splitTopLevel(String(rest[rest.index(after: open)..<close]))
        guard fields.count >= 3 else { return nil }
        let word = fields[2...].joined(separator: ", ")
        var ld = RAIDToolLogicalDrive(
            id: id, raidLevel: raidLevel(fields[1].hasPrefix("RAID") ? String(fields[1].dropFirst(4)) : fields[1]),
            state: logicalDriveState(word), stateWord: word, sizeBytes: RAIDText.bytes(fields[0], binary: false))
        if let pct = fields.dropFirst(2).first(where: { $0.contains("%") }) {
            ld.rebuildRatio = RAIDText.ratio(percent: String(pct.prefix(while: { $0.isNumber || $0 == "." })))
        }
        return ld
    }

    /// "port 1I:box 1:bay 1, SAS, 300 GB, OK" or "..., 300 GB, OK, spare"
    static func applyShortPhysical(_ inside: String, to pd: inout RAIDToolPhysicalDrive) {
        let fields = splitTopLevel(inside)
        guard let sizeAt = fields.firstIndex(where: { RAIDText.bytes($0, binary: false) != nil && $0.contains("B") }) else { return }
        pd.sizeBytes = RAIDText.bytes(fields[sizeAt], binary: false)
        let words = fields[(sizeAt + 1)...]
        guard let first = words.first else { return }
        pd.stateWord = words.joined(separator: ", ")
        pd.state = physicalDriveState(first)
        if words.contains(where: { $0.lowercased() == "spare" }), pd.state == "online" { pd.state = "spare" }
        if fields.contains(where: { $0.uppercased().contains("SSD") }) { pd.medium = "SSD" }
    }

    /// Splits at commas outside parentheses ("RAID 6 (ADG)" stays whole), trimmed.
    static func splitTopLevel(_ s: String) -> [String] {
        var out: [String] = []
        var depth = 0
        var cur = ""
        for ch in s {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth = max(0, depth - 1) }
            if ch == ",", depth == 0 {
                out.append(RAIDText.trim(cur))
                cur = ""
            } else {
                cur.append(ch)
            }
        }
        out.append(RAIDText.trim(cur))
        return out
    }

    /// "1" -> "RAID1", "1+0" -> "RAID1+0", "6 (ADG)" -> "RAID6 (ADG)", "RAID 5" -> "RAID5".
    static func raidLevel(_ text: String) -> String {
        var t = RAIDText.trim(text)
        if t.uppercased().hasPrefix("RAID") { t = RAIDText.trim(t.dropFirst(4)) }
        return t.isEmpty ? "" : "RAID" + t
    }

    static func collapseSpaces(_ s: String) -> String {
        s.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}
