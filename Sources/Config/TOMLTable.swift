// A TOML table as the parser leaves it: entries in document order (so errors
// and "unknown key" reports come out in the order a person reads the file),
// each with the line of its key, plus an index for lookup by key.

public struct TOMLTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let key: String
        /// Line of the key; for a table made by a `[header]`, the header's line.
        public let line: Int
        public let node: TOMLNode
    }

    public let entries: [Entry]
    /// Line of the `[header]`, `{`, or first dotted key that made the table;
    /// 1 for the document itself.
    public let line: Int
    private let index: [String: Int]

    /// Keys must be distinct; the parser guarantees it.
    init(entries: [Entry], line: Int) {
        var index: [String: Int] = [:]
        index.reserveCapacity(entries.count)
        for (i, entry) in entries.enumerated() {
            let previous = index.updateValue(i, forKey: entry.key)
            precondition(previous == nil, "duplicate key in TOMLTable")
        }
        self.entries = entries
        self.line = line
        self.index = index
    }

    public subscript(key: String) -> TOMLNode? { entry(key)?.node }

    public func entry(_ key: String) -> Entry? {
        guard let i = index[key] else { return nil }
        return entries[i]
    }

    public var keys: [String] { entries.map(\.key) }
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
}
