// Reads one TOML table the way config code wants to: each key asked for by
// name and type, with defaults and ranges, and every key nobody asked for
// reported by `finish()` as "unknown key", because a misspelt option silently
// ignored is how a router ends up running without authentication.

public struct TableReader: Sendable {
    public let table: TOMLTable
    public let file: String
    /// Dotted name of the table for messages, e.g. `port.eth0`; "" for the document.
    public let path: String
    private var consumed: Set<String> = []

    public init(_ table: TOMLTable, file: String, path: String = "") {
        self.table = table
        self.file = file
        self.path = path
    }

    /// Line of the table's header (or 1 for the document).
    public var line: Int { table.line }
    public var keys: [String] { table.keys }
    public func contains(_ key: String) -> Bool { table[key] != nil }

    /// The raw node for `key`, marking the key as read.
    public mutating func node(_ key: String) -> TOMLNode? {
        consumed.insert(key)
        return table[key]
    }

    // MARK: Errors

    /// "[port.eth0]", or "the top level" for the document.
    var place: String { path.isEmpty ? "the top level" : "[\(path)]" }

    func error(line: Int, _ reason: String) -> ConfigError {
        ConfigError(file: file, line: line, reason: reason)
    }

    func missing(_ key: String) -> ConfigError {
        error(line: line, "missing required key \(Self.quote(key)) in \(place)")
    }

    func wrongType(_ key: String, _ node: TOMLNode, expected: String) -> ConfigError {
        error(line: node.line, "\(Self.quote(key)) must be \(expected), got \(node.value.typeName)")
    }

    static func quote(_ key: String) -> String { TOMLParser.named([key]) }

    func childPath(_ key: String) -> String {
        let shown = TOMLParser.display(key)
        return path.isEmpty ? shown : "\(path).\(shown)"
    }

    // MARK: Unknown keys

    /// One error per key that no accessor asked for, in document order.
    public func unknownKeys() -> [ConfigError] {
        table.entries.filter { !consumed.contains($0.key) }.map {
            error(line: $0.line, "unknown key \(Self.quote($0.key)) in \(place)")
        }
    }

    /// Throws the first unknown key. Nested readers are values of their own:
    /// each one handed out by `table`, `tableArray` or `subtables` needs its
    /// own `finish()`.
    public func finish() throws(ConfigError) {
        if let first = unknownKeys().first { throw first }
    }

    // MARK: Tables

    /// The nested table `key`, or nil if absent.
    public mutating func table(_ key: String) throws(ConfigError) -> TableReader? {
        guard let node = node(key) else { return nil }
        guard case .table(let t) = node.value else {
            throw wrongType(key, node, expected: "a table")
        }
        return TableReader(t, file: file, path: childPath(key))
    }

    /// `[[key]]` (or an array of inline tables); empty if absent.
    public mutating func tableArray(_ key: String) throws(ConfigError) -> [TableReader] {
        guard let node = node(key) else { return [] }
        guard case .array(let items) = node.value else {
            throw wrongType(key, node, expected: "an array of tables")
        }
        var readers: [TableReader] = []
        for (i, item) in items.enumerated() {
            guard case .table(let t) = item.value else {
                throw error(line: item.line, "\(Self.quote(key)) must be an array of tables, got \(item.value.typeName) at index \(i)")
            }
            readers.append(TableReader(t, file: file, path: "\(childPath(key))[\(i)]"))
        }
        return readers
    }

    /// Every key of this table, each naming a table of its own: the
    /// `[users.alice]`, `[users.bob]` shape, read from the `users` reader.
    public mutating func subtables() throws(ConfigError) -> [(name: String, reader: TableReader)] {
        var result: [(name: String, reader: TableReader)] = []
        for key in keys {
            guard let reader = try table(key) else { continue }
            result.append((key, reader))
        }
        return result
    }

    /// `subtables()` of the table `key`; empty if absent.
    public mutating func namedTables(_ key: String) throws(ConfigError) -> [(name: String, reader: TableReader)] {
        guard var parent = try table(key) else { return [] }
        return try parent.subtables()
    }
}
