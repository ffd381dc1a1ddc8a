extension SmartctlReport {
    /// Reads `smartctl --json` output. Throws only when the bytes are not JSON or not a smartctl
    /// report (no `smartctl` object); a field of the wrong kind is left nil and named in
    /// `problems`, the rest kept.
    public static func parse(_ bytes: [UInt8]) throws(SmartctlParseError) -> SmartctlReport {
        let doc: JSONValue
        do throws(JSONError) {
            doc = try JSONValue.parse(bytes)
        } catch {
            throw SmartctlParseError("smartctl output is not JSON: \(error)")
        }
        guard let tool = doc["smartctl"], tool.object != nil else {
            throw SmartctlParseError("not smartctl JSON output (no \"smartctl\" object)")
        }
        var r = SmartctlReport()
        var fields = FieldReader(problems: [])

        r.exitStatusValue = fields.int(tool["exit_status"], "smartctl.exit_status")
        for (i, m) in (tool["messages"]?.array ?? []).enumerated() {
            guard let text = m["string"]?.string else {
                fields.problems.append("smartctl.messages[\(i)]: no string")
                continue
            }
            r.messages.append(Message(text: text, severity: m["severity"]?.string))
        }
        if let v = tool["version"]?.array {
            r.smartctlVersion = v.compactMap(\.int).map(String.init).joined(separator: ".")
        }

        r.deviceName = doc.path("device", "name")?.string
        r.deviceType = doc.path("device", "type")?.string
        r.deviceProtocol = doc.path("device", "protocol")?.string
        r.model = nonEmpty(doc["model_name"]?.string) ?? nonEmpty(doc["scsi_model_name"]?.string) ?? vendorProduct(doc)
        r.serial = nonEmpty(doc["serial_number"]?.string)
        r.firmware =
            nonEmpty(doc["firmware_version"]?.string) ?? nonEmpty(doc["revision"]?.string)
            ?? nonEmpty(doc["scsi_revision"]?.string)
        r.wwn = wwn(doc, &fields)

        if let support = doc["smart_support"] {
            if let b = support.bool {
                r.smartAvailable = b
            } else {
                r.smartAvailable = support["available"]?.bool
                r.smartEnabled = support["enabled"]?.bool
            }
        }
        if let status = doc["smart_status"] {
            r.passed = status["passed"]?.bool
            if r.passed == nil { fields.problems.append("smart_status: no passed") }
        }
        if let hours = fields.double(doc.path("power_on_time", "hours"), "power_on_time.hours") {
            r.powerOnHours = hours + (fields.double(doc.path("power_on_time", "minutes"), "power_on_time.minutes") ?? 0) / 60
        }
        r.temperatureCelsius = fields.double(doc.path("temperature", "current"), "temperature.current")
        r.powerCycles = fields.uint64(doc["power_cycle_count"], "power_cycle_count")

        for (i, row) in (doc.path("ata_smart_attributes", "table")?.array ?? []).enumerated() {
            guard let id = row["id"]?.int, (1...255).contains(id) else {
                fields.problems.append("ata_smart_attributes.table[\(i)]: no id in 1...255")
                continue
            }
            let at = "attribute \(id)"
            if r.attributes.contains(where: { $0.id == id }) {
                fields.problems.append("\(at): printed twice, first kept")
                continue
            }
            r.attributes.append(
                Attribute(
                    id: id, name: row["name"]?.string ?? "Unknown_Attribute",
                    value: fields.int(row["value"], "\(at) value"), worst: fields.int(row["worst"], "\(at) worst"),
                    threshold: fields.int(row["thresh"], "\(at) thresh"),
                    raw: fields.uint64(row.path("raw", "value"), "\(at) raw.value"),
                    rawString: row.path("raw", "string")?.string, whenFailed: row["when_failed"]?.string ?? "",
                    prefailure: row.path("flags", "prefailure")?.bool ?? false))
        }
        for page in doc.path("ata_device_statistics", "pages")?.array ?? [] {
            for stat in page["table"]?.array ?? [] where stat["name"]?.string == "Percentage Used Endurance Indicator" {
                if stat.path("flags", "valid")?.bool != false {
                    r.deviceStatisticsPercentageUsed = fields.int(stat["value"], "device statistics percentage used")
                }
            }
        }

        if let log = doc["nvme_smart_health_information_log"], log.object != nil {
            var n = NVMeHealth()
            let p = "nvme_smart_health_information_log."
            n.criticalWarning = fields.int(log["critical_warning"], p + "critical_warning")
            n.percentageUsed = fields.int(log["percentage_used"], p + "percentage_used")
            n.availableSpare = fields.int(log["available_spare"], p + "available_spare")
            n.availableSpareThreshold = fields.int(log["available_spare_threshold"], p + "available_spare_threshold")
            n.mediaErrors = fields.uint64(log["media_errors"], p + "media_errors")
            n.errorLogEntries = fields.uint64(log["num_err_log_entries"], p + "num_err_log_entries")
            n.unsafeShutdowns = fields.uint64(log["unsafe_shutdowns"], p + "unsafe_shutdowns")
            n.dataUnitsRead = fields.uint64(log["data_units_read"], p + "data_units_read")
            n.dataUnitsWritten = fields.uint64(log["data_units_written"], p + "data_units_written")
            r.nvme = n
        }

        let defects = fields.uint64(doc["scsi_grown_defect_list"], "scsi_grown_defect_list")
        let errors = doc["scsi_error_counter_log"]
        if defects != nil || errors != nil {
            var s = SCSICounters()
            s.grownDefects = defects
            let key = "total_uncorrected_errors"
            s.readUncorrected = fields.uint64(errors?.path("read", key), "scsi_error_counter_log.read")
            s.writeUncorrected = fields.uint64(errors?.path("write", key), "scsi_error_counter_log.write")
            s.verifyUncorrected = fields.uint64(errors?.path("verify", key), "scsi_error_counter_log.verify")
            r.scsi = s
        }
        r.problems = fields.problems
        return r
    }

    private static func nonEmpty(_ s: String?) -> String? {
        guard let s else { return nil }
        let t = s.trimmingSpaces
        return t.isEmpty ? nil : t
    }

    /// SCSI disks before smartctl 7.3: `vendor` and `product`.
    private static func vendorProduct(_ doc: JSONValue) -> String? {
        let parts = [doc["vendor"]?.string, doc["product"]?.string].compactMap { nonEmpty($0) }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// ATA `wwn` {naa, oui, id} as udev prints ID_WWN (16 hex digits); SCSI `logical_unit_id`
    /// ("0x5000c500..."); NVMe: the first namespace's EUI-64 as "eui.<16 hex digits>" (udev's
    /// ID_WWN for NVMe is the namespace `wwid`, "eui.…").
    private static func wwn(_ doc: JSONValue, _ fields: inout FieldReader) -> String? {
        if let w = doc["wwn"] {
            guard let naa = w["naa"]?.uint64, let oui = w["oui"]?.uint64, let id = w["id"]?.uint64, naa < 16,
                oui < (1 << 24), id < (1 << 36)
            else {
                fields.problems.append("wwn: naa, oui or id missing or out of range")
                return nil
            }
            return hex16((naa << 60) | (oui << 36) | id)
        }
        if let lu = doc["logical_unit_id"]?.string {
            var t = lu.lowercased()
            if t.hasPrefix("0x") { t.removeFirst(2) }
            return t.isEmpty ? nil : t
        }
        if let eui = doc["nvme_namespaces"]?[0]?["eui64"], let oui = eui["oui"]?.uint64, let ext = eui["ext_id"]?.uint64,
            oui < (1 << 24), ext < (1 << 40)
        {
            return "eui." + hex16((oui << 40) | ext)
        }
        return nil
    }

    private static func hex16(_ v: UInt64) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<16).reversed().map { digits[Int((v >> (UInt64($0) * 4)) & 0xF)] })
    }
}

/// Typed field access that records a present value of the wrong kind.
private struct FieldReader {
    var problems: [String]

    mutating func int(_ v: JSONValue?, _ what: String) -> Int? {
        guard let v, !v.isNull else { return nil }
        if let i = v.int { return i }
        problems.append("\(what): not an integer")
        return nil
    }
    mutating func uint64(_ v: JSONValue?, _ what: String) -> UInt64? {
        guard let v, !v.isNull else { return nil }
        if let i = v.uint64 { return i }
        problems.append("\(what): not a non-negative integer")
        return nil
    }
    mutating func double(_ v: JSONValue?, _ what: String) -> Double? {
        guard let v, !v.isNull else { return nil }
        if let d = v.double, d.isFinite { return d }
        problems.append("\(what): not a number")
        return nil
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
