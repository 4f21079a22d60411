// fuzz-sources: Sources/linkd/ProxiedLCP.swift
// fuzz-modules: PPP L2TP
// libFuzzer target: the LCP state an LNS (or our LAC's stand-in call) takes
// from a LAC's proxy LCP AVPs (RFC 2661 §18, §4.4.5): two option lists from
// the input (Last Sent, Last Received; the first octet picks the role and
// the port's policy), decoded with ProxiedLCP.negotiated. A refusal is a
// typed error; a state it takes keeps the port's policy (MRU bounds, the
// required authentication, distinct Magic-Numbers), and the other role
// reads the same lists as the same state with the directions swapped.
import L2TP
import PPP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard bytes.count >= 2 else { return 0 }
    let flags = bytes[0]
    let split = min(Int(bytes[1]), bytes.count - 2)
    var p = ProxyInformation()
    p.lastSentConfReq = flags & 0x10 == 0 ? Array(bytes[2..<(2 + split)]) : nil
    p.lastReceivedConfReq = Array(bytes[(2 + split)...])
    var c = LCPConfiguration()
    c.mru = flags & 1 == 0 ? 1500 : 1492
    if flags & 2 != 0 { c.requiredAuthentication = [.chapMD5] }
    if flags & 4 != 0 { c.acceptedAuthentication = [.pap] }
    c.acceptPFC = flags & 8 == 0
    let role: ProxiedLCP.Role = flags & 0x20 == 0 ? .lns : .caller
    let o: LCPNegotiatedOptions
    do { o = try ProxiedLCP.negotiated(p, role: role, configuration: c) } catch { return 0 }
    if o.localMRU < 128 || o.localMRU > 1500 || !c.acceptableMRU.contains(o.peerMRU) { fatalError("MRU outside the policy") }
    if !c.requiredAuthentication.isEmpty, o.weAuthenticatePeerWith != .chapMD5 { fatalError("authentication not the required one") }
    if let a = o.peerAuthenticatesUsWith, !c.acceptedAuthentication.contains(a) { fatalError("authentication not accepted") }
    if o.localMagicNumber != 0, o.localMagicNumber == o.peerMagicNumber { fatalError("equal Magic-Numbers taken") }
    if o.transmitPFC && !c.acceptPFC { fatalError("PFC not accepted") }
    if o.isMultilink { fatalError("multilink taken over") }
    // The other role, with a policy that accepts what this one took.
    var open = LCPConfiguration()
    open.mru = 1500
    if let other = try? ProxiedLCP.negotiated(p, role: role == .lns ? .caller : .lns, configuration: open),
       other.localMagicNumber != o.peerMagicNumber || other.peerMagicNumber != o.localMagicNumber {
        fatalError("the two roles read different Magic-Numbers")
    }
    return 0
}
