// A strict RFC 8259 parser: no trailing commas, no leading zeros, no lone
// surrogates, no invalid UTF-8, nothing after the value. Depth and length are
// capped so hostile input cannot exhaust the stack or memory of pppinit, and
// every byte is read through a bounds-checked index.

extension JSON {
    /// Integers that fit in Int64 become `.int`; all other numbers `.double`.
    /// Duplicate keys in an object are refused (RFC 8259 §4 leaves them
    /// undefined, and two readers disagreeing on one is how checks get bypassed).
    /// The parser recurses once per level, so `maxDepth` is what bounds its stack.
    public static func parse<C: Collection>(_ bytes: C, maxDepth: Int = 32, maxLength: Int = 1 << 20) throws(JSONError) -> JSON where C.Element == UInt8 {
        guard bytes.count <= maxLength else {
            throw JSONError(offset: maxLength, reason: .tooLong(limit: maxLength))
        }
        var parser = JSONParser(bytes: Array(bytes), maxDepth: maxDepth)
        return try parser.parseDocument()
    }

    public static func parse(_ text: String, maxDepth: Int = 32, maxLength: Int = 1 << 20) throws(JSONError) -> JSON {
        try parse(text.utf8, maxDepth: maxDepth, maxLength: maxLength)
    }
}

struct JSONParser {
    let bytes: [UInt8]
    let maxDepth: Int
    var pos = 0
    /// The members of the objects being parsed, innermost last: each object
    /// takes its own off the top into an array of exactly its size, so a
    /// listing of thousands of objects does not grow an array per object
    /// (issue 13, point 4).
    var memberStack: [JSONObject.Member] = []
    /// The same for arrays' elements.
    var elementStack: [JSON] = []
    /// An object with more members than this checks its keys for repeats
    /// in a Set; below it, by comparing each new key with those before,
    /// lengths first (cheaper than hashing for a status object's few dozen,
    /// and bounded: the Set keeps a hostile object of many keys linear).
    static let linearKeyCheck = 32

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func peek(_ offset: Int = 0) -> UInt8? {
        let i = pos &+ offset
        return i >= 0 && i < bytes.count ? bytes[i] : nil
    }

    func fail(_ reason: JSONError.Reason, at offset: Int? = nil) -> JSONError {
        JSONError(offset: offset ?? pos, reason: reason)
    }

    /// The error for whatever sits at `pos` when something else was needed.
    func unexpected() -> JSONError {
        guard let b = peek() else { return fail(.unexpectedEnd) }
        return fail(.unexpectedByte(b))
    }

