// The stripped VLAN tag read from recvmsg's control messages
// (PacketAuxdata.swift, issue 13): the boundary table — empty, short,
// truncated, trailing, a cmsg_len too small or past the end, a message of
// another level before PACKET_AUXDATA, auxdata without the VLAN bit, and a
// TPID the kernel did not mark valid.
import Testing
@testable import PPPoE

@Suite struct PacketAuxdataTests {
    static let word = MemoryLayout<Int>.size

    /// A cmsghdr with `data`, padded to the next word as the kernel aligns.
    static func cmsg(level: Int32, type: Int32, _ data: [UInt8], length: Int? = nil) -> [UInt8] {
        var out: [UInt8] = []
        withUnsafeBytes(of: (length ?? (word + 8 + data.count)).littleEndian) { out += $0 }
        withUnsafeBytes(of: level.littleEndian) { out += $0 }
        withUnsafeBytes(of: type.littleEndian) { out += $0 }
        out += data
        return out + [UInt8](repeating: 0, count: (word - out.count % word) % word)
    }

    /// struct tpacket_auxdata with `status`, TCI and TPID.
    static func auxdata(status: UInt32, tci: UInt16, tpid: UInt16) -> [UInt8] {
        var out: [UInt8] = []
        for v in [status, 60, 60] { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        for v in [UInt16(0), 14, tci, tpid] { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        return out
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let control: [UInt8]
        let expected: Result<VLANTags.Stripped?, PacketAuxdata.Failure>
        var testDescription: String { name }
    }

    static let tagged = auxdata(status: 1 | 1 << 4 | 1 << 6, tci: 0x2064, tpid: 0x88a8)
    static let cases: [Case] = [
        Case(name: "empty (MSG_CTRUNC or no auxdata)", control: [], expected: .success(nil)),
        Case(name: "shorter than a header", control: [UInt8](repeating: 0, count: word + 7), expected: .success(nil)),
        Case(name: "tagged", control: cmsg(level: 263, type: 8, tagged), expected: .success(.init(tci: 0x2064, tpid: 0x88a8))),
        Case(name: "tagged, trailing octets after it", control: cmsg(level: 263, type: 8, tagged) + [1, 2, 3],
             expected: .success(.init(tci: 0x2064, tpid: 0x88a8))),
        Case(name: "untagged", control: cmsg(level: 263, type: 8, auxdata(status: 1, tci: 0, tpid: 0)), expected: .success(nil)),
        Case(name: "VLAN valid, TPID not", control: cmsg(level: 263, type: 8, auxdata(status: 1 << 4, tci: 100, tpid: 0)),
             expected: .success(.init(tci: 100, tpid: 0x8100))),
        Case(name: "another message first", control: cmsg(level: 1, type: 29, [9, 9, 9]) + cmsg(level: 263, type: 8, tagged),
             expected: .success(.init(tci: 0x2064, tpid: 0x88a8))),
        Case(name: "auxdata truncated", control: cmsg(level: 263, type: 8, Array(tagged.prefix(19))),
             expected: .failure(.shortAuxdata(19))),
        Case(name: "cmsg_len under its header", control: cmsg(level: 263, type: 8, tagged, length: word + 7),
             expected: .failure(.badLength(word + 7))),
        Case(name: "cmsg_len past the end", control: cmsg(level: 263, type: 8, tagged, length: 200),
             expected: .failure(.badLength(200))),
        Case(name: "buffer cut inside the auxdata", control: Array(cmsg(level: 263, type: 8, tagged).prefix(word + 8 + 10)),
             expected: .failure(.badLength(word + 8 + 20))),
    ]

    @Test(arguments: cases)
    func table(_ c: Case) {
        let got: Result<VLANTags.Stripped?, PacketAuxdata.Failure>
        do { got = .success(try PacketAuxdata.vlan(c.control[...])) } catch { got = .failure(error) }
        #expect(got == c.expected)
    }

    @Test func encodedReadsBack() throws {
        for tag in [nil, VLANTags.Stripped(tci: 7, tpid: 0x8100), VLANTags.Stripped(tci: 0xf0ff, tpid: 0x88a8)] {
            let bytes = PacketAuxdata.encode(tag)
            #expect(try PacketAuxdata.vlan(bytes[...]) == tag)
            // A slice that does not start at index 0 reads the same.
            let shifted = [0xee] + bytes
            #expect(try PacketAuxdata.vlan(shifted[1...]) == tag)
        }
    }
}
