// What an LNS may conclude from a LAC's proxy LCP and authentication AVPs
// (RFC 2661 §4.4.5) before trusting any of it: the three CONFREQ AVPs must
// be LCP option lists (RFC 1661 §6: Type, Length >= 2, within the list),
// the Proxy Authen Type one §4.4.5 defines, and the values that type needs
// present. The AVP parser (ControlMessage) checked the sizes of each AVP;
// this checks what they say together.

extension ProxyInformation {
    /// One LCP option of a CONFREQ AVP (RFC 1661 §6).
    public struct Option: Equatable, Sendable {
        public var type: UInt8
        public var data: ArraySlice<UInt8>
    }

    /// The options of a CONFREQ AVP's value (the Configure-Request's data,
    /// without its code, identifier and length: §4.4.5), or a typed error
    /// for an option whose Length is below 2 or runs past the value.
    public static func options(_ list: [UInt8], attribute: AVPType) throws(L2TPError) -> [Option] {
        var result: [Option] = []
        var i = list.startIndex
        while i < list.endIndex {
            guard list.endIndex - i >= 2 else { throw .invalidValue(type: attribute.rawValue) }
            let length = Int(list[i + 1])
            guard length >= 2, length <= list.endIndex - i else { throw .invalidValue(type: attribute.rawValue) }
            result.append(Option(type: list[i], data: list[(i + 2)..<(i + length)]))
            i += length
        }
        return result
    }

    /// §4.4.5, checked as a whole: the LCP lists parse, a Proxy Authen Type
    /// is one of 1-5 and comes with what it needs (PAP: name and response;
    /// CHAP and MS-CHAPv1: name, challenge, ID and response), and no
    /// authentication value arrives without a type. Absent AVPs are fine:
    /// every one of them is optional in an ICCN (§6.8).
    public func check() throws(L2TPError) {
        for (value, attribute) in [(initialReceivedConfReq, AVPType.initialReceivedLCPConfReq),
                                   (lastSentConfReq, .lastSentLCPConfReq), (lastReceivedConfReq, .lastReceivedLCPConfReq)] {
            if let value { _ = try Self.options(value, attribute: attribute) }
        }
        let iccn = MessageType.iccn.rawValue
        guard let type = authenType else {
            if authenName != nil || authenChallenge != nil || authenID != nil || authenResponse != nil {
                throw .missingAVP(message: iccn, type: AVPType.proxyAuthenType.rawValue)
            }
            return
        }
        func need(_ present: Bool, _ a: AVPType) throws(L2TPError) {
            if !present { throw .missingAVP(message: iccn, type: a.rawValue) }
        }
        switch type {
        case Self.pap:
            try need(authenName != nil, .proxyAuthenName)
            try need(authenResponse != nil, .proxyAuthenResponse)
        case Self.chap, Self.msChapV1:
            try need(authenName != nil, .proxyAuthenName)
            try need(authenChallenge.map { !$0.isEmpty } ?? false, .proxyAuthenChallenge)
            try need(authenID != nil, .proxyAuthenID)
            try need(authenResponse.map { !$0.isEmpty } ?? false, .proxyAuthenResponse)
        case Self.textual, Self.noAuthentication:
            break
        default:
            throw .invalidValue(type: AVPType.proxyAuthenType.rawValue)
        }
    }

    /// The proxied LCP's MRU (RFC 1661 §6.1, option 1): what the caller
    /// asked the LAC for in its last Configure-Request, nil when absent.
    public var callerMRU: UInt16? {
        guard let list = lastReceivedConfReq,
              let o = try? Self.options(list, attribute: .lastReceivedLCPConfReq).first(where: { $0.type == 1 }),
              o.data.count == 2 else { return nil }
        return UInt16(o.data[o.data.startIndex]) << 8 | UInt16(o.data[o.data.startIndex + 1])
    }

    /// For the log: which AVPs came and what they say, no secret value.
    public var summary: String {
        if isEmpty { return "no proxy LCP or authentication" }
        var parts: [String] = []
        let lcp = [initialReceivedConfReq, lastSentConfReq, lastReceivedConfReq].compactMap { $0?.count }
        if !lcp.isEmpty { parts.append("proxy LCP (\(lcp.map { "\($0)" }.joined(separator: "/")) octets\(callerMRU.map { ", caller MRU \($0)" } ?? ""))") }
        if let authenType {
            let names: [UInt16: String] = [Self.textual: "textual", Self.chap: "CHAP", Self.pap: "PAP",
                                           Self.noAuthentication: "none", Self.msChapV1: "MS-CHAPv1"]
            let who = authenName.map { " as \(String(decoding: $0.prefix(64), as: UTF8.self))" } ?? ""
            parts.append("proxy authentication \(names[authenType] ?? "type \(authenType)")\(who)")
        }
        return parts.joined(separator: ", ")
    }
}