    mutating func skipWhitespace() {
        while let b = peek(), b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos += 1 }
    }

    mutating func expect(_ b: UInt8) throws(JSONError) {
        guard peek() == b else { throw unexpected() }
        pos += 1
    }

    mutating func parseDocument() throws(JSONError) -> JSON {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard pos == bytes.count else { throw fail(.trailingData) }
        return value
    }

    /// A value inside `depth` containers.
    mutating func parseValue(depth: Int) throws(JSONError) -> JSON {
        guard let b = peek() else { throw fail(.unexpectedEnd) }
        switch b {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail(.unexpectedByte(b))
        }
    }

    mutating func literal(_ word: String) throws(JSONError) {
        for b in word.utf8 {
            guard peek() == b else { throw unexpected() }
            pos += 1
        }
    }

    // MARK: Containers

    mutating func parseArray(depth: Int) throws(JSONError) -> JSON {
        guard depth <= maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
        pos += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { pos += 1; return .array([]) }
        let base = elementStack.count
        // On an error the whole parse fails and the stacks go with the parser.
        while true {
            skipWhitespace()
            elementStack.append(try parseValue(depth: depth))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"):
                pos += 1
                let items = Array(elementStack[base...])
                elementStack.removeSubrange(base...)
                return .array(items)
            default: throw unexpected()
            }
        }
    }

    mutating func parseObject(depth: Int) throws(JSONError) -> JSON {
        guard depth <= maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
        pos += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { pos += 1; return .object(JSONObject()) }
        let base = memberStack.count
        var seen: Set<String>?
        while true {
            skipWhitespace()
            let keyOffset = pos
            guard peek() == UInt8(ascii: "\"") else { throw unexpected() }
            let key = try parseString()
            if isRepeated(key, base: base, seen: &seen) { throw fail(.duplicateKey(key), at: keyOffset) }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let value = try parseValue(depth: depth)
            memberStack.append((key, value))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "}"):
                pos += 1
                let members = Array(memberStack[base...])
                memberStack.removeSubrange(base...)
                return .object(JSONObject(uniqueMembers: members))
            default: throw unexpected()
            }
        }
    }

    /// Whether `key` is among the keys of the object whose members start at
    /// `base` on the stack (RFC 8259 §4: we refuse repeats).
    func isRepeated(_ key: String, base: Int, seen: inout Set<String>?) -> Bool {
        let count = memberStack.count - base
        if count < Self.linearKeyCheck {
            let n = key.utf8.count
            for i in base..<memberStack.count where memberStack[i].key.utf8.count == n && memberStack[i].key == key {
                return true
            }
            return false
        }
        if seen == nil { seen = Set(memberStack[base...].lazy.map(\.key)) }
        return !seen!.insert(key).inserted
    }

    // MARK: Numbers

    static func isDigit(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return b >= 0x30 && b <= 0x39
    }

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func parseNumber() throws(JSONError) -> JSON {
        let start = pos
        if peek() == UInt8(ascii: "-") { pos += 1 }
        guard JSONParser.isDigit(peek()) else { throw fail(.invalidNumber) }
        if peek() == UInt8(ascii: "0") {
            pos += 1
            guard !JSONParser.isDigit(peek()) else { throw fail(.leadingZero, at: start) }
        } else {
            while JSONParser.isDigit(peek()) { pos += 1 }
        }
        var isInteger = true
        if peek() == UInt8(ascii: ".") {
            pos += 1
            guard JSONParser.isDigit(peek()) else { throw fail(.invalidNumber) }
            while JSONParser.isDigit(peek()) { pos += 1 }
            isInteger = false
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            pos += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { pos += 1 }
            guard JSONParser.isDigit(peek()) else { throw fail(.invalidNumber) }
            while JSONParser.isDigit(peek()) { pos += 1 }
            isInteger = false
        }
        let text = bytes[start..<pos]
        if isInteger, let value = JSONParser.int64(text) { return .int(value) }
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else {
            throw fail(.numberOutOfRange, at: start)
        }
        return .double(value)
    }

    /// Decimal digits with an optional leading '-', or nil on overflow.
    /// Accumulates toward the sign so that Int64.min fits.
    static func int64(_ text: ArraySlice<UInt8>) -> Int64? {
        let negative = text.first == UInt8(ascii: "-")
        var value: Int64 = 0
        for b in text.dropFirst(negative ? 1 : 0) {
            let digit = Int64(b &- 0x30)
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative
                ? shifted.subtractingReportingOverflow(digit)
                : shifted.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = next
        }
        return value
    }

    // MARK: Strings

    mutating func parseString() throws(JSONError) -> String {
        let start = pos
        pos += 1
        // Without an escape the string is its octets as they stand (checked
        // as UTF-8 on the way): one String made from the input, no copy in
        // between (issue 13, point 4: every key and value of a listing).
        while true {
            while let b = peek(), b >= 0x20, b < 0x80, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\") { pos += 1 }
            guard let b = peek() else { throw fail(.unterminatedString, at: start) }
            switch b {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: bytes[(start + 1)..<(pos - 1)], as: UTF8.self)
            case UInt8(ascii: "\\"):
                var out = Array(bytes[(start + 1)..<pos])
                return try parseEscapedString(start: start, into: &out)
            case 0x00..<0x20:
                throw fail(.controlCharacter(b))
            default:
                pos += try utf8SequenceLength()
            }
        }
    }

    /// The rest of a string from its first escape on, into `out`.
    mutating func parseEscapedString(start: Int, into out: inout [UInt8]) throws(JSONError) -> String {
        while true {
            // Copy runs of plain ASCII in one go; stop at anything needing a look.
            let run = pos
            while let b = peek(), b >= 0x20, b < 0x80, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\") { pos += 1 }
            out.append(contentsOf: bytes[run..<pos])
            guard let b = peek() else { throw fail(.unterminatedString, at: start) }
            switch b {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case 0x00..<0x20:
                throw fail(.controlCharacter(b))
            default:
                let length = try utf8SequenceLength()
                out.append(contentsOf: bytes[pos..<(pos + length)])
                pos += length
            }
        }
    }

    /// Length of the well-formed UTF-8 sequence at `pos` (Unicode table 3-7:
    /// no overlong forms, no encoded surrogates, nothing above U+10FFFF).
    func utf8SequenceLength() throws(JSONError) -> Int {
        guard let lead = peek() else { throw fail(.unexpectedEnd) }
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0x00..<0x80: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; second = 0xA0...0xBF
        case 0xED: length = 3; second = 0x80...0x9F
        case 0xE1...0xEF: length = 3
        case 0xF0: length = 4; second = 0x90...0xBF
        case 0xF4: length = 4; second = 0x80...0x8F
        case 0xF1...0xF3: length = 4
        default: throw fail(.invalidUTF8)
        }
        guard let b1 = peek(1), second.contains(b1) else { throw fail(.invalidUTF8) }
        for k in 2..<length {
            guard let b = peek(k), (0x80...0xBF).contains(b) else { throw fail(.invalidUTF8) }
        }
        return length
    }

    mutating func parseEscape(into out: inout [UInt8]) throws(JSONError) {
        let start = pos
        pos += 1
        guard let e = peek() else { throw fail(.unterminatedString) }
        pos += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try hex4()
            var scalarValue = UInt32(unit)
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed at once by an escaped low one.
                guard peek() == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "u") else {
                    throw fail(.loneSurrogate, at: start)
                }
                pos += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail(.loneSurrogate, at: start) }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            case 0xDC00...0xDFFF:
                throw fail(.loneSurrogate, at: start)
            default:
                break
            }
            guard let scalar = Unicode.Scalar(scalarValue) else { throw fail(.invalidEscape, at: start) }
            UTF8.encode(scalar) { out.append($0) }
        default:
            throw fail(.invalidEscape, at: start)
        }
    }

    mutating func hex4() throws(JSONError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let b = peek() else { throw fail(.unterminatedString) }
            let digit: UInt16
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt16(b - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt16(b - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt16(b - 0x41 + 10)
            default: throw fail(.invalidEscape)
            }
            value = value << 4 | digit
            pos += 1
        }
        return value
    }
}
