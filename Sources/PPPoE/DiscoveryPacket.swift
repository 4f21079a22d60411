// A whole Discovery-stage frame: Ethernet addresses, CODE, SESSION_ID and the
// TAG list, checked against the rules RFC 2516 §5.1-§5.5 set for each CODE
// (session id, which tags must appear once, the PADI size limit).

public struct DiscoveryPacket: Equatable, Sendable {
    /// RFC 2516 §5.1: "An entire PADI packet (including the PPPoE header) MUST
    /// NOT exceed 1484 octets so as to leave sufficient room for a relay agent
    /// to add a Relay-Session-Id TAG."
    public static let maximumPADILength = 1484

    public var destination: EthernetAddress
    public var source: EthernetAddress
    public var code: DiscoveryCode
    public var sessionID: UInt16
    public var tags: [Tag]

    public init(destination: EthernetAddress, source: EthernetAddress, code: DiscoveryCode,
                sessionID: UInt16 = 0, tags: [Tag] = []) {
        self.destination = destination
        self.source = source
        self.code = code
        self.sessionID = sessionID
        self.tags = tags
    }

    /// Parses and validates a frame received on the 0x8863 socket.
    public init(parsing frame: ArraySlice<UInt8>) throws(PPPoEError) {
        let header = try PPPoEHeader(parsing: frame)
        guard header.etherType == .discovery else { throw .unknownEtherType(header.etherType.rawValue) }
        guard let code = DiscoveryCode(rawValue: header.code) else { throw .unknownCode(header.code) }
        guard header.source.isUnicast else { throw .sourceNotUnicast }
        if code == .padi && PPPoEHeader.pppoeLength + header.payloadLength > Self.maximumPADILength {
            throw .tooLong(length: PPPoEHeader.pppoeLength + header.payloadLength, maximum: Self.maximumPADILength)
        }
        let start = frame.startIndex + PPPoEHeader.length
        destination = header.destination
        source = header.source
        self.code = code
        sessionID = header.sessionID
        tags = try Tag.parseList(frame[start..<(start + header.payloadLength)])
        try validate()
    }

    public init(parsing frame: [UInt8]) throws(PPPoEError) { try self.init(parsing: frame[...]) }

    /// The per-CODE rules of §5 that do not depend on who receives the packet.
    public func validate() throws(PPPoEError) {
        guard sessionID != PPPoEHeader.reservedSessionID else { throw .badSessionID(sessionID) }
        switch code {
        case .padi, .padr:
            // §5.1, §5.3: SESSION_ID 0 and exactly one Service-Name.
            guard sessionID == 0 else { throw .badSessionID(sessionID) }
            try requireExactlyOne(.serviceName)
        case .pado:
            // §5.2: one AC-Name, the Service-Name of the PADI and maybe others.
            guard sessionID == 0 else { throw .badSessionID(sessionID) }
            try requireExactlyOne(.acName)
            guard count(.serviceName) > 0 else { throw .missingTag(TagType.serviceName.rawValue) }
        case .pads:
            // §5.4: a session id and exactly one Service-Name, or SESSION_ID 0
            // and an error tag when the AC refuses.
            if sessionID == 0 {
                guard error != nil else { throw .badSessionID(0) }
            } else {
                try requireExactlyOne(.serviceName)
            }
        case .padt:
            // §5.5: "the SESSION_ID MUST be set to indicate which session is to be terminated".
            guard sessionID != 0 else { throw .badSessionID(0) }
        }
        if let tag = first(.pppMaxPayload), tag.value.count != 2 { throw .invalidValue }
    }

    private func requireExactlyOne(_ type: TagType) throws(PPPoEError) {
        switch count(type) {
        case 0: throw .missingTag(type.rawValue)
        case 1: return
        default: throw .duplicateTag(type.rawValue)
        }
    }

    public func count(_ type: TagType) -> Int { tags.reduce(0) { $0 + ($1.type == type ? 1 : 0) } }
    public func first(_ type: TagType) -> Tag? { tags.first { $0.type == type } }
    public func values(_ type: TagType) -> [[UInt8]] { tags.filter { $0.type == type }.map(\.value) }

    public var serviceName: [UInt8]? { first(.serviceName)?.value }
    public var acName: [UInt8]? { first(.acName)?.value }
    public var hostUniq: [UInt8]? { first(.hostUniq)?.value }
    public var acCookie: [UInt8]? { first(.acCookie)?.value }
    public var relaySessionID: [UInt8]? { first(.relaySessionID)?.value }
    /// RFC 4638 §4, when present (length checked by the parser).
    public var pppMaxPayload: UInt16? {
        guard let v = first(.pppMaxPayload)?.value, v.count == 2 else { return nil }
        return UInt16(v[0]) << 8 | UInt16(v[1])
    }

    /// The first error tag, e.g. "Service-Name-Error: no such service".
    public var error: String? {
        guard let tag = tags.first(where: { $0.type.isError }) else { return nil }
        return tag.value.isEmpty ? tag.type.description : "\(tag.type): \(tag.text)"
    }

    /// The octets of the TAG list.
    public func encodedPayload() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tags.reduce(0) { $0 + $1.encodedLength })
        for tag in tags { tag.encode(into: &bytes) }
        return bytes
    }

    /// The whole Ethernet frame. A payload longer than `maximumPayload`
    /// (1494 on plain Ethernet) or a PADI over 1484 octets is refused: our own
    /// packets keep the rules we enforce on others'.
    public func encoded(maximumPayload: Int = PPPoEHeader.standardMaximumPayload) throws(PPPoEError) -> [UInt8] {
        let payload = encodedPayload()
        let limit = code == .padi ? Self.maximumPADILength - PPPoEHeader.pppoeLength : maximumPayload
        guard payload.count <= limit else { throw .tooLong(length: payload.count, maximum: limit) }
        var frame: [UInt8] = []
        frame.reserveCapacity(PPPoEHeader.length + payload.count)
        PPPoEHeader(destination: destination, source: source, etherType: .discovery, code: code.rawValue,
                    sessionID: sessionID, payloadLength: payload.count).append(to: &frame)
        frame.append(contentsOf: payload)
        return frame
    }
}
