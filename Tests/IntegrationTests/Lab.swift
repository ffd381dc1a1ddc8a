import Foundation
import LabSupport

/// The real test lab made by `scripts/lab/up.sh`: libvirtd with TCG guests and an LXC
/// container. Its facts come from `.lab/state.env`; tests that need it are enabled only when
/// that file exists (scripts/test.sh always makes it).
enum Lab {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let state: [String: String] = {
        guard let text = try? String(contentsOf: root.appendingPathComponent(".lab/state.env"), encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq])
            var value = String(line[line.index(after: eq)...])
            // Values are single-quoted shell words; '\'' stands for a quote inside.
            if value.hasPrefix("'") && value.hasSuffix("'") && value.count >= 2 {
                value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "'\\''", with: "'")
            }
            out[key] = value
        }
        return out
    }()

    static var isUp: Bool { state["LAB_URI"] != nil }
    static var uri: String { state["LAB_URI"] ?? "qemu:///system" }

    static func guest(_ key: String) -> String { state["LAB_GUEST_\(key)"] ?? "" }

    /// Runs a command, returns (exit status, stdout+stderr).
    @discardableResult
    static func run(_ args: [String], input: Data? = nil) throws -> (Int32, String) {
        // Without input: posix_spawn and waitpid (a script that starts daemons, such as
        // libvirtd-up.sh, could leave Foundation's Process waiting for its exit forever).
        guard let input else { return try Spawn.run(["/usr/bin/env"] + args, timeout: 300) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        let inPipe = Pipe()
        p.standardInput = inPipe
        try p.run()
        inPipe.fileHandleForWriting.write(input)
        try inPipe.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `virsh domstats --raw` for one domain as key -> value.
    static func domstats(_ domain: String) throws -> [String: String] {
        let (rc, out) = try run(["virsh", "-c", uri, "domstats", "--raw", domain])
        guard rc == 0 else { throw LabError("virsh domstats \(domain): \(out)") }
        var d: [String: String] = [:]
        for line in out.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard let eq = t.firstIndex(of: "=") else { continue }
            d[String(t[..<eq])] = String(t[t.index(after: eq)...])
        }
        return d
    }

    static func pidOf(_ pidfile: String) -> Int32? {
        guard let s = try? String(contentsOfFile: pidfile, encoding: .utf8) else { return nil }
        return Int32(s.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

struct LabError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
