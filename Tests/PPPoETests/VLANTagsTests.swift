// VLAN tags before the ETHER_TYPE (VLANTags.swift, issue 13 point 6): the
// boundary table (short, long, trailing, truncated), the tag the kernel took
// off (PACKET_AUXDATA) combined with the one left in the frame, and writing
// the same tags back.
import Testing
@testable import PPPoE

@Suite struct VLANTagsTests {
    static let macs = [UInt8](repeating: 0x02, count: 12)
    static func tag(_ tpid: UInt16, _ tci: UInt16) -> [UInt8] {
        [UInt8(tpid >> 8), UInt8(tpid & 0xff), UInt8(tci >> 8), UInt8(tci & 0xff)]
    }
    static let discovery: [UInt8] = [0x88, 0x63, 0x11, 0x09, 0, 0, 0, 0]

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let frame: [UInt8]
        let stripped: VLANTags.Stripped?
        let expected: Result<(VLANTags, Int), PPPoEError>
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "untagged", frame: macs + discovery, stripped: nil, expected: .success((.untagged, 12))),
        Case(name: "one C-tag in the frame", frame: macs + tag(0x8100, 100) + discovery, stripped: nil,
             expected: .success((VLANTags(inner: 100), 16))),
        Case(name: "C-tag with PCP and DEI bits", frame: macs + tag(0x8100, 0xf000 | 4094) + discovery, stripped: nil,
             expected: .success((VLANTags(inner: 4094), 16))),
        Case(name: "QinQ 802.1ad", frame: macs + tag(0x88a8, 200) + tag(0x8100, 1) + discovery, stripped: nil,
             expected: .success((VLANTags(outer: 200, outerTPID: 0x88a8, inner: 1), 20))),
        Case(name: "QinQ 0x8100 outer", frame: macs + tag(0x8100, 200) + tag(0x8100, 7) + discovery, stripped: nil,
             expected: .success((VLANTags(outer: 200, outerTPID: 0x8100, inner: 7), 20))),
        Case(name: "C-tag stripped by the device", frame: macs + discovery, stripped: .init(tci: 100, tpid: 0x8100),
             expected: .success((VLANTags(inner: 100), 12))),
        Case(name: "S-tag stripped, C-tag in the frame", frame: macs + tag(0x8100, 7) + discovery,
             stripped: .init(tci: 200, tpid: 0x88a8), expected: .success((VLANTags(outer: 200, outerTPID: 0x88a8, inner: 7), 16))),
        Case(name: "three tags", frame: macs + tag(0x88a8, 2) + tag(0x8100, 3) + tag(0x8100, 4) + discovery, stripped: nil,
             expected: .failure(.tooManyVLANTags)),
        Case(name: "stripped plus two in the frame", frame: macs + tag(0x8100, 3) + tag(0x8100, 4) + discovery,
             stripped: .init(tci: 2, tpid: 0x88a8), expected: .failure(.tooManyVLANTags)),
        Case(name: "VID 0 (priority tag)", frame: macs + tag(0x8100, 0x2000) + discovery, stripped: nil, expected: .failure(.badVLANID(0))),
        Case(name: "VID 4095 reserved", frame: macs + tag(0x8100, 0x0fff) + discovery, stripped: nil, expected: .failure(.badVLANID(4095))),
        Case(name: "lone S-tag", frame: macs + tag(0x88a8, 5) + discovery, stripped: nil, expected: .failure(.badVLANTPID(0x88a8))),
        Case(name: "inner S-tag", frame: macs + tag(0x8100, 5) + tag(0x88a8, 6) + discovery, stripped: nil,
             expected: .failure(.badVLANTPID(0x88a8))),
        Case(name: "truncated before the ETHER_TYPE", frame: Array(macs.prefix(11)), stripped: nil,
             expected: .failure(.truncated(needed: 14, available: 11))),
        Case(name: "truncated inside a tag", frame: macs + [0x81, 0x00, 0x00], stripped: nil,
             expected: .failure(.truncated(needed: 16, available: 15))),
        Case(name: "tag with nothing after it", frame: macs + tag(0x8100, 9), stripped: nil,
             expected: .failure(.truncated(needed: 18, available: 16))),
        Case(name: "trailing octets after the tags are the frame's", frame: macs + tag(0x8100, 9) + discovery + [0, 0, 0],
             stripped: nil, expected: .success((VLANTags(inner: 9), 16))),
    ]

    @Test(arguments: cases) func boundaries(_ c: Case) {
        let got: Result<(VLANTags, Int), PPPoEError>
        do { let r = try VLANTags.read(c.frame[...], stripped: c.stripped); got = .success((r.tags, r.etherTypeAt)) } catch {
            got = .failure(error)
        }
        switch (got, c.expected) {
        case let (.success(a), .success(b)): #expect(a.0 == b.0 && a.1 == b.1)
        case let (.failure(a), .failure(b)): #expect(a == b)
        default: Issue.record("\(c.name): got \(got), expected \(c.expected)")
        }
    }

    /// Issue 13: the MRU ceiling a session's tags leave on a link of a
    /// given MTU. Linux's packet socket sends MTU + 14 octets, + 4 when the
    /// first TPID is 0x8100 (measured on this kernel over a veth: 1492,
    /// 1492, 1484, 1488 at MTU 1500).
    @Test(arguments: [
        (VLANTags.untagged, 1500, 1492), (VLANTags.untagged, 1508, 1500), (VLANTags.untagged, 1400, 1392),
        (VLANTags(inner: 100), 1500, 1492), (VLANTags(inner: 4094), 1504, 1496), (VLANTags(inner: 1), 1400, 1392),
        (VLANTags(outer: 10, outerTPID: 0x88a8, inner: 100), 1500, 1484),
        (VLANTags(outer: 10, outerTPID: 0x88a8, inner: 100), 1508, 1492),
        (VLANTags(outer: 10, outerTPID: 0x88a8, inner: 100), 1516, 1500),
        (VLANTags(outer: 20, outerTPID: 0x8100, inner: 200), 1500, 1488),
        (VLANTags(outer: 20, outerTPID: 0x8100, inner: 200), 1504, 1492),
        (VLANTags(outer: 20, outerTPID: 0x8100, inner: 200), 68, 56),
    ] as [(VLANTags, Int, Int)])
    func payloadCeiling(_ tags: VLANTags, _ mtu: Int, _ expected: Int) {
        #expect(tags.maximumPayload(linkMTU: mtu) == expected)
    }

    @Test func writtenTagsReadBack() throws {
        for tags in [VLANTags(inner: 100), VLANTags(outer: 300, outerTPID: 0x88a8, inner: 4094),
                     VLANTags(outer: 1, outerTPID: 0x8100, inner: 1)] {
            var frame = Self.macs + [UInt8](repeating: 0, count: tags.length) + Self.discovery
            tags.write(into: &frame, at: 12)
            let r = try VLANTags.read(frame[...], stripped: nil)
            #expect(r.tags == tags && r.etherTypeAt == 12 + tags.length)
        }
        #expect(VLANTags(outer: 300, inner: 7).description == "300.7" && VLANTags(inner: 7).description == "7")
        #expect(VLANTags.untagged.description == "" && VLANTags.untagged.length == 0)
    }
}
