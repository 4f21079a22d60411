// RFC 2868 tunnel attributes in an Access-Accept, as the L2TP tunnels a
// LAC places the user's call in: the attributes are gathered by their Tag
// (§3: 0x01-0x1F names one of several tunnels; 0 or none, the untagged
// one), each group must say Tunnel-Type L2TP (§3.1, value 3) and name a
// Tunnel-Server-Endpoint (§3.4) that is an IPv4 address (Tunnel-Medium-Type
// IPv4, §3.2, value 1, when given), and the groups are ordered by
// Tunnel-Preference (§3.8, lower first). Tunnel-Password (§3.5) is
// decrypted with the shared secret, the Request Authenticator and its Salt.
// Every malformed attribute or group is refused with a reason (logged and
// counted like the other grant attributes); the rest still applies.
import IPC

enum TunnelAttributes {
    // RFC 2868 §3.1-§3.10 (and RFC 2867 §4.1 reuses them in accounting).
    static let tunnelType: UInt8 = 64, mediumType: UInt8 = 65, clientEndpoint: UInt8 = 66
    static let serverEndpoint: UInt8 = 67, password: UInt8 = 69, privateGroupID: UInt8 = 81
    static let assignmentID: UInt8 = 82, preference: UInt8 = 83
    static let clientAuthID: UInt8 = 90, serverAuthID: UInt8 = 91
    /// §3.1 Tunnel-Type value for L2TP; §3.2 Tunnel-Medium-Type for IPv4.
    static let l2tp: UInt32 = 3, ipv4: UInt32 = 1

    /// A tagged string (§3.3 and the others): a first octet of 0x01-0x1F
    /// is the Tag; anything else begins the string (untagged, Tag 0).
    static func taggedString(_ v: [UInt8]) -> (tag: UInt8, text: [UInt8]) {
        if let first = v.first, first >= 1, first <= 0x1F { return (first, Array(v.dropFirst())) }
        return (0, v)
    }

    /// A tagged integer (§3.1, §3.2, §3.8): Tag then a 3-octet value;
    /// nil when the length is not 4 octets of value.
    static func taggedInteger(_ v: [UInt8]) -> (tag: UInt8, value: UInt32)? {
        guard v.count == 4 else { return nil }
        return (v[0] <= 0x1F ? v[0] : 0, UInt32(v[1]) << 16 | UInt32(v[2]) << 8 | UInt32(v[3]))
    }

    /// §3.5: Tag, Salt (2 octets, high bit set), then the String: blocks of
    /// 16 octets, c(1) = p(1) ^ MD5(secret + Request Authenticator + Salt),
    /// c(i) = p(i) ^ MD5(secret + c(i-1)); the plaintext's first octet is
    /// the password's length. Nil when any of it does not hold.
    static func revealPassword(_ v: [UInt8], secret: [UInt8], requestAuthenticator: [UInt8]) -> (tag: UInt8, password: [UInt8])? {
        guard v.count >= 3 + 16, (v.count - 3) % 16 == 0, v[1] & 0x80 != 0, requestAuthenticator.count == 16 else { return nil }
        let tag = v[0] <= 0x1F ? v[0] : 0
        let salt = Array(v[1...2])
        let cipher = Array(v[3...])
        var plain: [UInt8] = []
        plain.reserveCapacity(cipher.count)
        var previous = requestAuthenticator + salt
        for block in stride(from: 0, to: cipher.count, by: 16) {
            let b = Digest.md5(secret + previous)
            for i in 0..<16 { plain.append(cipher[block + i] ^ b[i]) }
            previous = Array(cipher[block..<(block + 16)])
        }
        // A Data-Length of 0 is refused too: an empty secret cannot
        // authenticate a tunnel (RFC 2661 §4.2), and a wrong secret reveals
        // noise whose first octet may be 0 as well as past the blocks.
        let length = Int(plain[0])
        guard length >= 1, length <= plain.count - 1 else { return nil }
        return (tag, Array(plain[1...length]))
    }

