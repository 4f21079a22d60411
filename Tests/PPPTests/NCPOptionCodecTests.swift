// Boundary tables for the IPCP (RFC 1332 §3, RFC 1877) and IPv6CP (RFC 5072
// §4) option codecs: every fixed-length option at length 0, one short, exact,
// one long, and the largest an option can be; round trips of every type.
import Testing
@testable import PPP

@Suite struct NCPOptionCodecTests {
    /// (type, exact value length or nil for "at least 2")
    static let ipcpFixed: [(UInt8, Int)] = [(1, 8), (3, 4), (129, 4), (130, 4), (131, 4), (132, 4)]

    @Test(arguments: ipcpFixed.map(\.0))
    func ipcpFixedLengthBoundaries(type: UInt8) throws {
        let exact = Self.ipcpFixed.first { $0.0 == type }!.1
        for length in [0, 1, exact - 1, exact, exact + 1, ConfigurationOption.maximumValueLength] {
            let option = ConfigurationOption(type: type, value: Array(repeating: 0x0a, count: length))
            let typed = try? IPCPOption(option)
            if length == exact {
                #expect(typed?.option == option)
            } else {
                #expect(typed == nil, "type \(type) with \(length) value octets must be refused")
            }
        }
    }

    @Test func ipcpCompressionBoundaries() {
        for length in [0, 1] {
            #expect((try? IPCPOption(ConfigurationOption(type: 2, value: Array(repeating: 0, count: length)))) == nil)
        }
        for length in [2, 4, ConfigurationOption.maximumValueLength] {
            let o = ConfigurationOption(type: 2, value: [0x00, 0x2d] + Array(repeating: 1, count: length - 2))
            #expect((try? IPCPOption(o))?.option == o)
        }
    }

    @Test func ipv6cpBoundaries() {
        for length in [0, 1, 7, 8, 9, ConfigurationOption.maximumValueLength] {
            let o = ConfigurationOption(type: 1, value: Array(repeating: 0xfe, count: length))
            let typed = try? IPv6CPOption(o)
            #expect((typed?.option == o) == (length == 8))
        }
        #expect((try? IPv6CPOption(ConfigurationOption(type: 2, value: [0]))) == nil)
        #expect((try? IPv6CPOption(ConfigurationOption(type: 2, value: [0, 0x4f])))?.option.value == [0, 0x4f])
    }

    @Test func unknownTypesStayRepresentable() throws {
        for type: UInt8 in [0, 4, 128, 133, 255] {
            let o = ConfigurationOption(type: type, value: [1, 2, 3])
            #expect(try IPCPOption(o) == .unknown(o))
        }
        let o = ConfigurationOption(type: 3, value: [])
        #expect(try IPv6CPOption(o) == .unknown(o))
    }

    @Test func roundTripValues() throws {
        let all: [IPCPOption] = [
            .ipAddresses(source: 0x0a00_0001, destination: 0x0a00_0002), .ipCompressionProtocol(ProtocolNumber(0x2d), data: [15, 1]),
            .ipAddress(0xc0a8_0101), .primaryDNS(1), .primaryNBNS(2), .secondaryDNS(3), .secondaryNBNS(0xffff_ffff),
        ]
        for option in all { #expect(try IPCPOption(option.option) == option) }
        #expect(IPCPOption.ipAddress(0x0a01_0203).option.value == [10, 1, 2, 3])
        #expect(IPv6CPOption.interfaceIdentifier(0x0102_0304_0506_0708).option.value == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(InterfaceIdentifierText.string(0x0102_0304_0506_0708) == "102:304:506:708")
        #expect(IPv4Text.string(0x0a01_0203) == "10.1.2.3")
    }

    /// A packet whose option list overruns the Length is not negotiated at all.
    @Test func listOverrunIsMalformed() {
        var cp = IPCP(negotiator: IPCPNegotiator(configuration: IPCPConfiguration()))
        _ = cp.lowerUp(); _ = cp.open()
        let packets: [[UInt8]] = [
            [],                            // length 0
            [1],                           // 1
            [1, 1, 0],                     // header - 1
            [1, 1, 0, 10, 3, 6, 10, 0],    // declared longer than data
            [1, 1, 0, 7, 3, 6, 10],        // option overruns Length
            [1, 1, 0, 5, 3],               // option header cut
        ]
        for p in packets { #expect(cp.receive(p).isEmpty) }
        #expect(cp.counters.malformed == packets.count)
    }
}
