// What a subscriber's linkd tells an upstream port's linkd when it dials a
// session for it (PortSessions+Bridge): the LCP and authentication already
// done on the subscriber's side, so an L2TP LAC can send them to its LNS as
// proxy LCP and proxy authentication AVPs (RFC 2661 §4.4.5), and the MRU
// the subscriber receives, which the upstream session asks for in its own
// LCP so nothing larger comes back than the subscriber's link carries.
// Values are octet strings in JSON as lowercase hex.

public struct DialProxy: Equatable, Sendable {
    /// RFC 2661 §4.4.5: the option lists (Configure-Request data, no header)
    /// of the first CONFREQ the subscriber sent, our last, and its last.
    public var initialReceivedConfReq: [UInt8]?
    public var lastSentConfReq: [UInt8]?
    public var lastReceivedConfReq: [UInt8]?
    /// §4.4.5 Proxy Authen Type: 2 CHAP, 3 PAP (the two we proxy).
    public var authenType: UInt16?
    public var authenName: [UInt8]?
    public var authenChallenge: [UInt8]?
    public var authenID: UInt8?
    public var authenResponse: [UInt8]?
    /// RFC 1661 §6.1: the MRU the subscriber's side settled for frames to
    /// it (RFC 2516 §7: 1492 on PPPoE, RFC 4638 more).
    public var mru: UInt16?

    public init() {}

    /// The longest value kept: what fits one L2TP AVP, hidden (§4.3).
    public static let maximumValue = 1000

    public var json: JSONObject {
        var o = JSONObject()
        func put(_ k: String, _ v: [UInt8]?) { if let v { o[k] = .string(Self.hex(v)) } }
        put("initial_received", initialReceivedConfReq); put("last_sent", lastSentConfReq)
        put("last_received", lastReceivedConfReq)
        if let authenType { o["authen_type"] = .int(Int64(authenType)) }
        put("authen_name", authenName); put("authen_challenge", authenChallenge)
        if let authenID { o["authen_id"] = .int(Int64(authenID)) }
        put("authen_response", authenResponse)
        if let mru { o["mru"] = .int(Int64(mru)) }
        return o
    }

    /// Reads it back; a value that is no hex, too long or out of range is
    /// a typed error, never trusted.
    public init(json o: JSONObject) throws(MethodError) {
        func octets(_ k: String) throws(MethodError) -> [UInt8]? {
            guard let v = o[k] else { return nil }
            guard let text = v.string, let bytes = Self.octets(hex: text), bytes.count <= Self.maximumValue else {
                throw MethodError(.badArguments, "dial: proxy '\(k)' must be hex of at most \(Self.maximumValue) octets")
            }
            return bytes
        }
        func number(_ k: String, _ range: ClosedRange<Int64>) throws(MethodError) -> Int64? {
            guard let v = o[k] else { return nil }
            guard let n = v.int, range.contains(n) else {
                throw MethodError(.badArguments, "dial: proxy '\(k)' must be a number in \(range)")
            }
            return n
        }
        initialReceivedConfReq = try octets("initial_received")
        lastSentConfReq = try octets("last_sent")
        lastReceivedConfReq = try octets("last_received")
        authenType = try number("authen_type", 0...0xFFFF).map { UInt16($0) }
        authenName = try octets("authen_name")
        authenChallenge = try octets("authen_challenge")
        authenID = try number("authen_id", 0...0xFF).map { UInt8($0) }
        authenResponse = try octets("authen_response")
        mru = try number("mru", 128...0xFFFF).map { UInt16($0) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func octets(hex text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}
