/// Microchip/Adaptec `arcconf GETCONFIG <n>` (also `GETCONFIG <n> AL`): sections between
/// dashed lines ("Controller information", "Logical device information", "Physical Device
/// information"), "Key : Value" lines, subsections ("Controller Battery Information",
/// "Controller ZMM Information", "Cache Properties", "Green Backup Information"), one block
/// per "Logical device number N" and per "Device #N".
///
/// Sizes are binary ("953869 MB" = 953869 MiB). Output without "Controller information"
/// (storcli JSON, ssacli, "Invalid controller number") is a `RAIDFormatError`.
public enum ArcconfOutput {
    /// Reads the output for controller `id` (the number given to GETCONFIG).
    public static func parse(_ bytes: [UInt8], controller id: String = "1") throws(RAIDFormatError) -> RAIDToolReport {
        var report = RAIDToolReport()
        var c = RAIDToolController(id: id, vendor: "microchip")
        var section = Section.none
        var subsection = ""
        var logical: Int?
        var device: RAIDToolPhysicalDrive?
        var deviceIsDrive = false
        var sawController = false
        var pendingHeader = false

        func flushDevice() {
            if let d = device, deviceIsDrive { c.physicalDrives.append(d) }
            device = nil
            deviceIsDrive = false
        }

        for raw in RAIDText.lines(bytes) {
            let line = RAIDText.trim(raw)
            if line.isEmpty { continue }
            if line.allSatisfy({ $0 == "-" }) {
                pendingHeader = true
                continue
            }
            let lower = line.lowercased()
            if pendingHeader, !line.contains(" : "), !line.hasSuffix(" :"), !lower.hasPrefix("logical device number"),
                !lower.hasPrefix("logical drive number"), !lower.hasPrefix("device #")
            {
                pendingHeader = false
                let topLevel = !(raw.first == " " || raw.first == "\t")
                guard topLevel else {
                    subsection = lower
                    continue
                }
                if section == .physical { flushDevice() }
                subsection = ""
                switch lower {
                case "controller information":
                    section = .controller
                    sawController = true
                case "logical device information", "logical drive information": section = .logical
                case "physical device information": section = .physical
                default: section = .other
                }
                continue
            }
            pendingHeader = false
            switch section {
            case .controller:
                guard let kv = RAIDText.keyValue(line), line.contains(" : ") || line.hasSuffix(" :") else { continue }
                applyController(kv, subsection: subsection, to: &c)
            case .logical:
                if lower.hasPrefix("logical device number ") || lower.hasPrefix("logical drive number ") {
                    let n = RAIDText.trim(line.split(separator: " ").last ?? "")
                    c.logicalDrives.append(RAIDToolLogicalDrive(id: n))
                    logical = c.logicalDrives.count - 1
                    continue
                }
                guard let i = logical, let kv = RAIDText.keyValue(line), line.contains(" : ") else { continue }
                applyLogical(kv, to: &c.logicalDrives[i])
            case .physical:
                if lower.hasPrefix("device #") {
                    flushDevice()
                    device = RAIDToolPhysicalDrive(slot: String(line.dropFirst("device #".count)))
                    continue
                }
                if lower.hasPrefix("device is a") {
                    deviceIsDrive = lower.contains("hard drive") || lower.contains("solid state") || lower.contains("ssd")
                    if lower.contains("solid state") || lower.contains("ssd") { device?.medium = "SSD" }
                    continue
                }
                guard device != nil, let kv = RAIDText.keyValue(line), line.contains(" : ") else { continue }
                applyPhysical(kv, to: &device!)
            case .none, .other:
                continue
            }
        }
        flushDevice()
        guard sawController else {
            let first = RAIDText.lines(bytes).first(where: { !RAIDText.trim($0).isEmpty }).map { RAIDText.trim($0) } ?? ""
            if first.lowercased().contains("invalid controller") {
                throw RAIDFormatError(tool: "arcconf", "arcconf said \"\(first.prefix(120))\"")
            }
            throw RAIDFormatError(tool: "arcconf", "no \"Controller information\" section; \(StorCLIOutput.foreignHint(bytes))")
        }
        // A degraded logical device with a member rebuilding is rebuilding.
        if c.physicalDrives.contains(where: { $0.state == "rebuilding" }) {
            for i in c.logicalDrives.indices where c.logicalDrives[i].state == "degraded" { c.logicalDrives[i].state = "rebuilding" }
        }
        report.controllers = [c]
        return report
    }

    enum Section { case none, controller, logical, physical, other }

    /// "Controllers found: 2" in an output, the count of controllers to ask about.
    public static func controllerCount(_ bytes: [UInt8]) -> Int? {
        for raw in RAIDText.lines(bytes).prefix(10) {
            if let kv = RAIDText.keyValue(raw), kv.key.lowercased() == "controllers found" { return Int(kv.value) }
        }
        return nil
    }

    // MARK: States

    public static func controllerStatus(_ word: String) -> String {
        let w = word.lowercased()
        if w == "optimal" || w == "okay" || w == "ok" { return "optimal" }
        if w.contains("fail") { return "failed" }
        return w.isEmpty ? "unknown" : "degraded"
    }

