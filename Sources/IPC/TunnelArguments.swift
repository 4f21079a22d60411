// linkd's `tunnel-kill`: one tunnel of an l2tp port, by our Tunnel ID
// (RFC 2661 §4.4.3 Assigned Tunnel ID, 1-65535), as `tunnels` lists it.

public struct TunnelArguments: MethodArguments {
    public static let shape = #"{"id": N}"#
    public var id: UInt16
    public init(id: UInt16) { self.id = id }
    public init(json: JSON) throws(MethodError) {
        guard let n = json["id"]?.int, n >= 1, n <= 65_535 else {
            throw MethodError(.badArguments, "tunnel-kill needs \(Self.shape) with N from 1 to 65535")
        }
        id = UInt16(n)
    }
    public var json: JSON { .object(["id": .int(Int64(id))]) }
}
