/// Broadcom/LSI MegaRAID `storcli64` and Dell PERC `perccli64` JSON outputs (the same shape):
///
/// - `/call show all J`: controllers, "VD LIST", "PD LIST", "Cachevault_Info" / "BBU_Info"
///   (`parseControllers`), the base of the report;
/// - `/call/vall show all J`: each virtual drive's OS device name and SCSI NAA id
///   (`applyVirtualDriveDetails`);
/// - `/call/eall/sall show all J`: each drive's serial, WWN and error counters
///   (`applyDriveDetails`);
/// - `/call/eall/sall show rebuild J`: rebuild progress of rebuilding drives (`applyRebuild`).
///
/// Each output is `{"Controllers": [{"Command Status": {...}, "Response Data": {...}}]}`. A
/// controller whose command failed is left out with a problem line; another tool's output
/// (MegaCli text, storcli without `J`, arcconf, ssacli) is a `RAIDFormatError`.
public enum StorCLIOutput {
    /// Reads `/call show all J`. `tool` names the program for errors ("storcli64", "perccli64").
    public static func parseControllers(_ bytes: [UInt8], tool: String = "storcli") throws(RAIDFormatError) -> RAIDToolReport {
        var report = RAIDToolReport()
        for entry in try envelope(bytes, tool: tool, problems: &report.problems) {
            report.controllers.append(controller(index: entry.index, data: entry.data, tool: tool, problems: &report.problems))
        }
        return report
    }

    /// Adds OS device names and NAA ids from `/call/vall show all J` to the report's virtual drives.
    public static func applyVirtualDriveDetails(_ bytes: [UInt8], to report: inout RAIDToolReport, tool: String = "storcli")
        throws(RAIDFormatError)
    {
        for entry in try envelope(bytes, tool: tool, problems: &report.problems) {
            guard let ci = report.controllers.firstIndex(where: { $0.id == "c\(entry.index)" }),
                let members = entry.data.object
            else { continue }
            for (key, value) in members where key.hasPrefix("/c") && key.contains("/v") {
                guard let row = value[0], let dgvd = text(row["DG/VD"]) else { continue }
                let vd = String(key.split(separator: "v").last ?? "")
                guard let props = members["VD\(vd) Properties"] else { continue }
                guard let li = report.controllers[ci].logicalDrives.firstIndex(where: { $0.id == dgvd }) else { continue }
                if let dev = text(props["OS Drive Name"]), dev.hasPrefix("/dev/") {
                    report.controllers[ci].logicalDrives[li].osDevice = dev
                }
                if let naa = text(props["SCSI NAA Id"]).flatMap(RAIDText.wwn) {
                    report.controllers[ci].logicalDrives[li].wwn = naa
                }
            }
        }
    }

    /// Adds serials, WWNs, error counters and S.M.A.R.T. alerts from `/call/eall/sall show all J`.
    public static func applyDriveDetails(_ bytes: [UInt8], to report: inout RAIDToolReport, tool: String = "storcli")
        throws(RAIDFormatError)
    {
        for entry in try envelope(bytes, tool: tool, problems: &report.problems) {
            guard let ci = report.controllers.firstIndex(where: { $0.id == "c\(entry.index)" }),
                let members = entry.data.object
            else { continue }
            for (key, value) in members where key.hasPrefix("Drive /c") && !key.hasSuffix("Detailed Information") {
                guard let row = value[0], let slot = text(row["EID:Slt"]).map(RAIDText.trim),
                    let details = members["\(key) - Detailed Information"]
                else { continue }
                guard let pi = report.controllers[ci].physicalDrives.firstIndex(where: { $0.slot == slot }) else {
                    report.problems.append("c\(entry.index): drive \(slot) in the drive details but not in PD LIST")
                    continue
                }
                var pd = report.controllers[ci].physicalDrives[pi]
                if let state = details["\(key) State"] {
                    pd.mediaErrors = state["Media Error Count"]?.uint64 ?? pd.mediaErrors
                    pd.otherErrors = state["Other Error Count"]?.uint64 ?? pd.otherErrors
                    pd.predictiveFailures = state["Predictive Failure Count"]?.uint64 ?? pd.predictiveFailures
                    if let alert = text(state["S.M.A.R.T alert flagged by drive"]) { pd.smartAlert = alert.lowercased() == "yes" }
                }
                if let attrs = details["\(key) Device attributes"] {
                    if let sn = text(attrs["SN"]).map(RAIDText.trim), !sn.isEmpty { pd.serial = sn }
                    if let w = text(attrs["WWN"]).flatMap(RAIDText.wwn) { pd.wwn = w }
                    if pd.model.isEmpty, let m = text(attrs["Model Number"]).map(RAIDText.trim) { pd.model = m }
                }
                if pd.predictiveFailures ?? 0 > 0 || pd.smartAlert == true, pd.state == "online" {
                    pd.state = "predictive_failure"
                }
                report.controllers[ci].physicalDrives[pi] = pd
            }
        }
    }

