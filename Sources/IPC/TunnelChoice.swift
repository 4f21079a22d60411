// One tunnel a RADIUS Access-Accept assigns a user (RFC 2868 §3, tagged
// attributes of one tunnel gathered by Tag): where an L2TP LAC places that
// user's call, with which tunnel secret and names. authd builds them from
// the answer (Tunnel-Type L2TP, Tunnel-Medium-Type IPv4 only), ordered by
// Tunnel-Preference; linkd's bridging dials them in that order, before any
// `lns` list of the port (docs/design.md "L2TP (issue 16)").

public struct TunnelChoice: Equatable, Sendable {
    /// §3: the Tag that grouped the attributes (0 for untagged ones).
    public var tag: UInt8 = 0
    /// §3.8 Tunnel-Preference: lower first; absent sorts after any value.
    public var preference: UInt32 = UInt32.max
    /// §3.4 Tunnel-Server-Endpoint: "a.b.c.d" or "a.b.c.d:port" (1701 if none).
    public var serverEndpoint: String
    /// §3.5 Tunnel-Password, decrypted: the tunnel secret (RFC 2661 §5.1.1); empty = none.
    public var password: [UInt8] = []
    /// §3.7 Tunnel-Assignment-ID: calls with the same endpoint and id share a tunnel.
    public var assignmentID: String = ""
    /// §3.9 Tunnel-Client-Auth-ID: our Host Name in the SCCRQ ("" = the port's).
    public var clientAuthID: String = ""
    /// §3.10 Tunnel-Server-Auth-ID: the Host Name the LNS must give ("" = any).
    public var serverAuthID: String = ""

    public init(serverEndpoint: String) { self.serverEndpoint = serverEndpoint }

    /// At most this many tunnels per answer (RFC 2868 tags are 1-31).
    public static let maximum = 8

    public func encode(into w: inout ByteWriter) {
        w.u8(tag); w.u32(preference); w.string(serverEndpoint); w.blob(password)
        w.string(assignmentID); w.string(clientAuthID); w.string(serverAuthID)
    }

    public static func decode(_ r: inout ByteReader) throws(IPCError) -> TunnelChoice {
        let tag = try r.u8(), preference = try r.u32()
        var c = TunnelChoice(serverEndpoint: try r.string())
        c.tag = tag; c.preference = preference
        c.password = try r.blob(max: 255)
        c.assignmentID = try r.string(); c.clientAuthID = try r.string(); c.serverAuthID = try r.string()
        return c
    }

    public var json: JSONObject {
        ["tag": .int(Int64(tag)), "preference": .int(Int64(preference)), "server": .string(serverEndpoint),
         "password": .string(DialProxy.hex(password)), "assignment_id": .string(assignmentID),
         "client_auth_id": .string(clientAuthID), "server_auth_id": .string(serverAuthID)]
    }

    public init(json o: JSONObject) throws(MethodError) {
        guard let server = o["server"]?.string, L2TPEndpoint(server, defaultPort: 1701) != nil,
              let tag = o["tag"]?.int, (0...31).contains(tag), let preference = o["preference"]?.int,
              (0...Int64(UInt32.max)).contains(preference), let pw = o["password"]?.string,
              let password = DialProxy.octets(hex: pw), password.count <= 255,
              let assignment = o["assignment_id"]?.string, let client = o["client_auth_id"]?.string,
              let serverAuth = o["server_auth_id"]?.string else {
            throw MethodError(.badArguments, "dial: a tunnel needs server (IPv4), tag, preference, password (hex), assignment_id, client_auth_id, server_auth_id")
        }
        self.init(serverEndpoint: server)
        self.tag = UInt8(tag); self.preference = UInt32(preference); self.password = password
        assignmentID = assignment; clientAuthID = client; serverAuthID = serverAuth
    }
}
