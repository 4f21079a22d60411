// The JSON value behind the versioned JSON the CLI speaks: daemons build
// status replies with it and pppctl prints it. Objects keep their keys in
// insertion order (JSONObject) so that output is stable from run to run.
// Encoding is in JSON+Encode.swift, strict RFC 8259 parsing in JSON+Parse.swift.

public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// Numbers written without fraction or exponent that fit in 64 bits.
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object(JSONObject)

    public var isNull: Bool { self == .null }
    public var bool: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var int: Int64? { if case .int(let v) = self { v } else { nil } }
    /// Any number, since a sender may write `3` where a fraction was allowed.
    public var double: Double? {
        switch self {
        case .double(let v): v
        case .int(let v): Double(v)
        default: nil
        }
    }
    public var string: String? { if case .string(let v) = self { v } else { nil } }
    public var array: [JSON]? { if case .array(let v) = self { v } else { nil } }
    public var object: JSONObject? { if case .object(let v) = self { v } else { nil } }

    /// The member `key` of an object; nil for a missing key or a non-object.
    public subscript(key: String) -> JSON? { object?[key] }

    /// The element at `index` of an array; nil if out of bounds or not an array.
    public subscript(index: Int) -> JSON? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}

extension JSON: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension JSON: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSON: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension JSON: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSON: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSON: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
}

extension JSON: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(JSONObject(elements))
    }
}

extension JSON: CustomStringConvertible {
    public var description: String { encoded() }
}
