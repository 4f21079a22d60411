// What linkd deposits in pppinit's fd store for one tunnel of an l2tp port
// (docs/design.md "L2TP (issue 16)"): the peer's UDP address, which of the
// port's LNSs it is (a LAC's failover order), the tunnel's own record
// (Tunnel.record) and the linkd session ("PORT:N") carrying each call. A
// restarted linkd rebuilds the tunnel from it and finds each call's session
// among the sessions it deposited. Version 1; any other is refused.

public struct TunnelDeposit: Equatable, Sendable {
    static let version: UInt8 = 1

    public struct Call: Equatable, Sendable {
        public var sessionID: UInt16
        public var linkSession: String
        public init(sessionID: UInt16, linkSession: String) {
            self.sessionID = sessionID
            self.linkSession = linkSession
        }
    }

    /// IPv4, host order.
    public var peerAddress: UInt32
    public var peerPort: UInt16
    public var serverIndex: UInt16
    /// Tunnel.record.
    public var tunnel: [UInt8]
    public var calls: [Call] = []

    public init(peerAddress: UInt32, peerPort: UInt16, serverIndex: UInt16, tunnel: [UInt8]) {
        self.peerAddress = peerAddress
        self.peerPort = peerPort
        self.serverIndex = serverIndex
        self.tunnel = tunnel
    }

    public var record: [UInt8] {
        var w = RecordWriter()
        w.u8(Self.version)
        w.u32(peerAddress); w.u16(peerPort); w.u16(serverIndex)
        w.longBlob(tunnel)
        w.u16(UInt16(clamping: calls.count))
        for c in calls.prefix(Int(UInt16.max)) {
            w.u16(c.sessionID)
            w.blob(Array(c.linkSession.utf8.prefix(255)))
        }
        return w.bytes
    }

    public init(record: [UInt8]) throws(L2TPError) {
        var r = RecordReader(record[...])
        let version = try r.u8()
        guard version == Self.version else { throw .badRecord("tunnel deposit version \(version), expected 1") }
        peerAddress = try r.u32(); peerPort = try r.u16(); serverIndex = try r.u16()
        tunnel = try r.longBlob()
        let count = Int(try r.u16())
        for _ in 0..<count {
            let id = try r.u16()
            let name = try r.blob()
            guard id != 0, name.count <= 255, let text = String(validating: name, as: UTF8.self) else {
                throw .badRecord("call \(id): session name")
            }
            calls.append(Call(sessionID: id, linkSession: text))
        }
        try r.finish()
    }
}
