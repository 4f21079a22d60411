// The record linkd deposits for each tunnel of an l2tp port (StoreKey
// .tunnel(ID), no descriptors: the UDP socket is the port's), read back
// after a restart (L2TPTransport+Resume). Fuzz/L2TPTunnelDeposit.swift
// compiles this file with IPC's and L2TP's sources, hence the conditional
// import.
#if canImport(IPC)
import IPC
#endif

/// The record under StoreKey.tunnel(ID): the peer, the tunnel's own record
/// (Tunnel.record) and which linkd session ("PORT:N") carries each call.
/// Version 1; another version is refused (the tunnel is then lost).
struct L2TPTunnelDeposit {
    static let version: UInt8 = 1
    var peer: L2TPEndpoint
    var serverIndex: Int
    var tunnel: [UInt8]
    var calls: [(sessionID: UInt16, linkSession: String)] = []

    init(peer: L2TPEndpoint, serverIndex: Int, tunnel: [UInt8]) {
        self.peer = peer
        self.serverIndex = serverIndex
        self.tunnel = tunnel
    }

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 256 + tunnel.count)
        w.u8(Self.version)
        w.u32(peer.address); w.u16(peer.port); w.u16(UInt16(clamping: serverIndex))
        w.blob(tunnel)
        w.u16(UInt16(clamping: calls.count))
        for c in calls { w.u16(c.sessionID); w.string(c.linkSession) }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(IPCError) -> L2TPTunnelDeposit {
        var r = ByteReader(bytes)
        let v = try r.u8()
        guard v == version else { throw .invalid(callID: 0, reason: "l2tp tunnel record version \(v), expected \(version)") }
        let peer = L2TPEndpoint(address: try r.u32(), port: try r.u16())
        var d = L2TPTunnelDeposit(peer: peer, serverIndex: Int(try r.u16()), tunnel: try r.blob(max: 1 << 20))
        let count = Int(try r.u16())
        for _ in 0..<count { d.calls.append((try r.u16(), try r.string())) }
        try r.finish()
        return d
    }
}
