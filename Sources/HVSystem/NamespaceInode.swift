/// Namespace identity from the target of `/proc/<pid>/ns/<type>` ("pid:[4026531836]").
public enum NamespaceInode {
    /// The inode number between the brackets.
    public static func parse(_ bytes: [UInt8]) throws -> UInt64 {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "[")),
            let close = bytes.lastIndex(of: UInt8(ascii: "]")), close > open + 1,
            let v = parseUInt(bytes[(open + 1)..<close])
        else {
            throw SystemError.malformed("expected 'type:[inode]'")
        }
        return v
    }
}
