// Domain names in DNS wire form (RFC 1035 §3.1), uncompressed, as RFC 8106
// §5.2 (DNSSL, padded to 8 octets) and RFC 3646 §4 (Domain Search List) carry
// them. Labels are held to letters, digits, hyphens and underscores so text
// round-trips; anything else is refused.

public enum DomainName {
    /// "example.com" → 7 e x a m p l e 3 c o m 0; nil when a label is empty,
    /// longer than 63, holds other characters, or the name exceeds 255.
    public static func encode(_ name: String) -> [UInt8]? {
        var out: [UInt8] = []
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
            let octets = Array(label.utf8)
            guard (1...63).contains(octets.count), octets.allSatisfy(isLabelOctet) else { return nil }
            out.append(UInt8(octets.count))
            out += octets
        }
        out.append(0)
        return out.count <= 255 ? out : nil
    }

    static func isLabelOctet(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }

    /// One name from `r`; a length octet with the top bits set (a compression
    /// pointer, RFC 1035 §4.1.4) is refused: these options never compress.
    static func decode(_ r: inout WireReader) throws(IPv6Error) -> String {
        var labels: [String] = []
        var total = 0
        while true {
            let n = Int(try r.u8())
            total += 1 + n
            guard total <= 255 else { throw .badDomainName }
            if n == 0 { break }
            guard n <= 63 else { throw .badDomainName }
            let octets = try r.take(n)
            guard octets.allSatisfy(isLabelOctet) else { throw .badDomainName }
            labels.append(String(decoding: octets, as: UTF8.self))
        }
        guard !labels.isEmpty else { throw .badDomainName }
        return labels.joined(separator: ".")
    }
}
