import Foundation
import HVLibvirt

/// Job statistics captured from libvirt 9.0 in the lab (Fixtures/jobs/*.txt): `virsh
/// domjobinfo --rawstats` output or the parameters of a `virsh event` job-completed line,
/// each file saying on its first line how it was made. Read back into the typed
/// parameters libvirt returned: "operation" is an int, "success" a boolean, "errmsg" a
/// string, every other field an unsigned long long (as in libvirt's qemu driver).
enum JobFixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/jobs")

    static func load(_ name: String) throws -> (type: Int, params: TypedParameters) {
        let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        return parse(text)
    }

    static func parse(_ text: String) -> (type: Int, params: TypedParameters) {
        var type = 0
        var items: [(key: String, value: TypedValue)] = []
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if key == "Job type" { type = Int(value) ?? 0; continue }
            switch key {
            case "operation": items.append((key, .int(Int64(value) ?? 0)))
            case "success": items.append((key, .bool(value == "1" || value == "yes" || value == "true")))
            case "errmsg": items.append((key, .string(value)))
            default: if let v = UInt64(value) { items.append((key, .uint(v))) }
            }
        }
        return (type, TypedParameters(items))
    }
}
