// Writing JSON: compact for the wire, or indented by two spaces for a person.
// Escaping follows RFC 8259 §7 (quote, backslash and every control character);
// non-finite doubles, which JSON cannot express, are written as null.

extension JSON {
    public func encoded() -> String { encoded(pretty: false) }

    public func encoded(pretty: Bool) -> String {
        var out: [UInt8] = []
        write(into: &out, pretty: pretty, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// `encoded()`'s octets appended to `out`, without a String between:
    /// pppctl writes a list of thousands of items this way.
    public func encode(into out: inout [UInt8]) {
        write(into: &out, pretty: false, indent: 0)
    }

    func write(into out: inout [UInt8], pretty: Bool, indent: Int) {
        switch self {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i):
            JSON.writeInt(i, into: &out)
        case .double(let d):
            // Swift's shortest round-trip form ("0.1", "1e+20", "-0.0") is valid JSON.
            out.append(contentsOf: (d.isFinite ? d.description : "null").utf8)
        case .string(let s):
            JSON.writeString(s, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSON.newline(&out, indent + 1) }
                item.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { JSON.newline(&out, indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSON.newline(&out, indent + 1) }
                JSON.writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                member.value.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { JSON.newline(&out, indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The length of `encoded()` in octets, counted without writing it: a
    /// page of a listing (JSONPages) measures each item this way, so the
    /// items are encoded once, in the reply, not twice.
    public var encodedCount: Int {
        switch self {
        case .null: return 4
        case .bool(let b): return b ? 4 : 5
        case .int(let i): return JSON.decimalCount(i)
        case .double(let d): return d.isFinite ? d.description.utf8.count : 4
        case .string(let s): return JSON.encodedCount(s)
        case .array(let items):
            guard !items.isEmpty else { return 2 }
            var n = 1 + items.count  // brackets and the commas between
            for item in items { n += item.encodedCount }
            return n
        case .object(let object):
            guard !object.isEmpty else { return 2 }
            var n = 1 + 2 * object.count  // braces, colons, commas
            for member in object.members { n += JSON.encodedCount(member.key) + member.value.encodedCount }
            return n
        }
    }

    /// `writeString`'s length: quotes, and the escapes of RFC 8259 §7.
    static func encodedCount(_ s: String) -> Int {
        var s = s
        return s.withUTF8 { bytes in
            var n = 2 + bytes.count
            for b in bytes where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x0C, 0x0A, 0x0D, 0x09: n += 1
                default: n += 5
                }
            }
            return n
        }
    }

    /// The octets of `String(v)`: a sign and the decimal digits.
    static func decimalCount(_ v: Int64) -> Int {
        var n = v < 0 ? 2 : 1
        var m = v.magnitude
        while m >= 10 { m /= 10; n += 1 }
        return n
    }

    /// `String(v)`'s octets written straight into `out`: a listing writes
    /// dozens of counters per session (issue 13, point 4), and a String per
    /// number was a measurable share of it.
    static func writeInt(_ v: Int64, into out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        if m < 10 { out.append(UInt8(ascii: "0") + UInt8(m)); return }
        // At most 20 digits (UInt64.max); written from the end of a fixed buffer.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var i = 20
            while m > 0 {
                i -= 1
                digits[i] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i..<20]))
        }
    }

    static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            // Runs that need no escape go in one copy; most strings are one run.
            var run = 0
            for (i, b) in bytes.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
                run = i + 1
                switch b {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case 0x08: out.append(contentsOf: "\\b".utf8)
                case 0x0C: out.append(contentsOf: "\\f".utf8)
                case 0x0A: out.append(contentsOf: "\\n".utf8)
                case 0x0D: out.append(contentsOf: "\\r".utf8)
                case 0x09: out.append(contentsOf: "\\t".utf8)
                default:
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hexDigit(b >> 4))
                    out.append(hexDigit(b & 0xF))
                }
            }
            if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A nibble as a lowercase hex digit (no table to allocate per string).
    static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10 }
}
