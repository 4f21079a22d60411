// The arguments of `partner-failed`, the call an upstream port's linkd makes
// (through pppinit's daemon-call table) on a subscriber port's linkd when a
// session it dialled for that subscriber ended before bridged took its
// channel: {"session": SUB, "partner": UP, "reason": TEXT}. Sender and
// receiver share this one codec; whatever does not fit it is refused with a
// typed MethodError before any session is looked at.
#if canImport(IPC)
import IPC
#endif

struct PartnerFailure: Equatable {
    /// The subscriber's session, on the callee's port ("PORT:N").
    let session: String
    /// The upstream session that failed ("PORT:N").
    let partner: String
    /// Why it ended, as the upstream session's reason says.
    let reason: String

    /// A reason longer than this is cut by the sender and refused by the
    /// receiver: it ends up in a Terminate-Request (RFC 1661 §5.5 Data).
    static let maxReason = 240
    static let keys: Set<String> = ["session", "partner", "reason"]

    /// The sender's side: `reason` cut to maxReason octets on a character boundary.
    init(session: String, partner: String, reason: String) {
        self.session = session
        self.partner = partner
        var cut = ""
        for c in reason {
            if cut.utf8.count + String(c).utf8.count > Self.maxReason { break }
            cut.append(c)
        }
        self.reason = cut.isEmpty ? "ended" : cut
    }

    /// The receiver's side: exactly the three keys, well-formed ids, the
    /// session on `port` (the callee's), the partner on another port.
    init(arguments: JSON, port: String) throws(MethodError) {
        let usage = "partner-failed needs {\"session\": \"PORT:N\", \"partner\": \"PORT:N\", \"reason\": \"...\"}"
        guard let o = arguments.object else { throw MethodError(.badArguments, usage) }
        if let extra = o.map(\.key).first(where: { !Self.keys.contains($0) }) {
            throw MethodError(.badArguments, "partner-failed: unknown key '\(extra)'")
        }
        guard case let .string(session)? = o["session"], case let .string(partner)? = o["partner"],
              case let .string(reason)? = o["reason"] else {
            throw MethodError(.badArguments, usage)
        }
        guard let (sessionPort, _) = Self.split(session) else {
            throw MethodError(.badArguments, "partner-failed: session '\(session)' is not PORT:N")
        }
        guard let (partnerPort, _) = Self.split(partner) else {
            throw MethodError(.badArguments, "partner-failed: partner '\(partner)' is not PORT:N")
        }
        guard sessionPort == port else {
            throw MethodError(.badArguments, "partner-failed: session \(session) is not on port \(port)")
        }
        guard partnerPort != port else {
            throw MethodError(.badArguments, "partner-failed: partner \(partner) is on this port, not an upstream")
        }
        guard !reason.isEmpty, reason.utf8.count <= Self.maxReason else {
            throw MethodError(.badArguments, "partner-failed: reason must be 1 to \(Self.maxReason) octets")
        }
        self.session = session
        self.partner = partner
        self.reason = reason
    }

    var arguments: JSON {
        .object(["session": .string(session), "partner": .string(partner), "reason": .string(reason)])
    }

    /// The upstream port of `partner` (an id checked by init).
    var partnerPort: String { Self.split(partner)?.port ?? partner }

    /// "PORT:N" → (PORT, N): a non-empty port, N decimal and at least 1.
    static func split(_ id: String) -> (port: String, number: Int)? {
        guard let colon = id.lastIndex(of: ":") else { return nil }
        let port = id[..<colon], digits = id[id.index(after: colon)...]
        guard !port.isEmpty, !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let n = Int(digits), n >= 1 else { return nil }
        return (String(port), n)
    }
}
