/// String from a NUL-terminated C buffer held in an array.
func stringFromCBuffer(_ buf: [CChar]) -> String {
    buf.withUnsafeBufferPointer { p in
        String(decoding: UnsafeRawBufferPointer(p).prefix { $0 != 0 }, as: UTF8.self)
    }
}