    /// The L2TP tunnels of an answer, best first, and what was refused.
    static func choices(_ p: RadiusPacket, secret: [UInt8], requestAuthenticator: [UInt8]) -> (tunnels: [TunnelChoice], refused: [String]) {
        struct Group {
            var type: UInt32?, medium: UInt32?, server: String?, password: [UInt8]?
            var preference: UInt32?, assignment = "", client = "", serverAuth = ""
        }
        var groups: [UInt8: Group] = [:]
        var refused: [String] = []
        func text(_ bytes: [UInt8]) -> String? {
            guard !bytes.isEmpty, bytes.count <= 253, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        }
        for a in p.attributes {
            switch a.type {
            case tunnelType, mediumType, preference:
                let name = a.type == tunnelType ? "Tunnel-Type" : a.type == mediumType ? "Tunnel-Medium-Type" : "Tunnel-Preference"
                guard let (tag, value) = taggedInteger(a.value) else {
                    refused.append("\(name) of \(a.value.count) octets")
                    continue
                }
                if a.type == tunnelType { groups[tag, default: Group()].type = value }
                else if a.type == mediumType { groups[tag, default: Group()].medium = value }
                else { groups[tag, default: Group()].preference = value }
            case serverEndpoint, assignmentID, clientAuthID, serverAuthID:
                let (tag, bytes) = taggedString(a.value)
                guard let s = text(bytes) else {
                    refused.append("tunnel attribute \(a.type) is not printable text")
                    continue
                }
                switch a.type {
                case serverEndpoint: groups[tag, default: Group()].server = s
                case assignmentID: groups[tag, default: Group()].assignment = s
                case clientAuthID: groups[tag, default: Group()].client = s
                default: groups[tag, default: Group()].serverAuth = s
                }
            case password:
                guard let (tag, pw) = revealPassword(a.value, secret: secret, requestAuthenticator: requestAuthenticator) else {
                    refused.append("Tunnel-Password of \(a.value.count) octets does not decrypt (RFC 2868 §3.5)")
                    continue
                }
                groups[tag, default: Group()].password = pw
            default:
                continue
            }
        }
        var tunnels: [TunnelChoice] = []
        for tag in groups.keys.sorted() {
            guard let g = groups[tag] else { continue }
            guard g.type == l2tp else {
                refused.append("tunnel \(tag): Tunnel-Type \(g.type.map { "\($0)" } ?? "absent"), not L2TP (3)")
                continue
            }
            guard g.medium == nil || g.medium == ipv4 else {
                refused.append("tunnel \(tag): Tunnel-Medium-Type \(g.medium ?? 0), not IPv4 (1)")
                continue
            }
            guard let server = g.server, L2TPEndpoint(server, defaultPort: 1701) != nil else {
                refused.append("tunnel \(tag): Tunnel-Server-Endpoint \(g.server.map { "'\($0)'" } ?? "absent"), not an IPv4 address")
                continue
            }
            var c = TunnelChoice(serverEndpoint: server)
            c.tag = tag
            c.preference = g.preference ?? UInt32.max
            c.password = g.password ?? []
            c.assignmentID = g.assignment; c.clientAuthID = g.client; c.serverAuthID = g.serverAuth
            tunnels.append(c)
        }
        // §3.8: lower Preference first; equal ones keep their Tag order.
        tunnels = tunnels.enumerated().sorted { ($0.element.preference, $0.offset) < ($1.element.preference, $1.offset) }.map(\.element)
        if tunnels.count > TunnelChoice.maximum {
            refused.append("\(tunnels.count - TunnelChoice.maximum) tunnels past the first \(TunnelChoice.maximum)")
            tunnels = Array(tunnels.prefix(TunnelChoice.maximum))
        }
        return (tunnels, refused)
    }
}
