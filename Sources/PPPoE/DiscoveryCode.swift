// The five CODEs of the Discovery stage (RFC 2516 §5.1-§5.5).

public enum DiscoveryCode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// §5.1 Active Discovery Initiation, Host to broadcast.
    case padi = 0x09
    /// §5.2 Active Discovery Offer, AC to Host.
    case pado = 0x07
    /// §5.3 Active Discovery Request, Host to the chosen AC.
    case padr = 0x19
    /// §5.4 Active Discovery Session-confirmation, AC to Host.
    case pads = 0x65
    /// §5.5 Active Discovery Terminate, either way.
    case padt = 0xa7

    public var description: String {
        switch self {
        case .padi: "PADI"
        case .pado: "PADO"
        case .padr: "PADR"
        case .pads: "PADS"
        case .padt: "PADT"
        }
    }
}
