// What an l2tp port adds to PortSettings (RFC 2661): the role, our Host Name,
// the tunnel secret (§5.1.1) and a secret per peer, the LNS addresses a LAC tries in order, the
// peers an LNS accepts, HELLO and data sequencing. pppinit parses them
// (RouterConfig+L2TP.swift); linkd only sees this codec.

public enum L2TPRole: UInt8, Sendable, CaseIterable {
    /// Places incoming calls (§7.4.1) into tunnels it opens to an LNS.
    case lac = 1
    /// Accepts tunnels and answers incoming calls (§7.4.2).
    case lns = 2
    public var name: String { self == .lac ? "lac" : "lns" }
}

public struct L2TPSettings: Equatable, Sendable {
    public var role: L2TPRole = .lns
    /// §4.4.3 Host Name we send ("" = "ppprouter").
    public var hostName: String = ""
    /// §5.1.1 tunnel authentication secret ("" = none: no Challenge sent,
    /// a Challenge received is refused).
    public var secret: String = ""
    /// LAC: the LNSs, "a.b.c.d:port", tried in order; the next one when a
    /// tunnel to one gets no answer (§5.8 retransmissions exhausted).
    public var servers: [String] = []
    /// LNS: the IPv4 addresses allowed to open tunnels (empty = any).
    public var peers: [String] = []
    /// §5.5: seconds of silence before a HELLO.
    public var helloInterval: UInt32 = 60
    /// LNS: Ns on data messages (§5.4: the LNS decides).
    public var sequenceData: Bool = false
    /// Sessions per tunnel at most.
    public var maxSessions: UInt32 = 4096
    /// LAC: seconds a tunnel stays up after its last call, for the next.
    public var idleHold: UInt32 = 10
    /// §5.1.1 "a single shared secret ... between the LAC and LNS": a secret
    /// per peer (LNS address for a LAC, LAC address for an LNS), in place
    /// of `secret` for that peer; sorted by address.
    public var peerSecrets: [PeerSecret] = []
    /// LNS, RFC 2661 §18 (§4.4.5's proxy AVPs): calls start in the LCP
    /// state the LAC's proxy LCP describes instead of renegotiating (off:
    /// renegotiate, as xl2tpd and accel-ppp do unless told otherwise).
    public var proxyLCP: Bool = false
    /// LNS, with `proxyLCP`: the LAC's proxied PAP or CHAP is checked by
    /// authd (secrets or RADIUS) instead of challenging the caller again.
    public var proxyAuth: Bool = false
    /// LNS: the peers (IPv4 addresses) whose proxy AVPs are trusted; empty:
    /// every peer the port accepts. (Juniper's and HPE's LNSs choose per
    /// LAC, too.)
    public var proxyPeers: [String] = []

    public struct PeerSecret: Equatable, Sendable {
        /// The peer's IPv4 address, "a.b.c.d".
        public var peer: String
        public var secret: String
        public init(peer: String, secret: String) { self.peer = peer; self.secret = secret }
    }

    public init() {}

    /// PortSettings version 9: the proxy trust (after the PPPoE VLANs).
    public func encodeProxy(into w: inout ByteWriter) {
        w.bool(proxyLCP); w.bool(proxyAuth)
        w.u16(UInt16(proxyPeers.count)); for p in proxyPeers { w.string(p) }
    }

    public mutating func decodeProxy(_ r: inout ByteReader) throws(IPCError) {
        proxyLCP = try r.bool(); proxyAuth = try r.bool()
        let count = Int(try r.u16())
        guard count <= 1024 else { throw .invalid(callID: 0, reason: "l2tp: \(count) proxy peers, at most 1024") }
        proxyPeers = []
        for _ in 0..<count { proxyPeers.append(try r.string()) }
        guard proxyLCP || !proxyAuth else { throw .invalid(callID: 0, reason: "l2tp: proxy authentication without proxy LCP") }
    }

    public func encode(into w: inout ByteWriter) {
        w.u8(role.rawValue); w.string(hostName); w.string(secret)
        w.u16(UInt16(servers.count)); for s in servers { w.string(s) }
        w.u16(UInt16(peers.count)); for p in peers { w.string(p) }
        w.u32(helloInterval); w.bool(sequenceData); w.u32(maxSessions); w.u32(idleHold)
        w.u16(UInt16(peerSecrets.count)); for p in peerSecrets { w.string(p.peer); w.string(p.secret) }
    }

    public static func decode(_ r: inout ByteReader, peerSecrets: Bool = true) throws(IPCError) -> L2TPSettings {
        var s = L2TPSettings()
        guard let role = L2TPRole(rawValue: try r.u8()) else { throw .invalid(callID: 0, reason: "l2tp role") }
        s.role = role
        s.hostName = try r.string(); s.secret = try r.string()
        let servers = Int(try r.u16())
        guard servers <= 64 else { throw .invalid(callID: 0, reason: "l2tp: \(servers) servers, at most 64") }
        for _ in 0..<servers { s.servers.append(try r.string()) }
        let peers = Int(try r.u16())
        guard peers <= 1024 else { throw .invalid(callID: 0, reason: "l2tp: \(peers) peers, at most 1024") }
        for _ in 0..<peers { s.peers.append(try r.string()) }
        s.helloInterval = try r.u32(); s.sequenceData = try r.bool(); s.maxSessions = try r.u32(); s.idleHold = try r.u32()
        guard peerSecrets else { return s }
        let secrets = Int(try r.u16())
        guard secrets <= 1024 else { throw .invalid(callID: 0, reason: "l2tp: \(secrets) peer secrets, at most 1024") }
        for _ in 0..<secrets { s.peerSecrets.append(PeerSecret(peer: try r.string(), secret: try r.string())) }
        return s
    }
}
