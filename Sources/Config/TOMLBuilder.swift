// The mutable tree the parser fills in before freezing it into TOMLTable.
// TOML's rules about which table may be reopened depend on how a table came
// to exist, so each builder remembers its origin; reference semantics let a
// `[a.b]` header walk to a table and keep extending it without copies.

final class TableBuilder {
    /// How a table came into existence, which decides what may extend it.
    enum Origin {
        case root
        /// Created as a parent of a deeper `[a.b.c]`; a later `[a.b]` may define it once.
        case implicit
        /// Defined by `[header]` or as an element of `[[header]]`.
        case header
        /// Created by a dotted key such as `a.b = 1`; no `[header]` may reopen it.
        case dotted
        /// Created as the body of `{ ... }`; it is frozen once the brace closes.
        case inline
    }

    enum Slot {
        case value(TOMLNode)
        case table(TableBuilder)
        case tableArray(TableArrayBuilder)
    }

    var origin: Origin
    var line: Int
    private(set) var keys: [String] = []
    private(set) var keyLines: [Int] = []
    private(set) var slots: [Slot] = []
    private var index: [String: Int] = [:]

    init(origin: Origin, line: Int) {
        self.origin = origin
        self.line = line
    }

    func lookup(_ key: String) -> (slot: Slot, line: Int)? {
        guard let i = index[key] else { return nil }
        return (slots[i], keyLines[i])
    }

    /// The caller has checked that `key` is absent.
    func insert(_ key: String, line: Int, _ slot: Slot) {
        index[key] = slots.count
        keys.append(key)
        keyLines.append(line)
        slots.append(slot)
    }

    /// Depth is bounded by the parser's nesting cap, so this recursion is too.
    func freeze() -> TOMLTable {
        var entries: [TOMLTable.Entry] = []
        entries.reserveCapacity(slots.count)
        for i in slots.indices {
            let node: TOMLNode
            switch slots[i] {
            case .value(let n):
                node = n
            case .table(let t):
                node = TOMLNode(.table(t.freeze()), line: t.line)
            case .tableArray(let a):
                let elements = a.tables.map { TOMLNode(.table($0.freeze()), line: $0.line) }
                node = TOMLNode(.array(elements), line: a.line)
            }
            entries.append(TOMLTable.Entry(key: keys[i], line: keyLines[i], node: node))
        }
        return TOMLTable(entries: entries, line: line)
    }
}

/// The growing array behind `[[name]]` headers; later headers append to it.
final class TableArrayBuilder {
    let line: Int
    private(set) var tables: [TableBuilder] = []

    init(line: Int) { self.line = line }

    func append(_ table: TableBuilder) { tables.append(table) }

    /// Never empty: the builder is created together with its first element.
    var last: TableBuilder? { tables.last }
}
