import CLibvirt

/// A `virTypedParameter` array copied into Swift values, so nothing points into memory libvirt
/// frees after the call or callback.
struct TypedParameters: Sendable {
    enum Value: Sendable, Hashable {
        case signed(Int64)
        case unsigned(UInt64)
        case double(Double)
        case boolean(Bool)
        case string(String)
    }

    private(set) var values: [String: Value] = [:]

    init(_ parameters: UnsafePointer<virTypedParameter>?, count: Int32) {
        guard let parameters, count > 0 else { return }
        for index in 0..<Int(count) {
            let parameter = parameters[index]
            let field = withUnsafeBytes(of: parameter.field) { bytes in
                String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            let value: Value?
            switch UInt32(bitPattern: parameter.type) {
            case VIR_TYPED_PARAM_INT.rawValue: value = .signed(Int64(parameter.value.i))
            case VIR_TYPED_PARAM_UINT.rawValue: value = .unsigned(UInt64(parameter.value.ui))
            case VIR_TYPED_PARAM_LLONG.rawValue: value = .signed(parameter.value.l)
            case VIR_TYPED_PARAM_ULLONG.rawValue: value = .unsigned(parameter.value.ul)
            case VIR_TYPED_PARAM_DOUBLE.rawValue: value = .double(parameter.value.d)
            case VIR_TYPED_PARAM_BOOLEAN.rawValue: value = .boolean(parameter.value.b != 0)
            case VIR_TYPED_PARAM_STRING.rawValue: value = parameter.value.s.map { .string(String(cString: $0)) }
            default: value = nil
            }
            if let value { values[field] = value }
        }
    }

    /// A numeric field as an unsigned number (libvirt mixes int, uint and ullong for counts).
    func unsigned(_ field: String) -> UInt64? {
        switch values[field] {
        case .unsigned(let value): value
        case .signed(let value) where value >= 0: UInt64(value)
        case .double(let value) where value >= 0: UInt64(value)
        default: nil
        }
    }

    func string(_ field: String) -> String? {
        if case .string(let value) = values[field] { return value }
        return nil
    }
}
