// The header and AVP codecs as boundary tables (RFC 2661 §3.1, §4.1, §4.4):
// short, long, trailing, zero-length and hidden-with-bad-length input, every
// attribute's size rule, MD5 against RFC 1321's vectors, and message round trips.
import Testing
@testable import L2TP

func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }

/// A control datagram around `body` (§3.1: T, L, S; Ver 2).
func controlDatagram(_ body: [UInt8], tunnel: UInt16 = 1, session: UInt16 = 0, ns: UInt16 = 0, nr: UInt16 = 0) -> [UInt8] {
    var bytes: [UInt8] = []
    L2TPHeader.control(tunnelID: tunnel, sessionID: session, ns: ns, nr: nr, length: 12 + body.count).append(to: &bytes)
    return bytes + body
}

/// One raw AVP: flags|length, vendor, type, value.
func rawAVP(_ type: UInt16, _ value: [UInt8], bits: UInt16 = 0x8000, length: Int? = nil, vendor: UInt16 = 0) -> [UInt8] {
    let l = UInt16(length ?? 6 + value.count)
    return [UInt8((bits | l) >> 8), UInt8((bits | l) & 0xff), UInt8(vendor >> 8), UInt8(vendor & 0xff),
            UInt8(type >> 8), UInt8(type & 0xff)] + value
}

let helloType = rawAVP(0, [0, 6])