    public static func logicalDriveState(_ word: String) -> String {
        let w = word.lowercased()
        if w == "optimal" || w == "okay" { return "optimal" }
        if w.contains("rebuild") { return "rebuilding" }
        if w.contains("degraded") || w.contains("impacted") || w.contains("suboptimal") || w.contains("critical") {
            return "degraded"
        }
        if w.contains("fail") { return "failed" }
        if w.contains("offline") { return "offline" }
        if w.contains("build") || w.contains("initializ") { return "initializing" }
        return "unknown"
    }

    public static func physicalDriveState(_ word: String) -> String {
        let w = word.lowercased()
        if w.contains("jbod") || w.contains("raw") { return "jbod" }
        if w.hasPrefix("online") { return "online" }
        if w.contains("spare") { return "spare" }
        if w == "ready" || w.contains("unconfigured") { return "unconfigured" }
        if w.contains("rebuild") { return "rebuilding" }
        if w.contains("fail") || w.contains("defunct") { return "failed" }
        if w.contains("missing") { return "missing" }
        if w.contains("offline") { return "offline" }
        return "unknown"
    }

    public static func batteryState(_ word: String) -> String {
        let w = word.lowercased()
        if w.contains("not installed") || w.contains("not present") || w.contains("absent") { return "absent" }
        if w.contains("fail") { return "failed" }
        if w.contains("charg") { return "charging" }
        if w.contains("degrad") || w.contains("low") { return "degraded" }
        if w.contains("optimal") || w == "ok" || w == "ready" { return "optimal" }
        return "unknown"
    }

    // MARK: Lines

    static func applyController(_ kv: (key: String, value: String), subsection: String, to c: inout RAIDToolController) {
        let key = kv.key.lowercased()
        if subsection.contains("battery") || subsection.contains("zmm") || subsection.contains("backup") {
            if key == "status" || key == "backup power status" || key == "overall backup unit status" {
                if c.batteryWord == nil || key == "status" {
                    c.batteryWord = kv.value
                    c.battery = batteryState(kv.value)
                }
            }
            return
        }
        switch key {
        case "controller status":
            c.statusWord = kv.value
            c.status = controllerStatus(kv.value)
        case "controller model": c.model = kv.value
        case "controller serial number": c.serial = kv.value
        case "firmware": if subsection.contains("version") || c.firmware.isEmpty { c.firmware = kv.value }
        case "cache status":
            c.cacheWord = kv.value
            let w = kv.value.lowercased()
            c.cache = w == "ok" || w == "optimal" ? "ok" : w.contains("fail") ? "failed" : w.contains("disabled") ? "disabled" : "unknown"
        default: break
        }
    }

    static func applyLogical(_ kv: (key: String, value: String), to ld: inout RAIDToolLogicalDrive) {
        switch kv.key.lowercased() {
        case "raid level": ld.raidLevel = SSACLIOutput.raidLevel(kv.value)
        case "status of logical device", "status of logical drive":
            ld.stateWord = kv.value
            ld.state = logicalDriveState(kv.value)
        case "size": ld.sizeBytes = RAIDText.bytes(kv.value, binary: true)
        case "disk name": if kv.value.hasPrefix("/dev/") { ld.osDevice = kv.value }
        case "logical device name", "logical drive name": ld.name = kv.value
        default: break
        }
    }

    static func applyPhysical(_ kv: (key: String, value: String), to pd: inout RAIDToolPhysicalDrive) {
        switch kv.key.lowercased() {
        case "state":
            pd.stateWord = kv.value
            pd.state = physicalDriveState(kv.value)
        case "reported location":
            // "Enclosure 0, Slot 3" / "Enclosure Direct Attached, Slot 0(Connector 0:CN0)"
            let parts = kv.value.split(separator: ",").map { RAIDText.trim($0) }
            let enclosure = parts.first.map { RAIDText.trim($0.dropFirst("Enclosure".count)) } ?? ""
            if let s = parts.first(where: { $0.hasPrefix("Slot") }) {
                let slot = RAIDText.trim(s.dropFirst(4)).prefix(while: { $0.isNumber })
                if !slot.isEmpty { pd.slot = enclosure.allSatisfy(\.isNumber) && !enclosure.isEmpty ? "\(enclosure):\(slot)" : "\(slot)" }
            }
        case "model": pd.model = SSACLIOutput.collapseSpaces((pd.model.isEmpty ? "" : pd.model + " ") + kv.value)
        case "vendor":
            if kv.value.uppercased() != "ATA" {
                pd.model = SSACLIOutput.collapseSpaces(kv.value + (pd.model.isEmpty ? "" : " " + pd.model))
            }
        case "serial number": pd.serial = kv.value
        case "world-wide name": pd.wwn = RAIDText.wwn(kv.value)
        case "total size", "size": pd.sizeBytes = RAIDText.bytes(kv.value, binary: true)
        case "s.m.a.r.t. warnings":
            if let n = UInt64(kv.value) {
                pd.smartAlert = n > 0
                if n > 0, pd.state == "online" { pd.state = "predictive_failure" }
            }
        case "pfa":
            if kv.value.lowercased() == "yes" {
                pd.smartAlert = true
                if pd.state == "online" { pd.state = "predictive_failure" }
            }
        case "ssd": if kv.value.lowercased() == "yes" { pd.medium = "SSD" } else if kv.value.lowercased() == "no" { pd.medium = "HDD" }
        default: break
        }
    }
}
