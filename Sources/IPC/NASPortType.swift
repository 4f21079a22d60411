// What kind of port a session came in on, for RADIUS: NAS-Port-Type (RFC
// 2865 §5.41) in the Access-Request and, by RFC 2866 §5.13's table, in
// every Accounting-Request too. linkd knows the port; authd only relays it.

public enum NASPortType {
    /// RFC 2865 §5.41 0 Async: a serial line with async HDLC-like framing
    /// (RFC 1662), what a tty port is.
    public static let async: UInt32 = 0
    /// §5.41 5 Virtual: "a connection to the NAS via some transport
    /// protocol, instead of through a physical port": PPP over UDP or TCP
    /// (and L2TP, which accel-ppp also reports as Virtual).
    public static let virtual: UInt32 = 5
    /// RFC 4603 §2 32 PPPoEoE: PPPoE over Ethernet. accel-ppp sends
    /// Ethernet (15) instead; RFC 4603 exists to tell PPPoE apart from
    /// plain Ethernet, so we follow it (33 PPPoEoVLAN once VLANs exist).
    public static let pppoeOverEthernet: UInt32 = 32
    /// RFC 4603 §2 33 PPPoEoVLAN: a PPPoE session on an 802.1Q/QinQ VLAN (issue 13).
    public static let pppoeOverVLAN: UInt32 = 33

    /// The value for a port of `kind`.
    public static func of(_ kind: PortKind) -> UInt32 {
        switch kind {
        case .tty: async
        case .udp, .tcp, .l2tp: virtual
        case .pppoe: pppoeOverEthernet
        }
    }
}
