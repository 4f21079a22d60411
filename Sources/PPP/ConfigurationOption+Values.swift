// The fixed-size values of Configuration Options (RFC 1661 §6: a known type
// with the wrong Length is invalid): one length check and one big-endian
// read or write, shared by the LCP, IPCP and IPv6CP codecs.

extension ConfigurationOption {
    /// A 2-octet value, exactly (RFC 1661 §6.1 MRU, RFC 1990 §5.1.1 MRRU).
    public func uint16Value() throws(PPPError) -> UInt16 {
        try requireValue(exactly: 2)
        return BigEndian.uint16(value, at: 0)
    }

    /// A 4-octet value, exactly (RFC 1662 §7.1 ACCM, RFC 1661 §6.4
    /// Magic-Number, RFC 1332 §3.3 / RFC 1877 addresses).
    public func uint32Value() throws(PPPError) -> UInt32 {
        try requireValue(exactly: 4)
        return BigEndian.uint32(value, at: 0)
    }

    /// A Protocol field and the data after it, at least the 2 octets of the
    /// field (RFC 1661 §6.2-§6.3, RFC 1332 §3.2, RFC 5072 §4.2).
    public func protocolValue() throws(PPPError) -> (ProtocolNumber, data: [UInt8]) {
        try requireValue(atLeast: 2)
        return (ProtocolNumber(BigEndian.uint16(value, at: 0)), Array(value[2...]))
    }

    public init(type: UInt8, uint16: UInt16) {
        var value: [UInt8] = []
        BigEndian.append(uint16, to: &value)
        self.init(type: type, value: value)
    }

    public init(type: UInt8, uint32: UInt32) {
        var value: [UInt8] = []
        BigEndian.append(uint32, to: &value)
        self.init(type: type, value: value)
    }

    public init(type: UInt8, protocol number: ProtocolNumber, data: [UInt8]) {
        var value: [UInt8] = []
        BigEndian.append(number.rawValue, to: &value)
        self.init(type: type, value: value + data)
    }
}
