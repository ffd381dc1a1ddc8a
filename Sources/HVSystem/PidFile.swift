/// A daemon's pidfile (`/run/libvirt/qemu/<name>.pid`): a decimal PID and an optional newline.
public enum PidFile {
    public static func parse(_ bytes: [UInt8]) throws -> Int {
        guard let v = parseUInt(bytes[...]), v > 0, v <= UInt64(Int32.max) else {
            throw SystemError.malformed("not a PID")
        }
        return Int(v)
    }
}
