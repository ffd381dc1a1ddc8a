/// A process command line from `/proc/<pid>/cmdline` (arguments separated by NUL).
public struct Cmdline: Sendable, Equatable {
    public var arguments: [String]

    public init(arguments: [String]) { self.arguments = arguments }

    /// Splits on NUL; a trailing NUL does not make an empty last argument. Empty input
    /// (kernel threads, zombies) gives no arguments. Processes that rewrote their argv with
    /// spaces instead of NULs (`[lxc monitor] /var/lib/lxc c1`) come back as one argument.
    public static func parse(_ bytes: [UInt8]) -> Cmdline {
        var args: [String] = []
        var start = 0
        for i in 0..<bytes.count where bytes[i] == 0 {
            args.append(bytes[start..<i].string)
            start = i + 1
        }
        if start < bytes.count { args.append(bytes[start...].string) }
        return Cmdline(arguments: args)
    }

    /// The value following `option` ("-uuid X"), or given as "option=X".
    public func value(of option: String) -> String? {
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == option {
                return i + 1 < arguments.count ? arguments[i + 1] : nil
            }
            if a.hasPrefix(option + "=") { return String(a.dropFirst(option.count + 1)) }
            i += 1
        }
        return nil
    }

    /// QEMU's `-uuid`, lower-cased, when it has the 8-4-4-4-12 hex shape.
    public var qemuUUID: String? {
        guard let v = value(of: "-uuid") ?? value(of: "--uuid") else { return nil }
        let lower = v.lowercased()
        return Cmdline.isUUID(lower) ? lower : nil
    }

    /// The guest name from QEMU's `-name guest=NAME,debug-threads=on` (libvirt) or `-name NAME`.
    /// QEMU option syntax doubles commas inside values (",," is a literal ","), which is undone here.
    public var qemuName: String? {
        guard let v = value(of: "-name") ?? value(of: "--name") else { return nil }
        // Split the option string on single commas, honouring ",," escapes.
        var parts: [String] = []
        var cur: [UInt8] = []
        let b = Array(v.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: ",") {
                if i + 1 < b.count, b[i + 1] == UInt8(ascii: ",") { cur.append(b[i]); i += 2; continue }
                parts.append(String(decoding: cur, as: UTF8.self))
                cur = []
            } else {
                cur.append(b[i])
            }
            i += 1
        }
        parts.append(String(decoding: cur, as: UTF8.self))
        for p in parts where p.hasPrefix("guest=") { return String(p.dropFirst(6)) }
        // Legacy form: first part without key=value is the name.
        if let first = parts.first, !first.contains("=") { return first }
        return nil
    }

    /// First UUID-shaped substring of any argument, lower-cased (swtpm's
    /// `--tpmstate dir=/var/lib/libvirt/swtpm/<uuid>/tpm2`).
    public func firstUUID(after marker: String) -> String? {
        for a in arguments {
            guard let r = a.firstRange(of: marker) else { continue }
            let tail = a[r.upperBound...]
            let candidate = String(tail.prefix(36)).lowercased()
            if Cmdline.isUUID(candidate) { return candidate }
        }
        return nil
    }

    /// 8-4-4-4-12 hexadecimal digits.
    public static func isUUID(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 36 else { return false }
        for (i, c) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != UInt8(ascii: "-") { return false }
            } else if !((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
                return false
            }
        }
        return true
    }
}
