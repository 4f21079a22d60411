// A parsed TOML value and the line it came from. Values stay close to TOML's
// own types so TableReader can name them in errors ("got string"); dates are
// refused by the parser, so they have no case here.

public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case array([TOMLNode])
    case table(TOMLTable)

    /// TOML's name for the type, as used in error messages.
    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .array: "array"
        case .table: "table"
        }
    }

    public var string: String? { if case .string(let v) = self { v } else { nil } }
    public var integer: Int64? { if case .integer(let v) = self { v } else { nil } }
    public var float: Double? { if case .float(let v) = self { v } else { nil } }
    public var boolean: Bool? { if case .boolean(let v) = self { v } else { nil } }
    public var array: [TOMLNode]? { if case .array(let v) = self { v } else { nil } }
    public var table: TOMLTable? { if case .table(let v) = self { v } else { nil } }
}

/// A value together with the line its first character sits on.
public struct TOMLNode: Sendable, Equatable {
    public let value: TOMLValue
    public let line: Int

    public init(_ value: TOMLValue, line: Int) {
        self.value = value
        self.line = line
    }
}