@Suite struct CodecTests {
    @Test func md5MatchesRFC1321() {
        #expect(hex(MD5.digest([])) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(hex(MD5.digest(Array("abc".utf8))) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(hex(MD5.digest(Array("12345678901234567890123456789012345678901234567890123456789012345678901234567890".utf8)))
            == "57edf4a22be3c955ac49da2e2107b67a")
        // Split updates across the 64-octet block boundary give the same digest.
        var md5 = MD5()
        md5.update(Array("1234567890123456789012345678901234567890123456789012345".utf8))
        md5.update(Array("6789012345678901234567890".utf8))
        #expect(hex(md5.finish()) == "57edf4a22be3c955ac49da2e2107b67a")
    }

    @Test(arguments: [
        // (datagram, expected error or nil)
        ([UInt8](), L2TPError.truncated(needed: 6, available: 0)),
        ([0xc8, 0x02, 0, 12, 0, 1], L2TPError.truncated(needed: 12, available: 6)),
        ([0xc8, 0x01, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0], L2TPError.badVersion(1)),
        ([0xc8, 0x03, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0], L2TPError.badVersion(3)),
        ([0x88, 0x02, 0, 1, 0, 0, 0, 0, 0, 0], L2TPError.badControlFlags(0x8802)),  // no L
        ([0xc0, 0x02, 0, 8, 0, 1, 0, 0], L2TPError.badControlFlags(0xc002)),  // no S
        ([0xca, 0x02, 0, 14, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], L2TPError.badControlFlags(0xca02)),  // O
        ([0xc9, 0x02, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0], L2TPError.badControlFlags(0xc902)),  // P
        ([0xc8, 0x02, 0, 13, 0, 1, 0, 0, 0, 0, 0, 0], L2TPError.lengthMismatch(declared: 13, available: 12)),  // long
        ([0xc8, 0x02, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0, 9], L2TPError.lengthMismatch(declared: 12, available: 13)),  // trailing
        ([0xc8, 0x02, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], L2TPError.lengthMismatch(declared: 0, available: 12)),  // zero
        ([0x02, 0x02, 0, 1, 0, 1, 0, 4], L2TPError.badOffset(4)),  // offset past the end
        ([0x02, 0x02, 0, 1, 0, 1, 0, 1, 0xff], nil),  // data, offset 1 plus padding
        ([0x00, 0x02, 0, 1, 0, 2], nil),  // data, minimal
        ([0xc8, 0x02, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0], nil),  // ZLB
    ] as [([UInt8], L2TPError?)])
    func headerBoundaries(_ datagram: [UInt8], _ expected: L2TPError?) {
        do {
            let header = try L2TPHeader(parsing: datagram)
            #expect(expected == nil)
            #expect(header.payloadOffset <= datagram.count)
            var again: [UInt8] = []
            header.append(to: &again)
            #expect(again.count == header.payloadOffset)
        } catch {
            #expect(error == expected)
        }
    }

    @Test func headerFieldsAndDataWriter() throws {
        let data = try L2TPHeader(parsing: [0x4a, 0x02, 0, 16, 0, 7, 0, 9, 0, 5, 0, 0, 0, 0, 0xbb, 0xcc])
        #expect(!data.isControl && data.hasLength && data.tunnelID == 7 && data.sessionID == 9)
        #expect(data.ns == 5 && data.nr == 0 && data.offsetSize == 0 && data.payloadOffset == 14 && data.payloadLength == 2)
        var buffer = [UInt8](repeating: 0xee, count: 12) + [1, 2, 3]
        let start = L2TPHeader.writeData(into: &buffer, payloadStart: 12, payloadLength: 3, tunnelID: 4, sessionID: 5, ns: 6)
        let parsed = try L2TPHeader(parsing: buffer[start...])
        #expect(start == 0 && parsed.ns == 6 && parsed.sessionID == 5 && parsed.payloadLength == 3)
        let plain = L2TPHeader.writeData(into: &buffer, payloadStart: 12, payloadLength: 3, tunnelID: 4, sessionID: 5, ns: nil)
        let plainHeader = try L2TPHeader(parsing: buffer[plain...])
        #expect(plain == 4 && plainHeader.ns == nil)
    }

    @Test(arguments: [
        (helloType + [0x80], L2TPError.truncated(needed: 6, available: 1)),  // short header
        (helloType + rawAVP(7, [], length: 0), L2TPError.badAVPLength(type: 7, declared: 0, available: 6)),  // zero length
        (helloType + rawAVP(7, [], length: 5), L2TPError.badAVPLength(type: 7, declared: 5, available: 6)),
        (helloType + rawAVP(7, [1, 2], length: 9), L2TPError.badAVPLength(type: 7, declared: 9, available: 8)),  // long
        (helloType + rawAVP(7, []), L2TPError.badValueLength(type: 7, length: 0)),  // Host Name >= 1
        (rawAVP(0, [0, 6, 0]), L2TPError.badValueLength(type: 0, length: 3)),
        (rawAVP(0, [0]), L2TPError.badValueLength(type: 0, length: 1)),
        (rawAVP(9, [0, 1]), L2TPError.missingMessageType),
        ([], L2TPError.missingMessageType),
        (helloType + helloType, L2TPError.duplicateAVP(0)),
        (helloType + rawAVP(1, [0, 1, 0]), L2TPError.badValueLength(type: 1, length: 3)),
        (helloType + rawAVP(36, [1], bits: 0x8000) + rawAVP(7, [1, 2], bits: 0xc000), L2TPError.badHiddenAVP(type: 7)),  // may not hide
        (helloType + rawAVP(9, [1, 2], bits: 0xc000), L2TPError.badHiddenAVP(type: 9)),  // no Random Vector
        (helloType + rawAVP(10, [0, 0]), L2TPError.invalidValue(type: 10)),  // RWS 0
        (helloType + rawAVP(9, [0, 0]), L2TPError.invalidValue(type: 9)),  // Tunnel ID 0
        (helloType + rawAVP(32, [1, 1]), L2TPError.invalidValue(type: 32)),
        (helloType + rawAVP(35, [0, 1] + [UInt8](repeating: 0, count: 8)), L2TPError.invalidValue(type: 35)),
        (rawAVP(0, [0, 4]) + rawAVP(9, [0, 1]), L2TPError.missingAVP(message: 4, type: 1)),  // StopCCN without Result Code
    ] as [([UInt8], L2TPError)])
    func avpBoundaries(_ body: [UInt8], _ expected: L2TPError) {
        #expect(throws: expected) { try ControlMessage(decoding: body[...], secret: Array("s".utf8)) }
    }

    /// Every §4.4 attribute: one octet short and one long of its rule are refused,
    /// the bounds themselves accepted by the AVP parser.
    @Test func everyAttributeSizeRule() throws {
        for (type, rule) in AVPType.rules {
            for length in [rule.minimum - 1, rule.minimum, rule.maximum, rule.maximum + 1] where length >= 0 && length <= AVPType.maximumValue + 1 {
                let body = rawAVP(type, [UInt8](repeating: 1, count: length), length: min(6 + length, 1023))
                let ok = length >= rule.minimum && length <= rule.maximum && !(type == 1 && length == 3)
                let result = Result { () throws(L2TPError) in try AVP.parseList(body[...], secret: nil) }
                if ok {
                    #expect(throws: Never.self, "type \(type) length \(length)") { try result.get() }
                } else if length <= AVPType.maximumValue {
                    #expect(throws: L2TPError.badValueLength(type: type, length: length), "type \(type)") { try result.get() }
                }
            }
        }
    }

    @Test func unknownAndReservedAVPs() throws {
        // §4.1: unknown without M ignored; with M reported; a reserved bit makes it unrecognized.
        let body = helloType + rawAVP(99, [1], bits: 0) + rawAVP(99, [1]) + rawAVP(7, [1], bits: 0x8400) + rawAVP(5, [1], vendor: 9)
        let m = try ControlMessage(decoding: body[...], secret: nil)
        #expect(m.type == .hello && m.hostName == nil)
        #expect(m.unrecognizedMandatory == ["0:99", "0:7", "9:5"])
    }

    @Test func hiddenAVPsRoundTripAndRefuseBadSubformat() throws {
        let secret = Array("tunnel-secret".utf8)
        var m = ControlMessage(.iccn)
        m.txConnectSpeed = 100_000_000
        m.framingType = ControlMessage.synchronousFraming
        m.proxy.authenType = ProxyInformation.pap
        m.proxy.authenName = Array("alice@isp".utf8)
        m.proxy.authenResponse = Array("a password longer than sixteen octets".utf8)
        m.proxy.authenID = 7
        let hiding = ControlMessage.Hiding(secret: secret, randomVector: Array(0..<16), types: [.proxyAuthenName, .proxyAuthenResponse, .hostName], padding: [9, 9, 9])
        let body = try m.encodedBody(hiding: hiding)
        #expect(try ControlMessage(decoding: body[...], secret: secret) == m)
        // The secret in clear appears nowhere; the password neither.
        #expect(!hex(body).contains(hex(m.proxy.authenResponse!)))
        #expect(throws: L2TPError.badHiddenAVP(type: 30)) { try ControlMessage(decoding: body[...], secret: nil) }
        // A wrong secret reveals a garbage Length: refused, or a different value.
        let wrong = try? ControlMessage(decoding: body[...], secret: Array("other".utf8))
        #expect(wrong != m)
        // Hidden subformat too short for its own Length field, or claiming more than it holds.
        let vector = rawAVP(36, Array(0..<16))
        #expect(throws: L2TPError.badHiddenAVP(type: 30)) {
            try ControlMessage(decoding: (helloType + vector + rawAVP(30, [0x55], bits: 0xc000))[...], secret: secret)
        }
        let liar = AVPHiding.conceal([1, 2, 3], type: 30, secret: secret, randomVector: Array(0..<16), padding: [])
        var tampered = liar
        tampered[0] ^= 0x01  // original length 3 -> 259, past the 5 octets
        #expect(throws: L2TPError.badHiddenAVP(type: 30)) {
            try ControlMessage(decoding: (helloType + vector + rawAVP(30, tampered, bits: 0xc000))[...], secret: secret)
        }
        // A hidden fixed-size attribute is checked after unhiding.
        let shortID = AVPHiding.conceal([1], type: 14, secret: secret, randomVector: Array(0..<16), padding: [])
        #expect(throws: L2TPError.badValueLength(type: 14, length: 1)) {
            try ControlMessage(decoding: (helloType + vector + rawAVP(14, shortID, bits: 0xc000))[...], secret: secret)
        }
    }

    static func everyMessage() -> [ControlMessage] {
        var sccrq = ControlMessage(.sccrq)
        sccrq.protocolVersion = ControlMessage.version1
        sccrq.hostName = Array("lac".utf8)
        sccrq.framingCapabilities = 3
        sccrq.bearerCapabilities = 3
        sccrq.tieBreaker = 0x0102_0304_0506_0708
        sccrq.firmwareRevision = 0x0100
        sccrq.vendorName = Array("ppprouter".utf8)
        sccrq.assignedTunnelID = 77
        sccrq.receiveWindowSize = 8
        sccrq.challenge = Array(repeating: 5, count: 16)
        var sccrp = sccrq
        sccrp.type = .sccrp
        sccrp.tieBreaker = nil
        sccrp.challengeResponse = Array(repeating: 6, count: 16)
        var scccn = ControlMessage(.scccn)
        scccn.challengeResponse = Array(repeating: 7, count: 16)
        var stop = ControlMessage(.stopCCN)
        stop.assignedTunnelID = 77
        stop.result = ResultCode(ResultCode.generalError, error: ResultCode.unknownMandatoryAVP, message: "0:99")
        var icrq = ControlMessage(.icrq)
        icrq.assignedSessionID = 3
        icrq.callSerialNumber = 42
        icrq.bearerType = 2
        icrq.physicalChannelID = 9
        icrq.callingNumber = Array("02:00:00:00:00:01".utf8)
        icrq.calledNumber = Array("isp".utf8)
        icrq.subAddress = [1]
        var icrp = ControlMessage(.icrp)
        icrp.assignedSessionID = 4
        var iccn = ControlMessage(.iccn)
        iccn.txConnectSpeed = 1_000_000
        iccn.rxConnectSpeed = 2_000_000
        iccn.framingType = 1
        iccn.privateGroupID = [1, 2]
        iccn.sequencingRequired = true
        iccn.proxy.initialReceivedConfReq = [1, 4, 5, 0xd4]
        iccn.proxy.lastSentConfReq = [5, 6, 1, 2, 3, 4]
        iccn.proxy.lastReceivedConfReq = [1, 4, 5, 0xd4]
        iccn.proxy.authenType = ProxyInformation.chap
        iccn.proxy.authenName = Array("bob".utf8)
        iccn.proxy.authenChallenge = Array(repeating: 1, count: 16)
        iccn.proxy.authenID = 9
        iccn.proxy.authenResponse = Array(repeating: 2, count: 16)
        var cdn = ControlMessage(.cdn)
        cdn.assignedSessionID = 4
        cdn.result = ResultCode(ResultCode.administrative)
        cdn.q931Cause = [0, 16, 1]
        var wen = ControlMessage(.wen)
        var errors = CallErrors()
        errors.crc = 1; errors.framing = 2; errors.hardwareOverruns = 3; errors.bufferOverruns = 4; errors.timeouts = 5; errors.alignment = 6
        wen.callErrors = errors
        var sli = ControlMessage(.sli)
        sli.accm = ACCMValue(send: 0xffff_ffff, receive: 0)
        var ocrq = ControlMessage(.ocrq)
        ocrq.assignedSessionID = 5; ocrq.callSerialNumber = 1; ocrq.minimumBPS = 1; ocrq.maximumBPS = 2
        ocrq.bearerType = 1; ocrq.framingType = 1; ocrq.calledNumber = Array("123".utf8)
        return [sccrq, sccrp, scccn, stop, ControlMessage(.hello), icrq, icrp, iccn, cdn, wen, sli, ocrq]
    }

    @Test func everyMessageRoundTripsAndEachRequiredAVPIsChecked() throws {
        for m in Self.everyMessage() {
            let body = try m.encodedBody()
            #expect(try ControlMessage(decoding: body[...], secret: nil) == m, "\(m.type)")
            // Dropping any one required AVP is refused.
            for needed in m.type.required {
                var avps = m.avps
                avps.removeAll { $0.type == needed.rawValue }
                var cut: [UInt8] = []
                for avp in avps { try avp.append(to: &cut) }
                #expect(throws: L2TPError.missingAVP(message: m.type.rawValue, type: needed.rawValue)) {
                    try ControlMessage(decoding: cut[...], secret: nil)
                }
            }
            // Truncating the body anywhere inside the last AVP is refused, never read short.
            let last = AVP.headerLength + (m.avps.last?.value.count ?? 0)
            for cut in 1..<last {
                #expect(throws: L2TPError.self) { try ControlMessage(decoding: body.dropLast(cut), secret: nil) }
            }
        }
    }
}