    /// Adds rebuild progress from `/call/eall/sall show rebuild J` to rebuilding drives and to
    /// the virtual drives of their drive group.
    public static func applyRebuild(_ bytes: [UInt8], to report: inout RAIDToolReport, tool: String = "storcli")
        throws(RAIDFormatError)
    {
        for entry in try envelope(bytes, tool: tool, problems: &report.problems, responseIsArray: true) {
            guard let ci = report.controllers.firstIndex(where: { $0.id == "c\(entry.index)" }),
                let rows = entry.data.array
            else { continue }
            for row in rows {
                // "Not in progress" rows carry "-" as progress; only running operations count.
                guard let id = text(row["Drive-ID"]), let slot = slot(fromDriveID: id),
                    (text(row["Status"]) ?? "").lowercased().hasPrefix("in progress"),
                    let progress = text(row["Progress%"]).flatMap(RAIDText.ratio(percent:)),
                    let pi = report.controllers[ci].physicalDrives.firstIndex(where: { $0.slot == slot })
                else { continue }
                report.controllers[ci].physicalDrives[pi].rebuildRatio = progress
                guard let group = report.controllers[ci].physicalDrives[pi].group else { continue }
                for li in report.controllers[ci].logicalDrives.indices
                where report.controllers[ci].logicalDrives[li].id.split(separator: "/").first.map(String.init) == group {
                    let old = report.controllers[ci].logicalDrives[li].rebuildRatio
                    report.controllers[ci].logicalDrives[li].rebuildRatio = min(old ?? 1, progress)
                }
            }
        }
    }

    // MARK: States

    /// Virtual drive state word (storcli legend: "Rec=Recovery|OfLn=OffLine|Pdgd=Partially
    /// Degraded|Dgrd=Degraded|Optl=Optimal").
    public static func logicalDriveState(_ word: String) -> String {
        switch word.lowercased() {
        case "optl", "optimal": return "optimal"
        case "dgrd", "pdgd", "rec", "degraded": return "degraded"
        case "ofln", "offline": return "offline"
        case "fail", "failed": return "failed"
        default: return "unknown"
        }
    }

    /// Physical drive state word (storcli legend: "Onln=Online|Offln=Offline|UGood=Unconfigured
    /// Good|UBad=Unconfigured Bad|GHS=Global Hot Spare|DHS=Dedicated Hot Spare|Rbld=Rebuild|
    /// Cpybck=CopyBack|JBOD|Msng=Missing|F=Foreign").
    public static func physicalDriveState(_ word: String) -> String {
        switch word.lowercased() {
        case "onln", "online": return "online"
        case "offln", "offline": return "offline"
        case "ugood", "ugunsp", "ugshld", "uncfg": return "unconfigured"
        case "ubad", "ubunsp", "failed", "fail": return "failed"
        case "ghs", "dhs": return "spare"
        case "rbld", "cpybck": return "rebuilding"
        case "jbod": return "jbod"
        case "msng", "missing": return "missing"
        default: return "unknown"
        }
    }

