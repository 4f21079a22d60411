// GRO in userland: segments made by the segmenter (or by hand) coalesced
// back into super-packets, which are then completed and re-segmented to
// prove nothing changed; and the cases that must end or refuse a run.
import Testing
@testable import Offload

/// What the coalescer emitted: header and a copy of the packet.
struct Emitted: Equatable {
    var header: VirtioNetHeader
    var packet: [UInt8]
}

/// Pushes every packet, then flushes; returns all emitted in order.
func coalesce(_ packets: [[UInt8]], flows: Int = 1, maximumLength: Int = 65535,
              counters: UnsafeMutablePointer<GROCoalescer.Counters>? = nil) -> [Emitted] {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: flows * maximumLength, alignment: 16)
    defer { buffer.deallocate() }
    var gro = GROCoalescer(buffer: buffer, flows: flows, maximumLength: maximumLength)
    var out: [Emitted] = []
    let collect = { (h: VirtioNetHeader, p: UnsafeRawBufferPointer) in out.append(Emitted(header: h, packet: Array(p))) }
    for p in packets { p.withUnsafeBytes { gro.push($0, emit: collect) } }
    gro.flush(emit: collect)
    #expect(gro.isEmpty)
    counters?.pointee = gro.counters
    return out
}

/// The super-packet completed as the kernel would (NEEDS_CSUM).
func completed(_ e: Emitted) throws -> [UInt8] {
    var p = e.packet
    try p.withUnsafeMutableBytes { try TCPSegmenter.completeChecksum($0, header: e.header) }
    return p
}

@Suite struct GROCoalescerTests {
    static let sack: [UInt8] = [2, 4, 0x05, 0xb4, 4, 2, 1, 1]

