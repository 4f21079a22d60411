// The Endpoint Discriminator of RFC 1990 §5.1.3: a Class and an Address whose
// length the class bounds. Checked the same way whether it came from the wire
// or from pppd's `endpoint` syntax in the config; half of a bundle's key.

/// RFC 1990 §5.1.3: identifies the system at the other end of a link, so links
/// from one system can be joined into one bundle.
public struct EndpointDiscriminator: Hashable, Sendable {
    /// RFC 1990 §5.1.3 "Class" (the Assigned Numbers registry).
    public enum Class: Hashable, Sendable {
        case null                  // 0
        case locallyAssigned       // 1
        case ipAddress             // 2
        case ieee802MACAddress     // 3
        case magicNumberBlock      // 4
        case directoryNumber       // 5: PSTN, E.164
        case other(UInt8)          // unassigned today: carried opaquely

        public init(_ value: UInt8) {
            switch value {
            case 0: self = .null
            case 1: self = .locallyAssigned
            case 2: self = .ipAddress
            case 3: self = .ieee802MACAddress
            case 4: self = .magicNumberBlock
            case 5: self = .directoryNumber
            default: self = .other(value)
            }
        }

        public var rawValue: UInt8 {
            switch self {
            case .null: 0
            case .locallyAssigned: 1
            case .ipAddress: 2
            case .ieee802MACAddress: 3
            case .magicNumberBlock: 4
            case .directoryNumber: 5
            case .other(let v): v
            }
        }

        /// RFC 1990 §5.1.3: "The option is invalid if the Length field
        /// indicates a size below the minimum for the class"; the fixed and
        /// maximum lengths are the class table's. An unassigned class is only
        /// bounded by the option's Length octet.
        func allows(addressLength n: Int) -> Bool {
            switch self {
            case .null: n == 0
            case .locallyAssigned: (1...20).contains(n)
            case .ipAddress: n == 4
            case .ieee802MACAddress: n == 6
            case .magicNumberBlock: (1...5).contains(n / 4) && n % 4 == 0  // 1 to 5 Magic-Numbers
            case .directoryNumber: (1...15).contains(n)
            case .other: n <= ConfigurationOption.maximumValueLength - 1
            }
        }
    }

    public let `class`: Class
    public let address: [UInt8]

    /// RFC 1990 §5.1.3: what a Configure-Request without the option counts as
    /// ("as if it had received the option with Class = 0, Address = 0").
    public static let null = EndpointDiscriminator(validClass: .null, address: [])

    private init(validClass: Class, address: [UInt8]) {
        self.class = validClass
        self.address = address
    }

    /// Throws when the address length is not one the class allows.
    public init(class cls: Class, address: [UInt8]) throws(PPPError) {
        guard cls.allows(addressLength: address.count) else {
            throw .badLength(declared: address.count + 3, expected: Self.minimumOptionLength(cls))
        }
        self.init(validClass: cls, address: address)
    }

    /// The option Length (3 + address) the class needs at least, for the error.
    static func minimumOptionLength(_ cls: Class) -> Int {
        switch cls {
        case .null, .other: 3
        case .locallyAssigned, .directoryNumber: 4
        case .ipAddress, .magicNumberBlock: 7
        case .ieee802MACAddress: 9
        }
    }

    /// The option's value field: Class then Address.
    public var encoded: [UInt8] { [self.class.rawValue] + address }

    /// Parses an option value (Class octet, then Address).
    public init<C: Collection<UInt8>>(optionValue value: C) throws(PPPError) {
        guard let first = value.first else { throw .badLength(declared: 2, expected: 3) }
        try self.init(class: Class(first), address: Array(value.dropFirst()))
    }
}