    /// Controller status word ("Optimal", "Needs Attention", "Failed").
    public static func controllerStatus(_ word: String) -> String {
        switch word.lowercased() {
        case "optimal", "ok": return "optimal"
        case "needs attention", "degraded": return "degraded"
        case "failed", "fail": return "failed"
        default: return "unknown"
        }
    }

    /// CacheVault / BBU state word ("Optimal", "Degraded", "Failed", "Learning", "Charging").
    public static func batteryState(_ word: String) -> String {
        let w = word.lowercased()
        if w == "optimal" || w == "ok" { return "optimal" }
        if w.contains("fail") || w.contains("replace") { return "failed" }
        if w.contains("charg") || w.contains("learn") { return "charging" }
        if w.contains("degrad") || w.contains("low") { return "degraded" }
        if w.contains("absent") || w.contains("missing") || w.contains("not present") { return "absent" }
        return "unknown"
    }

    // MARK: Reading

    struct Entry {
        var index: Int
        var data: JSONValue
    }

    /// The controllers of an output whose command succeeded; the others become problems.
    static func envelope(_ bytes: [UInt8], tool: String, problems: inout [String], responseIsArray: Bool = false)
        throws(RAIDFormatError) -> [Entry]
    {
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(bytes)
        } catch {
            throw RAIDFormatError(tool: tool, "not storcli JSON output (\(error)); \(foreignHint(bytes))")
        }
        guard let controllers = doc["Controllers"]?.array else {
            throw RAIDFormatError(tool: tool, "JSON without a \"Controllers\" list: not a storcli/perccli `J` output")
        }
        var out: [Entry] = []
        for (n, c) in controllers.enumerated() {
            let status = c["Command Status"]
            let index = status?["Controller"]?.int ?? n
            let result = text(status?["Status"]) ?? ""
            guard result.lowercased() == "success" else {
                let why =
                    text(status?["Description"]) ?? text(status?["ErrMsg"]) ?? text(status?["Detailed Status"]?[0]?["ErrMsg"])
                    ?? "no description"
                problems.append("c\(index): command \(result.isEmpty ? "without a status" : result.lowercased()): \(why)")
                continue
            }
            guard let data = c["Response Data"] else {
                problems.append("c\(index): no \"Response Data\"")
                continue
            }
            if responseIsArray ? data.array == nil : data.object == nil {
                problems.append("c\(index): \"Response Data\" of an unexpected shape")
                continue
            }
            out.append(Entry(index: index, data: data))
        }
        return out
    }

    static func controller(index: Int, data: JSONValue, tool: String, problems: inout [String]) -> RAIDToolController {
        let basics = data["Basics"]
        let model = RAIDText.trim(text(basics?["Model"]) ?? text(data["Product Name"]) ?? "")
        let vendor = model.uppercased().contains("PERC") || tool.lowercased().hasPrefix("perc") ? "dell" : "broadcom"
        var c = RAIDToolController(
            id: "c\(index)", vendor: vendor, model: model,
            serial: RAIDText.trim(text(basics?["Serial Number"]) ?? text(data["Serial Number"]) ?? ""),
            firmware: RAIDText.trim(
                text(data["Version"]?["Firmware Version"]) ?? text(data["Version"]?["Firmware Package Build"])
                    ?? text(data["FW Version"]) ?? ""))
        let statusWord = RAIDText.trim(text(data["Status"]?["Controller Status"]) ?? "")
        c.statusWord = statusWord
        c.status = statusWord.isEmpty ? "unknown" : controllerStatus(statusWord)

        // CacheVault or BBU: the first module's state; none with the hardware saying "Absent".
        let modules = (data["Cachevault_Info"]?.array ?? []) + (data["BBU_Info"]?.array ?? [])
        if let word = modules.lazy.compactMap({ text($0["State"]) }).first {
            c.batteryWord = RAIDText.trim(word)
            c.battery = batteryState(word)
        } else if let hw = text(data["HwCfg"]?["BBU"]), hw.lowercased() == "absent" {
            c.batteryWord = "Absent"
            c.battery = "absent"
        }

        for (n, row) in (data["VD LIST"]?.array ?? []).enumerated() {
            guard let dgvd = text(row["DG/VD"]) else {
                problems.append("c\(index): VD LIST row \(n) without DG/VD")
                continue
            }
            let word = RAIDText.trim(text(row["State"]) ?? "")
            c.logicalDrives.append(
                RAIDToolLogicalDrive(
                    id: dgvd, raidLevel: RAIDText.trim(text(row["TYPE"]) ?? ""), state: logicalDriveState(word), stateWord: word,
                    sizeBytes: text(row["Size"]).flatMap { RAIDText.bytes($0, binary: true) },
                    name: RAIDText.trim(text(row["Name"]) ?? "")))
        }
        for (n, row) in (data["PD LIST"]?.array ?? []).enumerated() {
            guard let slot = text(row["EID:Slt"]).map(RAIDText.trim) else {
                problems.append("c\(index): PD LIST row \(n) without EID:Slt")
                continue
            }
            let word = RAIDText.trim(text(row["State"]) ?? "")
            let group = text(row["DG"]).map(RAIDText.trim)
            c.physicalDrives.append(
                RAIDToolPhysicalDrive(
                    slot: slot, state: physicalDriveState(word), stateWord: word,
                    model: RAIDText.trim(text(row["Model"]) ?? ""),
                    sizeBytes: text(row["Size"]).flatMap { RAIDText.bytes($0, binary: true) },
                    medium: text(row["Med"]).map(RAIDText.trim),
                    group: group.flatMap { g in g.allSatisfy(\.isNumber) && !g.isEmpty ? g : nil }))
        }
        // A degraded virtual drive with a member rebuilding is rebuilding.
        for li in c.logicalDrives.indices where c.logicalDrives[li].state == "degraded" {
            let group = c.logicalDrives[li].id.split(separator: "/").first.map(String.init)
            if c.physicalDrives.contains(where: { $0.group == group && $0.state == "rebuilding" }) {
                c.logicalDrives[li].state = "rebuilding"
            }
        }
        return c
    }

    /// "/c0/e252/s3" -> "252:3"; "/c0/s3" -> ":3" is not used by storcli: nil.
    static func slot(fromDriveID id: String) -> String? {
        let parts = id.split(separator: "/")
        guard parts.count == 3, parts[1].hasPrefix("e"), parts[2].hasPrefix("s") else { return nil }
        return "\(parts[1].dropFirst()):\(parts[2].dropFirst())"
    }

    /// A string or a number's text.
    static func text(_ v: JSONValue?) -> String? {
        switch v {
        case .string(let s): return s
        case .number(let n): return n
        default: return nil
        }
    }

    /// What the bytes look like when they are not JSON, for the error message.
    static func foreignHint(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        if text.contains("Adapter #") || text.contains("Virtual Drive:") || text.contains("Exit Code: 0x")
            || text.contains("Enclosure Device ID:")
        {
            return "this looks like MegaCli text; run storcli/perccli with `J`"
        }
        if text.contains("CLI Version =") || text.contains("Controller =") {
            return "this looks like storcli text without `J`"
        }
        if text.contains("Controllers found:") { return "this looks like arcconf output" }
        if text.contains("Smart Array") || text.contains("physicaldrive") { return "this looks like ssacli output" }
        let first = RAIDText.lines(bytes).first(where: { !RAIDText.trim($0).isEmpty }).map { RAIDText.trim($0.prefix(80)) } ?? ""
        return first.isEmpty ? "the output is empty" : "first line: \"\(first)\""
    }
}
