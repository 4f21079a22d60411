// Typed accessors of TableReader. Each type comes in three forms: optional
// (nil if absent), required (absent is an error naming the table's line), and
// with a default. Type and range errors name the value's own line.

extension TableReader {
    // MARK: Strings

    public mutating func optionalString(_ key: String) throws(ConfigError) -> String? {
        guard let node = node(key) else { return nil }
        guard case .string(let s) = node.value else { throw wrongType(key, node, expected: "a string") }
        return s
    }

    public mutating func string(_ key: String) throws(ConfigError) -> String {
        guard let s = try optionalString(key) else { throw missing(key) }
        return s
    }

    public mutating func string(_ key: String, default value: String) throws(ConfigError) -> String {
        try optionalString(key) ?? value
    }

    // MARK: Integers

    /// Any fixed-width integer type; the range defaults to the type's own, so
    /// `70000` read as `UInt16` is an out-of-range error, not a truncation.
    public mutating func optionalInteger<T: FixedWidthInteger>(_ key: String, in range: ClosedRange<T> = T.min...T.max) throws(ConfigError) -> T? {
        guard let node = node(key) else { return nil }
        guard case .integer(let raw) = node.value else { throw wrongType(key, node, expected: "an integer") }
        guard let value = T(exactly: raw), range.contains(value) else {
            throw error(line: node.line, "\(Self.quote(key)) must be in \(range.lowerBound)...\(range.upperBound), got \(raw)")
        }
        return value
    }

    public mutating func integer<T: FixedWidthInteger>(_ key: String, in range: ClosedRange<T> = T.min...T.max) throws(ConfigError) -> T {
        guard let value = try optionalInteger(key, in: range) else { throw missing(key) }
        return value
    }

    public mutating func integer<T: FixedWidthInteger>(_ key: String, default value: T, in range: ClosedRange<T> = T.min...T.max) throws(ConfigError) -> T {
        try optionalInteger(key, in: range) ?? value
    }

    // MARK: Floats

    /// Integers are accepted where a float is wanted (`timeout = 3` means 3.0);
    /// nan is refused because no setting means "not a number".
    public mutating func optionalFloat(_ key: String, in range: ClosedRange<Double>? = nil) throws(ConfigError) -> Double? {
        guard let node = node(key) else { return nil }
        let value: Double
        switch node.value {
        case .float(let d): value = d
        case .integer(let i): value = Double(i)
        default: throw wrongType(key, node, expected: "a number")
        }
        guard !value.isNaN else { throw error(line: node.line, "\(Self.quote(key)) must be a number, got nan") }
        if let range, !range.contains(value) {
            throw error(line: node.line, "\(Self.quote(key)) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    public mutating func float(_ key: String, in range: ClosedRange<Double>? = nil) throws(ConfigError) -> Double {
        guard let value = try optionalFloat(key, in: range) else { throw missing(key) }
        return value
    }

    public mutating func float(_ key: String, default value: Double, in range: ClosedRange<Double>? = nil) throws(ConfigError) -> Double {
        try optionalFloat(key, in: range) ?? value
    }

    // MARK: Booleans

    public mutating func optionalBool(_ key: String) throws(ConfigError) -> Bool? {
        guard let node = node(key) else { return nil }
        guard case .boolean(let b) = node.value else { throw wrongType(key, node, expected: "a boolean") }
        return b
    }

    public mutating func bool(_ key: String) throws(ConfigError) -> Bool {
        guard let value = try optionalBool(key) else { throw missing(key) }
        return value
    }

    public mutating func bool(_ key: String, default value: Bool) throws(ConfigError) -> Bool {
        try optionalBool(key) ?? value
    }

    // MARK: Arrays of strings

    public mutating func optionalStringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard let node = node(key) else { return nil }
        guard case .array(let items) = node.value else { throw wrongType(key, node, expected: "an array of strings") }
        var strings: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item.value else {
                throw error(line: item.line, "\(Self.quote(key)) must be an array of strings, got \(item.value.typeName) at index \(i)")
            }
            strings.append(s)
        }
        return strings
    }

    public mutating func stringArray(_ key: String) throws(ConfigError) -> [String] {
        guard let value = try optionalStringArray(key) else { throw missing(key) }
        return value
    }

    public mutating func stringArray(_ key: String, default value: [String]) throws(ConfigError) -> [String] {
        try optionalStringArray(key) ?? value
    }

    // MARK: Enumerations

    public mutating func optionalEnumeration(_ key: String, _ allowed: [String]) throws(ConfigError) -> String? {
        guard let node = node(key) else { return nil }
        guard case .string(let s) = node.value else {
            throw wrongType(key, node, expected: "one of \(Self.list(allowed))")
        }
        guard allowed.contains(s) else {
            throw error(line: node.line, "\(Self.quote(key)) must be one of \(Self.list(allowed)), got \(TOMLParser.quoted(s))")
        }
        return s
    }

    public mutating func enumeration(_ key: String, _ allowed: [String]) throws(ConfigError) -> String {
        guard let value = try optionalEnumeration(key, allowed) else { throw missing(key) }
        return value
    }

    public mutating func enumeration(_ key: String, _ allowed: [String], default value: String) throws(ConfigError) -> String {
        try optionalEnumeration(key, allowed) ?? value
    }

    /// For a `String`-backed enum: `let role: Role = try r.enumeration("role", default: .client)`.
    public mutating func optionalEnumeration<E: RawRepresentable & CaseIterable>(_ key: String, as type: E.Type = E.self) throws(ConfigError) -> E? where E.RawValue == String {
        let allowed = E.allCases.map(\.rawValue)
        guard let raw = try optionalEnumeration(key, allowed) else { return nil }
        return E(rawValue: raw)
    }

    public mutating func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, as type: E.Type = E.self) throws(ConfigError) -> E where E.RawValue == String {
        guard let value = try optionalEnumeration(key, as: E.self) else { throw missing(key) }
        return value
    }

    public mutating func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, default value: E) throws(ConfigError) -> E where E.RawValue == String {
        try optionalEnumeration(key, as: E.self) ?? value
    }

    static func list(_ allowed: [String]) -> String {
        allowed.map(TOMLParser.quoted).joined(separator: ", ")
    }
}
