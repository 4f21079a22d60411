// The text form of an Endpoint Discriminator, as pppd's `endpoint` option
// writes it: `class:value` with class null, local, IP, MAC, magic or phone;
// IP in dotted decimal, the others as hex octets, optionally separated by
// '.' or ':'. The same form names a bundle (`bundle:<name>:<discriminator>`).

extension EndpointDiscriminator: CustomStringConvertible {
    static let classNames: [(String, Class)] = [
        ("null", .null), ("local", .locallyAssigned), ("IP", .ipAddress),
        ("MAC", .ieee802MACAddress), ("magic", .magicNumberBlock), ("phone", .directoryNumber),
    ]

    /// pppd's syntax; class names are matched without regard to case. nil
    /// when the class is unknown or the value does not fit it (RFC 1990
    /// §5.1.3 lengths). For IEEE 802.1 addresses, also refuses what the RFC
    /// says "MUST" not be sent: a locally assigned or multicast address.
    public init?(text: String) {
        let colon = text.firstIndex(of: ":")
        let name = colon.map { String(text[..<$0]) } ?? text
        let value = colon.map { String(text[text.index(after: $0)...]) } ?? ""
        guard let cls = Self.classNames.first(where: { $0.0.lowercased() == name.lowercased() })?.1 else {
            return nil
        }
        let address: [UInt8]
        switch cls {
        case .null:
            guard value.isEmpty else { return nil }
            address = []
        case .ipAddress:
            guard let a = Self.dottedQuad(value) else { return nil }
            address = [UInt8(a >> 24), UInt8(a >> 16 & 0xff), UInt8(a >> 8 & 0xff), UInt8(a & 0xff)]
        default:
            guard let octets = Self.hexOctets(value) else { return nil }
            address = octets
        }
        // RFC 1990 §5.1.3 class 3: "MUST have the global/local assignment bit
        // clear and MUST have the multicast/specific bit clear".
        if cls == .ieee802MACAddress, let first = address.first, first & 0x03 != 0 { return nil }
        guard let d = try? EndpointDiscriminator(class: cls, address: address) else { return nil }
        self = d
    }

    /// The same syntax back: IP dotted, other classes as plain lowercase hex,
    /// an unassigned class by its number.
    public var description: String {
        let name = Self.classNames.first { $0.1 == self.class }?.0 ?? String(self.class.rawValue)
        switch self.class {
        case .null: return name
        case .ipAddress: return name + ":" + address.map { String($0) }.joined(separator: ".")
        default: return name + ":" + Self.hex(address)
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        for b in bytes {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 0x0f)])
        }
        return s
    }

    /// "0102ab", "01:02:ab", "1.2.ab": a run of whole octets, or groups of
    /// one or two digits between separators.
    static func hexOctets(_ text: String) -> [UInt8]? {
        // UInt8(_:radix:) would take a sign: only hex digits and separators pass.
        guard text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        let groups = text.split(omittingEmptySubsequences: false) { $0 == ":" || $0 == "." }
        var octets: [UInt8] = []
        if groups.count == 1 {
            let digits = Array(text)
            guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
            for i in stride(from: 0, to: digits.count, by: 2) {
                guard let b = UInt8(String(digits[i...i + 1]), radix: 16) else { return nil }
                octets.append(b)
            }
            return octets
        }
        for g in groups {
            guard (1...2).contains(g.count), let b = UInt8(g, radix: 16) else { return nil }
            octets.append(b)
        }
        return octets
    }

    /// Four decimal octets, no leading zeros (so "010" is never octal 8).
    static func dottedQuad(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }),
                  !(p.count > 1 && p.first == "0"), let octet = UInt32(p), octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        return value
    }
}
