// metricsd's settings from pppinit: the address it serves (pppinit bound the
// socket; metricsd names it in its log) and whether per-session series are
// exported (off by default: one series per session is a cardinality the
// Prometheus documentation warns against).

public struct MetricsdSettings: Sendable, Equatable {
    /// "127.0.0.1:9361" or "[::1]:9361".
    public var listen: String
    public var perSession: Bool
    /// How long a scrape waits for the daemons' answers, in seconds.
    public var gatherTimeout: Double

    public init(listen: String, perSession: Bool = false, gatherTimeout: Double = 5) {
        self.listen = listen; self.perSession = perSession; self.gatherTimeout = gatherTimeout
    }

    public func encoded() -> [UInt8] {
        Array(JSON.object(["listen": .string(listen), "per_session": .bool(perSession),
                           "gather_timeout": .double(gatherTimeout)]).encoded().utf8)
    }

    public static func decode(_ bytes: [UInt8]) throws(IPCError) -> MetricsdSettings {
        guard let o = try? JSON.parse(String(decoding: bytes, as: UTF8.self)),
              case let .string(listen)? = o["listen"], case let .bool(perSession)? = o["per_session"],
              let timeout = o["gather_timeout"]?.double, timeout > 0 else {
            throw .invalid(callID: 0, reason: "metricsd settings: expected {listen, per_session, gather_timeout}")
        }
        return MetricsdSettings(listen: listen, perSession: perSession, gatherTimeout: timeout)
    }
}
