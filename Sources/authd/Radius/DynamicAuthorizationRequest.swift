// RFC 5176 Disconnect-Request and CoA-Request, as the Dynamic Authorization
// Server (the NAS) reads them: authenticated first (Request Authenticator as
// for an Accounting-Request, §2.3 and RFC 2866 §3; Message-Authenticator
// when present, §3.4; Event-Timestamp within the window, §6.3), then sorted
// into session identification, the changes a CoA asks for, and what we
// cannot honour (a NAK's Error-Cause, §3.5). Pure: no sockets, no clock.

/// Why a datagram is silently discarded (RFC 5176 §2.3, §3.4, §6.3): each is
/// counted by the server, none is answered.
enum DynamicAuthorizationDrop: Error, Equatable {
    case malformed(RadiusError)
    /// §2.3: "Packets received with an invalid Code field MUST be silently discarded."
    case notARequest(code: UInt8)
    case badAuthenticator
    case badMessageAuthenticator
    case missingEventTimestamp
    case staleEventTimestamp(skew: Int64)
}

/// RFC 5176 §3.5 Error-Cause values we send.
enum ErrorCause: UInt32, Sendable {
    case unsupportedAttribute = 401, missingAttribute = 402, nasIdentificationMismatch = 403
    case invalidRequest = 404, unsupportedService = 405, invalidAttributeValue = 407
    case administrativelyProhibited = 501, sessionContextNotFound = 503, resourcesUnavailable = 506
}

/// Which sessions a request names (§3: session identification attributes).
/// Every attribute present must match; a session matches when all do.
struct SessionSelector: Equatable {
    var accountingSessionID: String?
    var userName: String?
    var framedAddress: UInt32?
    var nasPortID: String?
    var callingStation: String?

    var isEmpty: Bool {
        accountingSessionID == nil && userName == nil && framedAddress == nil && nasPortID == nil && callingStation == nil
    }

    /// Whether a session with these identities is named.
    func matches(accountingSessionID a: String, userName u: String, framedAddress f: UInt32, nasPortID n: String,
                 callingStation c: String) -> Bool {
        (accountingSessionID.map { $0 == a } ?? true) && (userName.map { $0 == u } ?? true)
            && (framedAddress.map { $0 == f && f != 0 } ?? true) && (nasPortID.map { $0 == n } ?? true)
            && (callingStation.map { $0 == c } ?? true)
    }
}

/// What a CoA-Request changes in a live session (§2.2); nil = unchanged.
struct AuthorizationChange: Equatable {
    var sessionTimeout: UInt32?
    var idleTimeout: UInt32?
    var interimInterval: UInt32?
    var isEmpty: Bool { sessionTimeout == nil && idleTimeout == nil && interimInterval == nil }
}

struct DynamicAuthorizationRequest: Equatable {
    enum Kind: Equatable { case disconnect, changeOfAuthorization }

    var kind: Kind
    var identifier: UInt8
    var requestAuthenticator: [UInt8]
    var selector = SessionSelector()
    var change = AuthorizationChange()
    /// §3.1: Proxy-State attributes, echoed in order in the answer.
    var proxyStates: [[UInt8]] = []
    /// NAS-Identifier when the request names one (§3: must be ours, else 403).
    var nasIdentifier: String?
    /// Set when the request cannot be honoured whatever the sessions: the NAK's cause.
    var refusal: ErrorCause?

    typealias T = RadiusAttributeType

    /// Authenticates and decodes one datagram. `now` and `window` are Unix
    /// seconds; `window` 0 accepts a request without Event-Timestamp.
    init(parsing bytes: ArraySlice<UInt8>, secret: [UInt8], now: Int64, window: UInt32) throws(DynamicAuthorizationDrop) {
        let packet: RadiusPacket
        do { packet = try RadiusPacket(parsing: Array(bytes)) } catch { throw .malformed(error) }
        switch packet.code {
        case RadiusPacket.disconnectRequest: kind = .disconnect
        case RadiusPacket.coaRequest: kind = .changeOfAuthorization
        default: throw .notARequest(code: packet.code)
        }
        let length = Int(bytes[bytes.startIndex + 2]) << 8 | Int(bytes[bytes.startIndex + 3])
        let wire = Array(bytes.prefix(length))
        let zero = [UInt8](repeating: 0, count: 16)
        // §2.3: the Request Authenticator is computed as for an Accounting-Request.
        guard Digest.constantTimeEqual(RadiusCrypto.authenticator(of: wire, withAuthenticator: zero, secret: secret),
                                       packet.authenticator) else { throw .badAuthenticator }
        // §3.4: HMAC-MD5 over the request with a zero Authenticator field.
        if let mac = packet.attribute(T.messageAuthenticator) {
            guard let expected = RadiusCrypto.messageAuthenticator(of: wire, withAuthenticator: zero, secret: secret),
                  Digest.constantTimeEqual(expected, mac) else { throw .badMessageAuthenticator }
        }
        // §6.3: without IPsec, Event-Timestamp (RFC 2869 §5.3) bounds replay.
        if window > 0 {
            guard let stamp = packet.integer(T.eventTimestamp) else { throw .missingEventTimestamp }
            let skew = Int64(stamp) - now
            guard abs(skew) <= Int64(window) else { throw .staleEventTimestamp(skew: skew) }
        }
        identifier = packet.identifier
        requestAuthenticator = packet.authenticator
        for a in packet.attributes { take(a) }
        if refusal == nil && selector.isEmpty { refusal = .missingAttribute }
        if refusal == nil && kind == .changeOfAuthorization && change.isEmpty { refusal = .missingAttribute }
    }