    @Test(arguments: [(false, 20000, Flow().options, 1500), (true, 20000, Flow().options, 1500),
                      (false, 1448 * 10, sack, 1500), (true, 12345, [], 1492), (false, 65535 - 52, Flow().options, 1492),
                      (true, 3001, sack, 1280)])
    func segmentThenCoalesceRoundTrip(_ v6: Bool, _ size: Int, _ options: [UInt8], _ mtu: Int) throws {
        var flow = Flow()
        flow.v6 = v6
        flow.options = options
        let data = pattern(size, seed: size)
        let original = tcpPacket(flow, seq: 0xffff_ff00, flags: tcpACK | tcpPSH, id: 0xfff0, payload: data, partial: true)
        let header = tsoHeader(original, mss: 1460)
        let segs = try segments(original, header: header, mtu: mtu)
        try #require(segs.count > 1)
        var counters = GROCoalescer.Counters()
        let out = coalesce(segs, counters: &counters)
        #expect(out.count == 1)
        let e = try #require(out.first)
        let l3 = v6 ? 40 : 20, headers = l3 + 20 + options.count
        #expect(e.header == VirtioNetHeader(flags: .needsChecksum, gsoType: v6 ? .tcpv6 : .tcpv4, headerLength: UInt16(headers),
                                            gsoSize: UInt16(segs[0].count - headers), checksumStart: UInt16(l3),
                                            checksumOffset: 16))
        #expect(e.packet.count == original.count)
        let samePayload = TCPView(e.packet).payload == data
        #expect(samePayload)
        #expect(TCPView(e.packet).flags == tcpACK | tcpPSH)
        #expect(counters.superPackets == 1 && counters.segmentsCoalesced == segs.count && counters.passedThrough == 0)
        // The partial checksum left for the kernel is right, and the IP header too.
        #expect(checksumsValid(try completed(e)))
        // Cut again by its own header: the same segments as before.
        let sameSegments = try segments(e.packet, header: e.header, mtu: mtu) == segs
        #expect(sameSegments)
    }

    func run(_ n: Int, v6: Bool = false, payload: Int = 1000, seq: UInt32 = 1000, lastFlags: UInt8 = tcpACK,
             flow: Flow = Flow()) -> [[UInt8]] {
        var f = flow
        f.v6 = v6
        return (0..<n).map { i in
            tcpPacket(f, seq: seq &+ UInt32(i * payload), flags: i == n - 1 ? lastFlags : tcpACK, id: 7 + i,
                      payload: pattern(payload, seed: i))
        }
    }

    @Test func shortSegmentEndsTheRun() throws {
        var segs = run(3)
        segs.append(tcpPacket(Flow(), seq: 4000, id: 10, payload: pattern(500)))
        segs.append(tcpPacket(Flow(), seq: 4500, id: 11, payload: pattern(1000)))
        let out = coalesce(segs)
        try #require(out.count == 2)
        #expect(out[0].header.gsoType == .tcpv4 && out[0].packet.count == 52 + 3500)
        #expect(out[1].header == VirtioNetHeader() && out[1].packet == segs[4])
    }

    @Test(arguments: [tcpACK | tcpPSH, tcpACK | tcpFIN, tcpACK | tcpPSH | tcpFIN])
    func pshOrFinEndsTheRunAndIsKept(_ last: UInt8) throws {
        let segs = run(4, lastFlags: last) + run(2, seq: 5000)
        let out = coalesce(segs)
        try #require(out.count == 2)
        #expect(TCPView(out[0].packet).flags == last)
        #expect(checksumsValid(try completed(out[0])))
        #expect(TCPView(out[1].packet).seq == 5000)
    }

    @Test func loneSegmentsPassUnchanged() {
        let segs = run(1) + run(1, seq: 9000, lastFlags: tcpACK | tcpPSH)
        var counters = GROCoalescer.Counters()
        #expect(coalesce(segs, counters: &counters) == segs.map { Emitted(header: VirtioNetHeader(), packet: $0) })
        #expect(counters.passedThrough == 2 && counters.superPackets == 0)
    }

    @Test func otherTrafficPassesWithoutBreakingTheRun() throws {
        let segs = run(4)
        let udp = udpPacket(v6: false, payload: pattern(40))
        let out = coalesce([segs[0], segs[1], udp, segs[2], [0x45, 1, 2], segs[3]])
        try #require(out.count == 3)
        #expect(out[0].packet == udp && out[1].packet == [0x45, 1, 2])
        #expect(out[2].packet.count == 52 + 4000)
    }

    /// Segments that must not join the run before them, each with why.
    @Test func refusedJoins() {
        let base = run(2)
        func second(_ change: (inout Flow) -> Void, seq: UInt32 = 2000, flags: UInt8 = tcpACK, id: Int = 8) -> [UInt8] {
            var f = Flow()
            change(&f)
            return tcpPacket(f, seq: seq, flags: flags, id: id, payload: pattern(1000, seed: 1))
        }
        var noDF = Flow()
        noDF.dontFragment = false
        let table: [(String, [UInt8])] = [
            ("gap in sequence", second({ _ in }, seq: 2001)),
            ("retransmission", second({ _ in }, seq: 1000)),
            ("other ACK", second { $0.ack += 1 }),
            ("other timestamp", second { $0.options[11] = 1 }),
            ("no options", second { $0.options = [] }),
            ("other TTL", second { $0.ttl = 63 }),
            ("other TOS", second { $0.tos = 2 }),
            ("DF cleared", second { $0.dontFragment = false }),
            ("other port", second { $0.sourcePort = 1 }),
            ("ECE", second({ _ in }, flags: tcpACK | tcpECE)),
            ("CWR after the first", second({ _ in }, flags: tcpACK | tcpCWR)),
            ("longer than the first", tcpPacket(Flow(), seq: 2000, id: 8, payload: pattern(1001))),
        ]
        for (name, packet) in table {
            let out = coalesce([base[0], packet])
            #expect(out.count == 2, "\(name)")
            #expect(out.map(\.header) == [VirtioNetHeader(), VirtioNetHeader()], "\(name)")
        }
        // Without DF the IPv4 ID must count up (RFC 6864 §4.1).
        let a = tcpPacket(noDF, seq: 1000, id: 7, payload: pattern(1000))
        #expect(coalesce([a, tcpPacket(noDF, seq: 2000, id: 9, payload: pattern(1000))]).count == 2)
        #expect(coalesce([a, tcpPacket(noDF, seq: 2000, id: 8, payload: pattern(1000))]).count == 1)
        // With DF it names nothing: any ID joins.
        #expect(coalesce([base[0], tcpPacket(Flow(), seq: 2000, id: 500, payload: pattern(1000))]).count == 1)
    }

    @Test(arguments: [tcpSYN | tcpACK, tcpRST | tcpACK, tcpURG | tcpACK, 0])
    func controlSegmentsFlushAndPass(_ flags: UInt8) throws {
        let segs = run(3)
        let odd = tcpPacket(Flow(), seq: 4000, flags: flags, id: 10, payload: pattern(1000))
        let out = coalesce(segs + [odd] + run(2, seq: 5000))
        try #require(out.count == 3)
        #expect(out[0].packet.count == 52 + 3000)
        #expect(out[1] == Emitted(header: VirtioNetHeader(), packet: odd))
    }

    @Test func badChecksumIsNeverFolded() throws {
        var segs = run(4)
        segs[2][100] ^= 1
        var counters = GROCoalescer.Counters()
        let out = coalesce(segs, counters: &counters)
        try #require(out.count == 3)
        #expect(out[0].packet.count == 52 + 2000)
        #expect(out[1].packet == segs[2] && out[1].header == VirtioNetHeader())
        #expect(out[2].packet == segs[3])
        #expect(counters.checksumFailures == 1)
        var badHeader = run(2)
        badHeader[1][8] = 1  // TTL, IPv4 header checksum now wrong
        #expect(coalesce(badHeader).count == 2)
    }

    @Test func superPacketsStayWithin64KiB() throws {
        let segs = run(100, payload: 1448)
        let out = coalesce(segs)
        #expect(out.allSatisfy { $0.packet.count <= 65535 })
        #expect(out.count == 3)
        var joined: [UInt8] = []
        for e in out {
            #expect(checksumsValid(try completed(e)))
            joined += TCPView(e.packet).payload
        }
        let sameJoined = joined == segs.flatMap { TCPView($0).payload }
        #expect(sameJoined)
        // A smaller limit the caller chose holds too.
        #expect(coalesce(segs, maximumLength: 8000).allSatisfy { $0.packet.count <= 8000 })
    }

    @Test func interleavedFlowsWithTwoRuns() throws {
        var other = Flow()
        other.sourcePort = 40001
        let a = run(5), b = run(5, v6: true), c = run(5, flow: other)
        var mixed: [[UInt8]] = []
        for i in 0..<5 { mixed += [a[i], b[i]] }
        let two = coalesce(mixed, flows: 2)
        #expect(two.count == 2)
        #expect(two.map { $0.packet.count }.sorted() == [52 + 5000, 72 + 5000])
        // One run only: each switch of flow ends the run.
        #expect(coalesce(mixed, flows: 1).count == 10)
        // Three flows on two runs: the oldest run is flushed for the third.
        var three: [[UInt8]] = []
        for i in 0..<5 { three += [a[i], b[i], c[i]] }
        let out = coalesce(three, flows: 2)
        #expect(out.count > 3)
        for e in out where e.header.gsoType != .none { #expect(checksumsValid(try completed(e))) }
    }

    @Test func cwrOnTheFirstSegmentSetsTheECNBit() throws {
        var segs = run(3)
        segs[0] = tcpPacket(Flow(), seq: 1000, flags: tcpACK | tcpCWR, id: 7, payload: pattern(1000, seed: 0))
        let out = coalesce(segs)
        try #require(out.count == 1)
        #expect(out[0].header.ecn)
        let again = try segments(out[0].packet, header: out[0].header, mtu: 1500)
        #expect(again == segs)
    }
}
