// The arguments of linkd's `partner-failed`, the call an upstream port's
// linkd makes (through pppinit's daemon-call table) on a subscriber port's
// linkd when a session it dialled for that subscriber ended before bridged
// took its channel: {"session": SUB, "partner": UP, "reason": TEXT}. Sender
// and receiver share this one codec; whatever does not fit it is refused
// with a typed MethodError before any session is looked at. In a file of its
// own (JSON and MethodError only) so its fuzz target builds without the
// method catalogue; not named after the type because swiftc refuses two
// files of one name and the fuzz target is Fuzz/PartnerFailedArguments.swift.

public struct PartnerFailedArguments: Equatable, Sendable {
    public static let shape = #"{"session": "PORT:N", "partner": "PORT:M", "reason": TEXT}"#
    /// The subscriber's session, on the callee's port ("PORT:N").
    public let session: String
    /// The upstream session that failed ("PORT:N").
    public let partner: String
    /// Why it ended, as the upstream session's reason says.
    public let reason: String

    /// A reason longer than this is cut by the sender and refused by the
    /// receiver: it ends up in a Terminate-Request (RFC 1661 §5.5 Data).
    public static let maxReason = 240
    static let keys: Set<String> = ["session", "partner", "reason"]

    /// The sender's side: `reason` cut to maxReason octets on a character boundary.
    public init(session: String, partner: String, reason: String) {
        self.session = session
        self.partner = partner
        var cut = ""
        for c in reason {
            if cut.utf8.count + String(c).utf8.count > Self.maxReason { break }
            cut.append(c)
        }
        self.reason = cut.isEmpty ? "ended" : cut
    }

    /// The shape alone: exactly the three keys, well-formed ids, a reason
    /// of 1 to maxReason octets. Which port the ids name is the receiver's
    /// check (`init(arguments:port:)`).
    public init(json arguments: JSON) throws(MethodError) {
        let usage = "partner-failed needs \(Self.shape)"
        guard let o = arguments.object else { throw MethodError(.badArguments, usage) }
        if let extra = o.map(\.key).first(where: { !Self.keys.contains($0) }) {
            throw MethodError(.badArguments, "partner-failed: unknown key '\(extra)'")
        }
        guard case let .string(session)? = o["session"], case let .string(partner)? = o["partner"],
              case let .string(reason)? = o["reason"] else {
            throw MethodError(.badArguments, usage)
        }
        guard Self.split(session) != nil else {
            throw MethodError(.badArguments, "partner-failed: session '\(session)' is not PORT:N")
        }
        guard Self.split(partner) != nil else {
            throw MethodError(.badArguments, "partner-failed: partner '\(partner)' is not PORT:N")
        }
        guard !reason.isEmpty, reason.utf8.count <= Self.maxReason else {
            throw MethodError(.badArguments, "partner-failed: reason must be 1 to \(Self.maxReason) octets")
        }
        self.session = session
        self.partner = partner
        self.reason = reason
    }

    /// The receiver's side: the shape, the session on `port` (the callee's),
    /// the partner on another port.
    public init(arguments: JSON, port: String) throws(MethodError) {
        try self.init(json: arguments)
        guard Self.split(session)?.port == port else {
            throw MethodError(.badArguments, "partner-failed: session \(session) is not on port \(port)")
        }
        guard partnerPort != port else {
            throw MethodError(.badArguments, "partner-failed: partner \(partner) is on this port, not an upstream")
        }
    }

    public var json: JSON {
        .object(["session": .string(session), "partner": .string(partner), "reason": .string(reason)])
    }

    /// The upstream port of `partner` (an id checked by init).
    public var partnerPort: String { Self.split(partner)?.port ?? partner }

    /// "PORT:N" → (PORT, N): a non-empty port, N decimal and at least 1.
    public static func split(_ id: String) -> (port: String, number: Int)? {
        guard let colon = id.lastIndex(of: ":") else { return nil }
        let port = id[..<colon], digits = id[id.index(after: colon)...]
        guard !port.isEmpty, !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let n = Int(digits), n >= 1 else { return nil }
        return (String(port), n)
    }
}
