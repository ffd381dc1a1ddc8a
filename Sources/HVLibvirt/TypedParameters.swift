import CLibvirt

/// A value of a libvirt typed parameter (`virTypedParameter`).
public enum TypedValue: Sendable, Equatable {
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case bool(Bool)
    case string(String)

    public var uint64: UInt64? {
        switch self {
        case .int(let v): v >= 0 ? UInt64(v) : nil
        case .uint(let v): v
        case .double(let v): v >= 0 && v < 1.8e19 ? UInt64(v) : nil
        case .bool(let b): b ? 1 : 0
        case .string: nil
        }
    }

    public var int64: Int64? {
        switch self {
        case .int(let v): v
        case .uint(let v): v <= UInt64(Int64.max) ? Int64(v) : nil
        case .double(let v): v.magnitude < 9.2e18 ? Int64(v) : nil
        case .bool(let b): b ? 1 : 0
        case .string: nil
        }
    }

    public var double: Double? {
        switch self {
        case .int(let v): Double(v)
        case .uint(let v): Double(v)
        case .double(let v): v
        case .bool(let b): b ? 1 : 0
        case .string: nil
        }
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

/// An ordered list of typed parameters as libvirt returned them (keys like "vcpu.0.time").
public struct TypedParameters: Sendable, Equatable {
    public var items: [(key: String, value: TypedValue)]

    public init(_ items: [(key: String, value: TypedValue)] = []) { self.items = items }

    public subscript(key: String) -> TypedValue? {
        items.first { $0.key == key }?.value
    }

    public static func == (a: TypedParameters, b: TypedParameters) -> Bool {
        a.items.count == b.items.count && zip(a.items, b.items).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// Copies `count` parameters out of libvirt memory (the caller frees the C array).
    static func copy(_ params: UnsafeMutablePointer<virTypedParameter>?, count: Int32) -> TypedParameters {
        guard let params, count > 0 else { return TypedParameters() }
        var items: [(key: String, value: TypedValue)] = []
        items.reserveCapacity(Int(count))
        for i in 0..<Int(count) {
            var p = params[i]
            let key = withUnsafeBytes(of: &p.field) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            let value: TypedValue
            switch Int32(p.type) {
            case Int32(VIR_TYPED_PARAM_INT.rawValue): value = .int(Int64(p.value.i))
            case Int32(VIR_TYPED_PARAM_UINT.rawValue): value = .uint(UInt64(p.value.ui))
            case Int32(VIR_TYPED_PARAM_LLONG.rawValue): value = .int(p.value.l)
            case Int32(VIR_TYPED_PARAM_ULLONG.rawValue): value = .uint(p.value.ul)
            case Int32(VIR_TYPED_PARAM_DOUBLE.rawValue): value = .double(p.value.d)
            case Int32(VIR_TYPED_PARAM_BOOLEAN.rawValue): value = .bool(p.value.b != 0)
            case Int32(VIR_TYPED_PARAM_STRING.rawValue): value = .string(p.value.s.map { String(cString: $0) } ?? "")
            default: continue
            }
            items.append((key, value))
        }
        return TypedParameters(items)
    }
}
