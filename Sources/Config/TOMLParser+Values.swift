// TOML values other than strings: arrays, inline tables, booleans, integers
// and floats. Numbers are checked against TOML 1.0's grammar before they are
// converted, and integers are accumulated with overflow reporting, so that
// "9223372036854775808" is an error and never a trap.

extension TOMLParser {
    /// A value whose containers would sit `depth` levels below the root.
    mutating func parseValue(depth: Int) throws(ConfigError) -> TOMLNode {
        let valueLine = line
        switch peek() {
        case UInt8(ascii: "\""):
            let s = peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"")
                ? try parseMultilineString(quote: UInt8(ascii: "\""))
                : try parseBasicString()
            return TOMLNode(.string(s), line: valueLine)
        case UInt8(ascii: "'"):
            let s = peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'")
                ? try parseMultilineString(quote: UInt8(ascii: "'"))
                : try parseLiteralString()
            return TOMLNode(.string(s), line: valueLine)
        case UInt8(ascii: "["):
            return TOMLNode(try parseArray(depth: depth), line: valueLine)
        case UInt8(ascii: "{"):
            return TOMLNode(try parseInlineTable(depth: depth), line: valueLine)
        default:
            return TOMLNode(try parseScalar(), line: valueLine)
        }
    }

    // MARK: Containers

    mutating func checkDepth(_ depth: Int) throws(ConfigError) {
        guard depth <= TOML.maxDepth else {
            throw error("nesting deeper than \(TOML.maxDepth) levels")
        }
    }

    /// Arrays may span lines and hold comments; TOML 1.0 allows mixed types.
    mutating func skipBlankSpace() throws(ConfigError) {
        while let b = peek() {
            switch b {
            case 0x20, 0x09: pos += 1
            case 0x0A, 0x0D: try consumeNewline()
            case UInt8(ascii: "#"): try skipComment()
            default: return
            }
        }
    }

    mutating func parseArray(depth: Int) throws(ConfigError) -> TOMLValue {
        try checkDepth(depth)
        let openLine = line
        pos += 1
        var items: [TOMLNode] = []
        while true {
            try skipBlankSpace()
            guard peek() != nil else {
                throw error("unterminated array (opened on line \(openLine))")
            }
            if peek() == UInt8(ascii: "]") { pos += 1; return .array(items) }
            items.append(try parseValue(depth: depth &+ 1))
            try skipBlankSpace()
            switch peek() {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"): pos += 1; return .array(items)
            case nil: throw error("unterminated array (opened on line \(openLine))")
            default: throw error("expected ',' or ']' in array, found \(found())")
            }
        }
    }

    /// Inline tables are one line, without a trailing comma, and closed for
    /// good at the `}` (TOML 1.0).
    mutating func parseInlineTable(depth: Int) throws(ConfigError) -> TOMLValue {
        try checkDepth(depth)
        let openLine = line
        pos += 1
        let table = TableBuilder(origin: .inline, line: openLine)
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            pos += 1
            return .table(table.freeze())
        }
        while true {
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                throw error("trailing comma is not allowed in an inline table")
            }
            try parseKeyValue(into: table, depth: depth)
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "}"): pos += 1; return .table(table.freeze())
            case nil: throw error("unterminated inline table (opened on line \(openLine))")
            case 0x0A, 0x0D: throw error("newline in an inline table (opened on line \(openLine))")
            default: throw error("expected ',' or '}' in inline table, found \(found())")
            }
        }
    }

    // MARK: Scalars

    static func isTokenByte(_ b: UInt8) -> Bool {
        isBareKeyByte(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
    }

    /// Booleans, numbers, and anything that looks like a date (to refuse it
    /// by name rather than as a malformed number).
    mutating func parseScalar() throws(ConfigError) -> TOMLValue {
        let start = pos
        while let b = peek(), TOMLParser.isTokenByte(b) { pos += 1 }
        let token = bytes[start..<pos]
        guard !token.isEmpty else { throw error("expected a value, found \(found())") }
        if token.elementsEqual("true".utf8) { return .boolean(true) }
        if token.elementsEqual("false".utf8) { return .boolean(false) }
        if TOMLParser.looksLikeDate(token) {
            throw error("dates and times are not supported")
        }
        return try parseNumber(token)
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// `1979-05-27...` or `07:32:00...`.
    static func looksLikeDate(_ t: ArraySlice<UInt8>) -> Bool {
        let a = Array(t.prefix(5))
        if a.count == 5 && a[0...3].allSatisfy(isDigit) && a[4] == UInt8(ascii: "-") { return true }
        return a.count >= 3 && a[0...1].allSatisfy(isDigit) && a[2] == UInt8(ascii: ":")
    }

    func parseNumber(_ token: ArraySlice<UInt8>) throws(ConfigError) -> TOMLValue {
        let text = String(decoding: token, as: UTF8.self)
        let invalid = error("invalid value '\(text)'")
        var i = token.startIndex
        var negative = false
        var signed = false
        if let s = token.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
            negative = s == UInt8(ascii: "-")
            signed = true
            i += 1
        }
        let body = token[i...]
        if body.elementsEqual("inf".utf8) { return .float(negative ? -.infinity : .infinity) }
        if body.elementsEqual("nan".utf8) { return .float(.nan) }

        if body.count > 2, body.first == UInt8(ascii: "0") {
            let radix: Int64? = switch body[i + 1] {
            case UInt8(ascii: "x"): 16
            case UInt8(ascii: "o"): 8
            case UInt8(ascii: "b"): 2
            default: nil
            }
            if let radix {
                guard !signed else { throw error("a sign is not allowed on '\(text)'") }
                return try parseRadixInteger(body[(i + 2)...], radix: radix, text: text)
            }
        }

        let integerStart = i
        guard TOMLParser.scanDigits(token, &i, TOMLParser.isDigit) else { throw invalid }
        let integerPart = token[integerStart..<i]
        if integerPart.count > 1 && integerPart.first == UInt8(ascii: "0") {
            throw error("leading zeros are not allowed in '\(text)'")
        }
        var isFloat = false
        if i < token.endIndex && token[i] == UInt8(ascii: ".") {
            i += 1
            guard TOMLParser.scanDigits(token, &i, TOMLParser.isDigit) else { throw invalid }
            isFloat = true
        }
        if i < token.endIndex && (token[i] == UInt8(ascii: "e") || token[i] == UInt8(ascii: "E")) {
            i += 1
            if i < token.endIndex && (token[i] == UInt8(ascii: "+") || token[i] == UInt8(ascii: "-")) { i += 1 }
            guard TOMLParser.scanDigits(token, &i, TOMLParser.isDigit) else { throw invalid }
            isFloat = true
        }
        guard i == token.endIndex else { throw invalid }

        if isFloat {
            let digits = String(decoding: token.lazy.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
            guard let value = Double(digits), value.isFinite else {
                throw error("float '\(text)' is out of range")
            }
            return .float(value)
        }
        // Accumulate toward the sign so that Int64.min is representable.
        var value: Int64 = 0
        for b in integerPart where b != UInt8(ascii: "_") {
            let digit = Int64(b &- 0x30)
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative
                ? shifted.subtractingReportingOverflow(digit)
                : shifted.addingReportingOverflow(digit)
            guard !o1 && !o2 else { throw error("integer '\(text)' does not fit in 64 bits") }
            value = next
        }
        return .integer(value)
    }

    func parseRadixInteger(_ digits: ArraySlice<UInt8>, radix: Int64, text: String) throws(ConfigError) -> TOMLValue {
        func digitValue(_ b: UInt8) -> Int64? {
            let v: Int64
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = Int64(b &- 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = Int64(b &- 0x61) &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = Int64(b &- 0x41) &+ 10
            default: return nil
            }
            return v < radix ? v : nil
        }
        var i = digits.startIndex
        guard TOMLParser.scanDigits(digits, &i, { digitValue($0) != nil }), i == digits.endIndex else {
            throw error("invalid value '\(text)'")
        }
        var value: Int64 = 0
        for b in digits {
            guard let d = digitValue(b) else { continue }
            let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
            let (next, o2) = shifted.addingReportingOverflow(d)
            guard !o1 && !o2 else { throw error("integer '\(text)' does not fit in 64 bits") }
            value = next
        }
        return .integer(value)
    }

    /// One or more digits with single underscores only between digits,
    /// advancing `i` past them; false if that shape is not there.
    static func scanDigits(_ t: ArraySlice<UInt8>, _ i: inout Int, _ isDigit: (UInt8) -> Bool) -> Bool {
        var count = 0
        var afterUnderscore = false
        while i < t.endIndex {
            let b = t[i]
            if isDigit(b) {
                count += 1
                afterUnderscore = false
            } else if b == UInt8(ascii: "_") {
                guard count > 0 && !afterUnderscore else { return false }
                afterUnderscore = true
            } else {
                break
            }
            i += 1
        }
        return count > 0 && !afterUnderscore
    }
}