    /// Sorts one attribute; the first that cannot be honoured sets `refusal`.
    private mutating func take(_ a: RadiusAttribute) {
        func text() -> String? {
            // §5 of RFC 2865: text is UTF-8, 1 to 253 octets.
            guard !a.value.isEmpty else { return nil }
            return String(validating: a.value, as: UTF8.self)
        }
        func integer() -> UInt32? {
            guard a.value.count == 4 else { return nil }
            return a.value.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
        func invalid() { if refusal == nil { refusal = .invalidAttributeValue } }
        switch a.type {
        case T.acctSessionId: if let s = text() { selector.accountingSessionID = s } else { invalid() }
        case T.userName: if let s = text() { selector.userName = s } else { invalid() }
        case T.framedIPAddress: if let v = integer() { selector.framedAddress = v } else { invalid() }
        case T.nasPortId: if let s = text() { selector.nasPortID = s } else { invalid() }
        case T.callingStationId: if let s = text() { selector.callingStation = s } else { invalid() }
        case T.nasIdentifier: if let s = text() { nasIdentifier = s } else { invalid() }
        case T.proxyState: proxyStates.append(a.value)
        // Authenticated above; NAS-IP-Address names an address of ours, which
        // the request reached (we cannot tell a mismatch from a wildcard bind).
        case T.messageAuthenticator, T.eventTimestamp, T.nasIPAddress, T.nasIPv6Address: break
        case T.sessionTimeout, T.idleTimeout, T.acctInterimInterval:
            // §2.1: a Disconnect-Request changes nothing but the session's existence.
            guard kind == .changeOfAuthorization else {
                if refusal == nil { refusal = .unsupportedAttribute }
                return
            }
            guard let v = integer() else { invalid(); return }
            if a.type == T.sessionTimeout { change.sessionTimeout = v }
            else if a.type == T.idleTimeout { change.idleTimeout = v }
            else { change.interimInterval = v }
        case T.serviceType:
            // §3.2: Service-Type Authorize-Only asks for a re-authorization we
            // do not do; §3.5: 405 is not for a Disconnect-Request.
            if refusal == nil { refusal = kind == .changeOfAuthorization ? .unsupportedService : .unsupportedAttribute }
        default:
            if refusal == nil { refusal = .unsupportedAttribute }
        }
    }
}

enum DynamicAuthorizationResponse {
    /// ACK or NAK (§2.1, §2.2) for `request`, with Error-Cause on a NAK, the
    /// Proxy-State echoed (§3.1), a Message-Authenticator (§3.4: computed
    /// with the Request Authenticator), then the Response Authenticator
    /// (RFC 2865 §3 over the answer and the Request Authenticator).
    static func encode(_ request: DynamicAuthorizationRequest, refusal: ErrorCause?, secret: [UInt8]) -> [UInt8]? {
        typealias T = RadiusAttributeType
        let code: UInt8 = switch (request.kind, refusal) {
        case (.disconnect, nil): RadiusPacket.disconnectACK
        case (.disconnect, _): RadiusPacket.disconnectNAK
        case (.changeOfAuthorization, nil): RadiusPacket.coaACK
        case (.changeOfAuthorization, _): RadiusPacket.coaNAK
        }
        var attrs: [RadiusAttribute] = []
        if let r = refusal { attrs.append(.integer(T.errorCause, r.rawValue)) }
        attrs += request.proxyStates.map { RadiusAttribute(type: T.proxyState, value: $0) }
        attrs.append(RadiusAttribute(type: T.messageAuthenticator, value: [UInt8](repeating: 0, count: 16)))
        let ra = request.requestAuthenticator
        guard var wire = try? RadiusPacket(code: code, identifier: request.identifier, authenticator: ra, attributes: attrs).encoded(),
              let offset = RadiusCrypto.messageAuthenticatorOffset(wire),
              let mac = RadiusCrypto.messageAuthenticator(of: wire, withAuthenticator: ra, secret: secret) else { return nil }
        wire.replaceSubrange(offset..<(offset + 16), with: mac)
        wire.replaceSubrange(4..<20, with: RadiusCrypto.authenticator(of: wire, withAuthenticator: ra, secret: secret))
        return wire
    }
}
