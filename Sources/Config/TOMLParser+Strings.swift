// TOML's four kinds of string (basic, literal, and their multi-line forms),
// escape sequences, and the UTF-8 check run before parsing. An unterminated
// string is reported at the line it starts on, which is where a reader looks.

extension TOMLParser {
    mutating func parseBasicString() throws(ConfigError) -> String {
        let startLine = line
        pos += 1
        var out: [UInt8] = []
        while true {
            guard let b = peek() else { throw error("unterminated string", line: startLine) }
            switch b {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case 0x0A, 0x0D:
                throw error("unterminated string (a basic string ends on its line)")
            default:
                guard !TOMLParser.isControl(b) else {
                    throw error("control character U+00\(TOMLParser.hex(b)) in string")
                }
                out.append(b)
                pos += 1
            }
        }
    }

    mutating func parseLiteralString() throws(ConfigError) -> String {
        let startLine = line
        pos += 1
        let start = pos
        while true {
            guard let b = peek() else { throw error("unterminated string", line: startLine) }
            switch b {
            case UInt8(ascii: "'"):
                pos += 1
                return String(decoding: bytes[start..<(pos - 1)], as: UTF8.self)
            case 0x0A, 0x0D:
                throw error("unterminated string (a literal string ends on its line)")
            default:
                guard !TOMLParser.isControl(b) else {
                    throw error("control character U+00\(TOMLParser.hex(b)) in string")
                }
                pos += 1
            }
        }
    }

    /// `"""..."""` (with escapes) or `'''...'''` (without). A newline right
    /// after the opening delimiter is dropped; CRLF becomes LF; up to two
    /// quotes may sit against the closing delimiter, as TOML 1.0 allows.
    mutating func parseMultilineString(quote: UInt8) throws(ConfigError) -> String {
        let startLine = line
        let escapes = quote == UInt8(ascii: "\"")
        pos += 3
        if peek() == 0x0A || (peek() == 0x0D && peek(1) == 0x0A) { try consumeNewline() }
        var out: [UInt8] = []
        while true {
            guard let b = peek() else { throw error("unterminated multi-line string", line: startLine) }
            switch b {
            case quote:
                var run = 0
                while peek(run) == quote { run += 1 }
                pos += run
                if run < 3 {
                    out.append(contentsOf: repeatElement(quote, count: run))
                    continue
                }
                guard run <= 5 else { throw error("too many quotes at the end of a multi-line string") }
                out.append(contentsOf: repeatElement(quote, count: run - 3))
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\") where escapes:
                if try !skipLineEndingBackslash() {
                    try parseEscape(into: &out)
                }
            case 0x0A, 0x0D:
                try consumeNewline()
                out.append(0x0A)
            default:
                guard !TOMLParser.isControl(b) else {
                    throw error("control character U+00\(TOMLParser.hex(b)) in string")
                }
                out.append(b)
                pos += 1
            }
        }
    }

    /// A backslash that ends a line in a multi-line basic string swallows the
    /// newline and all whitespace up to the next visible character.
    mutating func skipLineEndingBackslash() throws(ConfigError) -> Bool {
        var i = 1
        while let b = peek(i), b == 0x20 || b == 0x09 { i += 1 }
        guard let b = peek(i), b == 0x0A || b == 0x0D else { return false }
        pos += i
        while let b = peek() {
            switch b {
            case 0x20, 0x09: pos += 1
            case 0x0A, 0x0D: try consumeNewline()
            default: return true
            }
        }
        return true
    }

    /// The escapes of TOML 1.0: \b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX.
    mutating func parseEscape(into out: inout [UInt8]) throws(ConfigError) {
        pos += 1
        guard let e = peek() else { throw error("unterminated string") }
        pos += 1
        switch e {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = e == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let h = peek(), let d = TOMLParser.hexValue(h) else {
                    throw error("\\\(Character(Unicode.Scalar(e))) needs \(count) hexadecimal digits")
                }
                value = value << 4 | d
                pos += 1
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw error("escape \\\(Character(Unicode.Scalar(e)))\(String(value, radix: 16, uppercase: true)) is not a Unicode scalar value")
            }
            UTF8.encode(scalar) { out.append($0) }
        default:
            if e > 0x20 && e < 0x7F {
                throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
            }
            throw error("backslash followed by \(TOMLParser.describe(e)) in string")
        }
    }

    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b &- 0x30)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b &- 0x61) &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b &- 0x41) &+ 10
        default: nil
        }
    }

    /// Index of the first byte that is not well-formed UTF-8 (Unicode 15,
    /// table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF).
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            if lead < 0x80 { i += 1; continue }
            let length: Int
            var second: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; second = 0xA0...0xBF
            case 0xED: length = 3; second = 0x80...0x9F
            case 0xE1...0xEF: length = 3
            case 0xF0: length = 4; second = 0x90...0xBF
            case 0xF4: length = 4; second = 0x80...0x8F
            case 0xF1...0xF3: length = 4
            default: return i
            }
            guard bytes.count - i >= length, second.contains(bytes[i + 1]) else { return i }
            for k in 2..<length where !(0x80...0xBF).contains(bytes[i + k]) { return i }
            i += length
        }
        return nil
    }
}
