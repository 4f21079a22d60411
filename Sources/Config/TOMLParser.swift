// The document level of the TOML parser: lines, comments, keys, `[table]` and
// `[[array]]` headers, and the rules for which tables may be reopened.
// Values live in TOMLParser+Values.swift and strings in TOMLParser+Strings.swift.
// Every read goes through `peek`, which is bounds-checked.

struct TOMLParser {
    let bytes: [UInt8]
    let file: String
    var pos = 0
    var line = 1

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    // MARK: Cursor

    func peek(_ offset: Int = 0) -> UInt8? {
        let i = pos &+ offset
        return i >= 0 && i < bytes.count ? bytes[i] : nil
    }

    func error(_ reason: String, line: Int? = nil) -> ConfigError {
        ConfigError(file: file, line: line ?? self.line, reason: reason)
    }

    /// What the parser found instead, for messages: a quoted character or "end of file".
    func found() -> String {
        guard let b = peek() else { return "end of file" }
        return TOMLParser.describe(b)
    }

    static func describe(_ b: UInt8) -> String {
        switch b {
        case 0x0A: return "end of line"
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(b)))'"
        default: return "byte 0x\(hex(b))"
        }
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [digits[Int(b >> 4)], digits[Int(b & 0xF)]], as: UTF8.self)
    }

    mutating func skipWhitespace() {
        while let b = peek(), b == 0x20 || b == 0x09 { pos += 1 }
    }

    /// Consumes LF or CRLF; a lone CR is not a newline in TOML.
    mutating func consumeNewline() throws(ConfigError) {
        if peek() == 0x0D {
            guard peek(1) == 0x0A else { throw error("carriage return not followed by line feed") }
            pos += 1
        }
        pos += 1
        line += 1
    }

    mutating func skipComment() throws(ConfigError) {
        pos += 1
        while let b = peek(), b != 0x0A {
            if b == 0x0D && peek(1) == 0x0A { return }
            if TOMLParser.isControl(b) {
                throw error("control character U+00\(TOMLParser.hex(b)) in comment")
            }
            pos += 1
        }
    }

    /// After a key/value pair or header only a comment may follow on the line.
    mutating func expectEndOfLine() throws(ConfigError) {
        skipWhitespace()
        if peek() == UInt8(ascii: "#") { try skipComment() }
        guard let b = peek() else { return }
        guard b == 0x0A || b == 0x0D else {
            throw error("expected end of line, found \(found())")
        }
        try consumeNewline()
    }

    /// TOML forbids control characters other than tab in strings and comments.
    static func isControl(_ b: UInt8) -> Bool {
        (b < 0x20 && b != 0x09) || b == 0x7F
    }

    // MARK: Document

    mutating func parseDocument() throws(ConfigError) -> TOMLTable {
        if let bad = TOMLParser.firstInvalidUTF8(bytes) {
            let lineOfBad = bytes[..<bad].reduce(1) { $1 == 0x0A ? $0 &+ 1 : $0 }
            throw error("invalid UTF-8", line: lineOfBad)
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
        let root = TableBuilder(origin: .root, line: 1)
        var current = root
        var depth = 0
        while true {
            skipWhitespace()
            guard let b = peek() else { break }
            switch b {
            case UInt8(ascii: "#"):
                try skipComment()
            case 0x0A, 0x0D:
                try consumeNewline()
            case UInt8(ascii: "["):
                (current, depth) = try parseHeader(root: root)
                try expectEndOfLine()
            default:
                try parseKeyValue(into: current, depth: depth)
                try expectEndOfLine()
            }
        }
        return root.freeze()
    }

    // MARK: Keys

    static func isBareKeyByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    /// `simple-key ( '.' simple-key )*`, with whitespace allowed around the dots.
    mutating func parseKey() throws(ConfigError) -> [String] {
        var parts: [String] = []
        while true {
            skipWhitespace()
            parts.append(try parseSimpleKey())
            guard parts.count <= TOML.maxDepth else {
                throw error("key has more than \(TOML.maxDepth) parts")
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ".") else { return parts }
            pos += 1
        }
    }

    mutating func parseSimpleKey() throws(ConfigError) -> String {
        switch peek() {
        case UInt8(ascii: "\""):
            return try parseBasicString()
        case UInt8(ascii: "'"):
            return try parseLiteralString()
        default:
            let start = pos
            while let b = peek(), TOMLParser.isBareKeyByte(b) { pos += 1 }
            guard pos > start else { throw error("expected a key, found \(found())") }
            return String(decoding: bytes[start..<pos], as: UTF8.self)
        }
    }

    /// A key for a message: 'a.b' when bare, "odd key" when it needs quotes.
    static func named(_ parts: [String]) -> String {
        let shown = display(parts)
        return shown.hasPrefix("\"") ? shown : "'\(shown)'"
    }

    static func display(_ parts: [String]) -> String {
        parts.map(display).joined(separator: ".")
    }

    /// A key as it would be written: bare if it can be, quoted otherwise.
    static func display(_ key: String) -> String {
        if !key.isEmpty && key.utf8.allSatisfy(isBareKeyByte) { return key }
        return quoted(key)
    }

    /// A TOML basic string that reads back as `text`.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{0}"..."\u{1F}", "\u{7F}": out += "\\u00" + hex(UInt8(scalar.value))
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: Key/value pairs

    /// `key = value` into `table`, which sits `depth` levels below the root.
    mutating func parseKeyValue(into table: TableBuilder, depth: Int) throws(ConfigError) {
        let keyLine = line
        let parts = try parseKey()
        guard peek() == UInt8(ascii: "=") else {
            throw error("expected '=' after key \(TOMLParser.named(parts)), found \(found())")
        }
        pos += 1
        skipWhitespace()
        guard depth &+ parts.count <= TOML.maxDepth else {
            throw error("nesting deeper than \(TOML.maxDepth) levels")
        }
        var target = table
        for part in parts.dropLast() {
            target = try dottedStep(from: target, part, keyLine: keyLine)
        }
        let last = parts[parts.count - 1]
        if let existing = target.lookup(last) {
            throw error("duplicate key \(TOMLParser.named([last])) (first defined on line \(existing.line))")
        }
        let node = try parseValue(depth: depth &+ parts.count)
        target.insert(last, line: keyLine, .value(node))
    }

    /// One intermediate part of a dotted key: create the table or walk into
    /// one that dotted keys made. TOML 1.0 forbids dotted keys from adding to
    /// tables that a `[header]` or an inline table defined.
    mutating func dottedStep(from table: TableBuilder, _ key: String, keyLine: Int) throws(ConfigError) -> TableBuilder {
        guard let (slot, line) = table.lookup(key) else {
            let child = TableBuilder(origin: .dotted, line: keyLine)
            table.insert(key, line: keyLine, .table(child))
            return child
        }
        switch slot {
        case .table(let child) where child.origin == .dotted || child.origin == .implicit:
            return child
        case .table:
            throw error("cannot add keys to table \(TOMLParser.named([key])) defined on line \(line) with dotted keys")
        case .tableArray:
            throw error("\(TOMLParser.named([key])) is an array of tables (line \(line)), not a table")
        case .value(let node):
            throw error("\(TOMLParser.named([key])) is already \(TOMLParser.kind(node)) (line \(line)), not a table")
        }
    }

    /// "an integer", "an inline table": what a value already is, for messages.
    static func kind(_ node: TOMLNode) -> String {
        switch node.value {
        case .table: "an inline table"
        case .integer, .array: "an \(node.value.typeName)"
        default: "a \(node.value.typeName)"
        }
    }

    // MARK: Headers

    /// `[a.b]` or `[[a.b]]`; returns the table later key/value pairs go into
    /// and its depth.
    mutating func parseHeader(root: TableBuilder) throws(ConfigError) -> (TableBuilder, Int) {
        let headerLine = line
        pos += 1
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { pos += 1 }
        let parts = try parseKey()
        let name = TOMLParser.display(parts)
        guard peek() == UInt8(ascii: "]"), !isArray || peek(1) == UInt8(ascii: "]") else {
            throw error("expected '\(isArray ? "]]" : "]")' after [\(name), found \(found())")
        }
        pos += isArray ? 2 : 1

        var table = root
        for part in parts.dropLast() {
            table = try headerStep(from: table, part)
        }
        let last = parts[parts.count - 1]
        let existing = table.lookup(last)
        if isArray {
            switch existing?.slot {
            case nil:
                let array = TableArrayBuilder(line: headerLine)
                table.insert(last, line: headerLine, .tableArray(array))
                let element = TableBuilder(origin: .header, line: headerLine)
                array.append(element)
                return (element, parts.count)
            case .tableArray(let array):
                let element = TableBuilder(origin: .header, line: headerLine)
                array.append(element)
                return (element, parts.count)
            case .table, .value:
                throw error("cannot append to [[\(name)]]: it is not an array of tables (defined on line \(existing?.line ?? 0))")
            }
        }
        switch existing?.slot {
        case nil:
            let child = TableBuilder(origin: .header, line: headerLine)
            table.insert(last, line: headerLine, .table(child))
            return (child, parts.count)
        case .table(let child) where child.origin == .implicit:
            child.origin = .header
            child.line = headerLine
            return (child, parts.count)
        case .table(let child) where child.origin == .dotted:
            throw error("table [\(name)] was already defined by dotted keys on line \(child.line)")
        case .table(let child):
            throw error("table [\(name)] is defined twice (first on line \(child.line))")
        case .tableArray(let array):
            throw error("[\(name)] is already an array of tables (line \(array.line))")
        case .value(let node):
            throw error("[\(name)] is already defined as \(TOMLParser.kind(node)) on line \(node.line)")
        }
    }

    /// One intermediate part of a header: headers may pass through any table
    /// except an inline one, and through an array of tables to its last element.
    mutating func headerStep(from table: TableBuilder, _ key: String) throws(ConfigError) -> TableBuilder {
        guard let (slot, line) = table.lookup(key) else {
            let child = TableBuilder(origin: .implicit, line: self.line)
            table.insert(key, line: self.line, .table(child))
            return child
        }
        switch slot {
        case .table(let child):
            return child
        case .tableArray(let array):
            guard let element = array.last else {
                throw error("empty array of tables \(TOMLParser.named([key]))")
            }
            return element
        case .value(let node):
            throw error("\(TOMLParser.named([key])) is already \(TOMLParser.kind(node)) (line \(line)), not a table")
        }
    }
}
