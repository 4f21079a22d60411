// The fixed-shape method replies (MethodReplies.swift): each type's JSON is
// the bytes the daemons answered before the types existed, decodes back to
// the same value, and anything of another shape is refused with a typed
// MethodError (boundary rows: missing, extra, wrong type, empty, null).
import IPC
import Testing

@Suite struct MethodRepliesTests {
    /// A reply, the exact text daemons have always sent for it.
    static func roundTrip<R: MethodReply>(_ r: R, _ text: String) throws {
        #expect(r.json.encoded() == text)
        #expect(try R(json: try JSON.parse(text)) == r)
    }

    @Test func everyReplyRoundTripsAsItsOldText() throws {
        try Self.roundTrip(PingReply(), "{}")
        try Self.roundTrip(SessionKillReply(killed: "acc:3"), #"{"killed":"acc:3"}"#)
        try Self.roundTrip(SessionKillSummary(matched: 2, killed: ["acc:1"]), #"{"matched":2,"killed":["acc:1"]}"#)
        try Self.roundTrip(SessionKillSummary(matched: 0, killed: []), #"{"matched":0,"killed":[]}"#)
        try Self.roundTrip(DialReply(session: "up0:7"), #"{"session":"up0:7"}"#)
        try Self.roundTrip(BridgeReply(id: "a:1", with: "a:2", transfers: 1), #"{"id":"a:1","with":"a:2","transfers":1}"#)
        try Self.roundTrip(BridgeReply(id: "a:1", with: "b:2"), #"{"id":"a:1","with":"b:2"}"#)
        try Self.roundTrip(UnbridgeReply(id: "a:1", partner: "b:2"), #"{"id":"a:1","partner":"b:2"}"#)
        try Self.roundTrip(UnbridgeReply(id: "a:1", partner: nil), #"{"id":"a:1","partner":null}"#)
        try Self.roundTrip(PartnerFailedReply(session: "acc:1", partner: "up0:3"),
                           #"{"session":"acc:1","partner":"up0:3","closed":true}"#)
        try Self.roundTrip(PartnerFailedReply(session: "acc:1", partner: "up0:3", ignored: "gone"),
                           #"{"session":"acc:1","partner":"up0:3","closed":false,"ignored":"gone"}"#)
    }

    /// (what, decoder, text): each must be refused with .failed.
    static let refusals: [(String, @Sendable (JSON) throws(MethodError) -> Void, String)] = [
        ("ping not an object", { j throws(MethodError) in _ = try PingReply(json: j) }, "[]"),
        ("ping with a member", { j throws(MethodError) in _ = try PingReply(json: j) }, #"{"x":1}"#),
        ("kill missing", { j throws(MethodError) in _ = try SessionKillReply(json: j) }, "{}"),
        ("kill empty id", { j throws(MethodError) in _ = try SessionKillReply(json: j) }, #"{"killed":""}"#),
        ("kill number", { j throws(MethodError) in _ = try SessionKillReply(json: j) }, #"{"killed":3}"#),
        ("kill extra key", { j throws(MethodError) in _ = try SessionKillReply(json: j) }, #"{"killed":"a:1","x":1}"#),
        ("summary negative", { j throws(MethodError) in _ = try SessionKillSummary(json: j) }, #"{"matched":-1,"killed":[]}"#),
        ("summary more killed than matched", { j throws(MethodError) in _ = try SessionKillSummary(json: j) }, #"{"matched":0,"killed":["a:1"]}"#),
        ("summary id not text", { j throws(MethodError) in _ = try SessionKillSummary(json: j) }, #"{"matched":1,"killed":[1]}"#),
        ("summary no list", { j throws(MethodError) in _ = try SessionKillSummary(json: j) }, #"{"matched":1}"#),
        ("dial null", { j throws(MethodError) in _ = try DialReply(json: j) }, #"{"session":null}"#),
        ("dial array", { j throws(MethodError) in _ = try DialReply(json: j) }, #"["up0:1"]"#),
        ("bridge no with", { j throws(MethodError) in _ = try BridgeReply(json: j) }, #"{"id":"a:1"}"#),
        ("bridge transfers 0", { j throws(MethodError) in _ = try BridgeReply(json: j) }, #"{"id":"a:1","with":"a:2","transfers":0}"#),
        ("bridge transfers text", { j throws(MethodError) in _ = try BridgeReply(json: j) }, #"{"id":"a:1","with":"a:2","transfers":"1"}"#),
        ("unbridge no partner key", { j throws(MethodError) in _ = try UnbridgeReply(json: j) }, #"{"id":"a:1"}"#),
        ("unbridge partner empty", { j throws(MethodError) in _ = try UnbridgeReply(json: j) }, #"{"id":"a:1","partner":""}"#),
        ("partner-failed closed with a reason", { j throws(MethodError) in _ = try PartnerFailedReply(json: j) },
         #"{"session":"a:1","partner":"u:1","closed":true,"ignored":"x"}"#),
        ("partner-failed not closed without one", { j throws(MethodError) in _ = try PartnerFailedReply(json: j) },
         #"{"session":"a:1","partner":"u:1","closed":false}"#),
        ("partner-failed closed not a bool", { j throws(MethodError) in _ = try PartnerFailedReply(json: j) },
         #"{"session":"a:1","partner":"u:1","closed":1}"#),
        ("partner-failed no partner", { j throws(MethodError) in _ = try PartnerFailedReply(json: j) },
         #"{"session":"a:1","closed":true}"#),
    ]

    @Test(arguments: refusals.indices)
    func malformedRepliesAreRefusedWithATypedError(_ i: Int) throws {
        try Self.expectRefused(Self.refusals[i])
    }

    /// One boundary row: the text parses as JSON, and the decoder refuses it
    /// with .failed (also used by ListingRepliesTests).
    static func expectRefused(_ row: (String, @Sendable (JSON) throws(MethodError) -> Void, String)) throws {
        let (what, decode, text) = row
        let json = try JSON.parse(text)
        do {
            try decode(json)
            Issue.record("\(what): accepted")
        } catch {
            #expect(error.code == .failed, "\(what): \(error.code)")
        }
    }

    /// partner-failed's arguments are a MethodArguments like the others:
    /// the catalogue shows their shape, and init(json:) checks it.
    @Test func partnerFailedArgumentsAreInTheCatalogue() throws {
        #expect(DaemonMethod.partnerFailed.arguments == PartnerFailedArguments.shape)
        let a = try PartnerFailedArguments(json: ["session": "acc:1", "partner": "up0:3", "reason": "r"])
        #expect(try PartnerFailedArguments(json: a.json) == a)
    }
}
