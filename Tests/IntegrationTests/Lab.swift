import Foundation
import LabSupport

/// The real test lab made by `scripts/lab/up.sh`: libvirtd with TCG guests and an LXC
/// container. Its facts are `LabState.current` (LabSupport); tests that need it use
/// `.lab(...)`, which says what they need of it.
enum Lab {
    static let root = URL(fileURLWithPath: LabState.checkoutRoot)
    static var state: LabState { LabState.current }
    static var uri: String { state.uri }

    static func guest(_ key: String) -> String { state.guest(key) }

    /// Runs a command, returns (exit status, stdout+stderr). posix_spawn and waitpid: a
    /// script that starts daemons, such as libvirtd-up.sh, could leave Foundation's Process
    /// waiting for its exit forever.
    @discardableResult
    static func run(_ args: [String]) throws -> (Int32, String) {
        try Spawn.run(["/usr/bin/env"] + args, timeout: 300)
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
