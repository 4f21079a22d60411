// partner-failed's arguments (PartnerFailedArguments): what the subscriber's linkd
// accepts from an upstream's linkd, as a table of refusals with their typed
// MethodError, and the sender's side (reason cut to fit, round trip).
import IPC
import Testing


@Suite struct PartnerFailedArgumentsTests {
    static let good: JSON = ["session": "acc:1", "partner": "up0:3", "reason": "PPPoE discovery failed: no PADO after 2 PADI"]

    @Test func wellFormedArgumentsAreAccepted() throws {
        let f = try PartnerFailedArguments(arguments: Self.good, port: "acc")
        #expect(f.session == "acc:1" && f.partner == "up0:3" && f.partnerPort == "up0")
        #expect(f.reason == "PPPoE discovery failed: no PADO after 2 PADI")
        // The sender's encoding is what the receiver takes back.
        #expect(try PartnerFailedArguments(arguments: f.json, port: "acc") == f)
        // A port name may itself contain ':' (the number is after the last).
        let odd = try PartnerFailedArguments(arguments: ["session": "a:b:12", "partner": "up:1", "reason": "x"], port: "a:b")
        #expect(odd.session == "a:b:12")
    }

    static let refusals: [(String, JSON)] = [
        ("not an object", ["acc:1"]),
        ("empty object", [:]),
        ("no session", ["partner": "up0:3", "reason": "r"]),
        ("no partner", ["session": "acc:1", "reason": "r"]),
        ("no reason", ["session": "acc:1", "partner": "up0:3"]),
        ("session not a string", ["session": 1, "partner": "up0:3", "reason": "r"]),
        ("partner null", ["session": "acc:1", "partner": nil, "reason": "r"]),
        ("reason not a string", ["session": "acc:1", "partner": "up0:3", "reason": ["r"]]),
        ("unknown key", ["session": "acc:1", "partner": "up0:3", "reason": "r", "force": true]),
        ("session without number", ["session": "acc", "partner": "up0:3", "reason": "r"]),
        ("session number empty", ["session": "acc:", "partner": "up0:3", "reason": "r"]),
        ("session number 0", ["session": "acc:0", "partner": "up0:3", "reason": "r"]),
        ("session number signed", ["session": "acc:+1", "partner": "up0:3", "reason": "r"]),
        ("session number not decimal", ["session": "acc:1x", "partner": "up0:3", "reason": "r"]),
        ("session number too long", ["session": .string("acc:" + String(repeating: "9", count: 19)), "partner": "up0:3", "reason": "r"]),
        ("session port empty", ["session": ":1", "partner": "up0:3", "reason": "r"]),
        ("session on another port", ["session": "acc2:1", "partner": "up0:3", "reason": "r"]),
        ("partner malformed", ["session": "acc:1", "partner": "up0", "reason": "r"]),
        ("partner on this port", ["session": "acc:1", "partner": "acc:2", "reason": "r"]),
        ("reason empty", ["session": "acc:1", "partner": "up0:3", "reason": ""]),
        ("reason one octet too long", ["session": "acc:1", "partner": "up0:3",
                                       "reason": .string(String(repeating: "r", count: PartnerFailedArguments.maxReason + 1))]),
    ]

    @Test(arguments: refusals.indices)
    func badArgumentsAreRefusedWithATypedError(_ i: Int) {
        let (what, args) = Self.refusals[i]
        do {
            _ = try PartnerFailedArguments(arguments: args, port: "acc")
            Issue.record("\(what): accepted")
        } catch {
            #expect(error.code == .badArguments, "\(what): \(error.code) \(error.reason)")
            #expect(error.reason.hasPrefix("partner-failed"), "\(what): \(error.reason)")
        }
    }

    @Test func reasonAtTheLimitIsAccepted() throws {
        let reason = String(repeating: "r", count: PartnerFailedArguments.maxReason)
        let f = try PartnerFailedArguments(arguments: ["session": "acc:1", "partner": "up0:3", "reason": .string(reason)], port: "acc")
        #expect(f.reason.utf8.count == PartnerFailedArguments.maxReason)
    }

    /// The sender cuts a long reason on a character boundary, so what it
    /// sends always passes the receiver's check.
    @Test func senderCutsTheReasonToFit() throws {
        let long = String(repeating: "é", count: PartnerFailedArguments.maxReason)  // 2 octets each
        let f = PartnerFailedArguments(session: "acc:1", partner: "up0:3", reason: long)
        #expect(f.reason.utf8.count <= PartnerFailedArguments.maxReason && f.reason.utf8.count >= PartnerFailedArguments.maxReason - 1)
        #expect(f.reason.allSatisfy { $0 == "é" })
        #expect(try PartnerFailedArguments(arguments: f.json, port: "acc") == f)
        #expect(PartnerFailedArguments(session: "acc:1", partner: "up0:3", reason: "").reason == "ended")
    }
}
