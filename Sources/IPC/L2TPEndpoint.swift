// An L2TP peer's UDP address (RFC 2661 §8.1: L2TP over UDP/IP, port 1701):
// IPv4 address and port as plain numbers, so linkd can key tunnels by it and
// pppinit can check the config with the same parser. IPv6 is not offered:
// RFC 2868's Tunnel-Medium-Type for the LNSs we are told of is IPv4.

public struct L2TPEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// Host order.
    public var address: UInt32
    public var port: UInt16

    public init(address: UInt32, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// "a.b.c.d:port", or "a.b.c.d" with `defaultPort` when one is given.
    public init?(_ text: String, defaultPort: UInt16? = nil) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = parts.first, let address = IPv4.parse(String(host)) else { return nil }
        switch parts.count {
        case 1:
            guard let defaultPort else { return nil }
            port = defaultPort
        case 2:
            guard let p = UInt16(parts[1]) else { return nil }
            port = p
        default:
            return nil
        }
        self.address = address
    }

    public var description: String { "\(IPv4.format(address)):\(port)" }
}
