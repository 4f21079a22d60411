// The one error type of the IPv6 services library. Every parser throws it
// (typed throws), so the daemon that carries these packets drops and counts a
// bad one by case and never crashes.

/// Why an IPv6 packet, ND message or option, DHCPv6 message or option, RADIUS
/// prefix value or binding record was refused.
public enum IPv6Error: Error, Equatable, Sendable {
    /// Fewer octets than the structure's fixed part needs.
    case truncated(needed: Int, available: Int)
    /// Octets left over after a structure that must fill its container.
    case trailingBytes(Int)
    /// RFC 8200 §3: Version must be 6.
    case badVersion(UInt8)
    /// RFC 8200 §3: Payload Length disagrees with the octets received (a
    /// jumbogram's zero is refused too: no Hop-by-Hop header is parsed).
    case payloadLengthMismatch(declared: Int, available: Int)
    /// A Next Header other than the one expected; extension headers are not
    /// walked (RFC 4861 and RFC 8415 packets on a PPP link carry none).
    case unexpectedNextHeader(UInt8)
    /// RFC 4443 §2.3, RFC 768 with RFC 8200 §8.1: checksum wrong (or a UDP
    /// checksum of zero, which IPv6 forbids).
    case badChecksum
    /// RFC 768: the UDP Length disagrees with the payload.
    case badUDPLength(declared: Int, available: Int)
    /// RFC 4861 §6.1.1, §6.1.2: IP Hop Limit must be 255.
    case badHopLimit(UInt8)
    /// RFC 4861 §6.1.2: a Router Advertisement's source must be link-local.
    case sourceNotLinkLocal
    /// RFC 4861 §6.1.1: a Router Solicitation from :: carries no Source
    /// Link-Layer Address option.
    case linkLayerAddressFromUnspecified
    /// RFC 4861 §6.1: ICMP Code must be 0.
    case badCode(UInt8)
    /// An ICMPv6 type, DHCPv6 message type or record kind not handled here.
    case unexpectedType(UInt8)
    /// RFC 4861 §4.6: an option with Length 0 invalidates the whole packet.
    case zeroOptionLength(type: UInt8)
    /// An option whose length breaks the size its RFC fixes for it.
    case badOptionLength(type: UInt16, length: Int)
    /// An option's length runs past the octets of its container.
    case optionOverrun(type: UInt16, declared: Int, available: Int)
    /// An option nested where RFC 8415 Appendix C does not allow it
    /// (an IAADDR outside IA_NA, an IAPREFIX outside IA_PD...).
    case misplacedOption(UInt16)
    /// An option that may appear once per container appears again.
    case duplicateOption(UInt16)
    /// A prefix length above 128 (or not the one a context requires).
    case badPrefixLength(Int)
    /// RFC 1035 §3.1 labels: 1-63 letters, digits, hyphens (underscores
    /// allowed), a name of at most 255 octets, no compression pointers.
    case badDomainName
    /// A value the RFC forbids inside a well-formed field.
    case invalidValue
    /// A binding record of another version (restart: refused, not guessed).
    case badRecordVersion(UInt8)
}
