// Issue 21 point 3: UDP GSO and GRO on linkd's datagram ports, on real UDP
// sockets over loopback. A TransmitBatch with `udpSegmentation` sends a run
// of equal-sized datagrams to one peer as one UDP_SEGMENT message inside the
// round's one sendmmsg; a plain receiver gets the datagrams one by one, a
// receiver with UDP_GRO gets the run coalesced and UDPSegments cuts it back,
// in order. A refused run (SO_NO_CHECK makes the kernel refuse UDP_SEGMENT
// with EINVAL) is resent without it, nothing lost. No timing.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import TestSupport
import Testing
@testable import linkd

private final class Tally: TransmitAccount {
    var sent = 0, dropped = 0, failed = 0
    func transmitted(octets: Int) { sent += 1 }
    func transmitDropped() { dropped += 1 }
    func transmitFailed() { failed += 1 }
}

private struct OffloadFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// An unconnected UDP socket bound on loopback, and its port.
private func loopbackSocket() throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { throw OffloadFailure("socket") }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw OffloadFailure("bind") }
    return (fd, UInt16(bigEndian: addr.sin_port))
}

/// Datagram i of `length` octets: its number, then filler.
private func numbered(_ i: Int, _ length: Int) -> [UInt8] {
    [UInt8(i >> 8), UInt8(i & 0xff)] + [UInt8](repeating: UInt8(truncatingIfNeeded: i &* 7), count: length - 2)
}

/// Queues `datagrams` (destination port, bytes) on `fd` in one round.
private func sendInOneRound(_ datagrams: [(UInt16, [UInt8])], fd: Int32, batch: TransmitBatch, loop: EventLoop,
                            account: Tally) throws {
    try inRound(loop) {
        for (port, d) in datagrams {
            guard let slot = batch.reserve(fd: fd, to: L2TPEndpoint(address: 0x7f00_0001, port: port)) else { return }
            d.withUnsafeBytes { slot.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: d.count) }
            batch.commit(d.count, from: account)
        }
    }
}

/// Every datagram reaching `fd` (as L2TPDatagrams reads them, cut by
/// UDPSegments), until `n` have come (bounded); and how many messages were
/// coalesced runs.
private func readDatagrams(_ fd: Int32, gro: Bool, expecting n: Int) -> (datagrams: [[UInt8]], coalesced: Int) {
    var inbound = L2TPDatagrams(gro: gro)
    var out: [[UInt8]] = []
    var coalesced = 0
    for _ in 0..<2000 where out.count < n {
        let got = inbound.receive(from: fd) ?? 0
        if got == 0 { usleep(1000); continue }
        for i in 0..<got {
            guard let m = inbound.message(i) else { continue }
            if m.segmentSize > 0 { coalesced += 1 }
            for d in UDPSegments(m.bytes, segmentSize: m.segmentSize) { out.append(Array(d)) }
        }
    }
    return (out, coalesced)
}

@Suite struct UDPOffloadTests {
    /// The splitter on its own: boundary table (empty, shorter than a
    /// segment, exact multiples, a short last one, no control message).
    @Test(arguments: [
        (0, 0, [0]), (10, 0, [10]), (10, 10, [10]), (10, 20, [10]),
        (10, 3, [3, 3, 3, 1]), (9, 3, [3, 3, 3]), (1, 1, [1]), (65_000, 1_400, [Int](repeating: 1_400, count: 46) + [600]),
    ])
    func segmentsCutAMessageBack(length: Int, size: Int, expected: [Int]) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        let message = ([UInt8](repeating: 0xee, count: 5) + bytes)[5...]
        let parts = Array(UDPSegments(message, segmentSize: size))
        #expect(parts.map(\.count) == expected)
        #expect(UDPSegments(message, segmentSize: size).count == expected.count)
        #expect(parts.flatMap { Array($0) } == bytes)
    }

    /// A run to one peer leaves as one UDP_SEGMENT message in the round's
    /// one sendmmsg and arrives at a plain receiver as separate datagrams.
    @Test func aRunToOnePeerLeavesAsOneGSOMessage() throws {
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        batch.udpSegmentation = true
        let account = Tally()
        let u = try loopbackSocket(), r = try loopbackSocket()
        defer { _ = close(u.fd); _ = close(r.fd) }
        let sent = (0..<11).map { numbered($0, $0 == 10 ? 300 : 1000) }
        try sendInOneRound(sent.map { (r.port, $0) }, fd: u.fd, batch: batch, loop: loop, account: account)
        #expect(batch.counters.batches == 1 && batch.counters.frames == 11)
        #expect(batch.counters.gsoSends == 1 && batch.counters.gsoSegments == 11)
        #expect(account.sent == 11 && account.failed == 0 && account.dropped == 0)
        let got = readDatagrams(r.fd, gro: false, expecting: 11)
        #expect(got.datagrams == sent)
        #expect(got.coalesced == 0)
    }

    /// A receiver with UDP_GRO gets the run as one coalesced message and the
    /// splitter yields every datagram in order; a connected socket (a PPP
    /// over UDP circuit) sends its runs the same way.
    @Test func aGROReceiverGetsTheRunCoalesced() throws {
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        batch.udpSegmentation = true
        let account = Tally()
        let u = try loopbackSocket(), r = try loopbackSocket()
        defer { _ = close(u.fd); _ = close(r.fd) }
        #expect(ppp_udp_set_gro(r.fd, 1) == 0)
        var to = sockaddr_in()
        to.sin_family = sa_family_t(AF_INET)
        to.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        to.sin_port = r.port.bigEndian
        let connected = withUnsafePointer(to: &to) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(u.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        #expect(connected)
        let sent = (0..<21).map { numbered($0, $0 == 20 ? 123 : 500) }
        try inRound(loop) {
            for d in sent { _ = d.withUnsafeBytes { batch.add($0, fd: u.fd, from: account) } }
        }
        #expect(batch.counters.gsoSends == 1 && batch.counters.gsoSegments == 21 && batch.counters.batches == 1)
        let got = readDatagrams(r.fd, gro: true, expecting: 21)
        #expect(got.datagrams == sent)
        #expect(got.coalesced >= 1)
    }

    /// Runs end at another destination, at a shorter datagram, and at the
    /// kernel's 64 KiB; every datagram arrives at its own peer, in order.
    @Test func mixedSizesAndDestinationsKeepOrder() throws {
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        batch.udpSegmentation = true
        let account = Tally()
        let u = try loopbackSocket(), a = try loopbackSocket(), b = try loopbackSocket()
        defer { _ = close(u.fd); _ = close(a.fd); _ = close(b.fd) }
        // Runs: A 400×3 | B 400×2 | A 400,200 | A 400,300 | A 300,300.
        let plan: [(Bool, Int)] = [(true, 400), (true, 400), (true, 400), (false, 400), (false, 400), (true, 400),
                                   (true, 200), (true, 400), (true, 300), (true, 300), (true, 300)]
        let datagrams = plan.enumerated().map { i, p in (p.0 ? a.port : b.port, numbered(i, p.1)) }
        try sendInOneRound(datagrams, fd: u.fd, batch: batch, loop: loop, account: account)
        #expect(batch.counters.batches == 1 && batch.counters.frames == 11)
        #expect(batch.counters.gsoSends == 5 && batch.counters.gsoSegments == 11)
        #expect(readDatagrams(a.fd, gro: true, expecting: 9).datagrams == datagrams.filter { $0.0 == a.port }.map(\.1))
        #expect(readDatagrams(b.fd, gro: false, expecting: 2).datagrams == datagrams.filter { $0.0 == b.port }.map(\.1))
        // 64 datagrams of 1,100 octets: more than one message may carry
        // (65,487 octets), so two runs, 59 and 5.
        let many = (0..<64).map { (a.port, numbered(100 + $0, 1100)) }
        try sendInOneRound(many, fd: u.fd, batch: batch, loop: loop, account: account)
        #expect(batch.counters.gsoSends == 7 && batch.counters.gsoSegments == 75)
        #expect(readDatagrams(a.fd, gro: true, expecting: 64).datagrams == many.map(\.1))
        #expect(account.sent == 75)
    }

    /// The kernel refuses UDP_SEGMENT (here: a socket without UDP
    /// checksums, EINVAL): the run is resent without it, nothing lost; the
    /// refused size is not tried again, and after three refusals the batch
    /// stops using GSO.
    @Test func aRefusedRunIsResentPlainly() throws {
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        batch.udpSegmentation = true
        let account = Tally()
        let u = try loopbackSocket(), r = try loopbackSocket()
        defer { _ = close(u.fd); _ = close(r.fd) }
        var on: Int32 = 1
        #expect(setsockopt(u.fd, SOL_SOCKET, SO_NO_CHECK, &on, socklen_t(MemoryLayout<Int32>.size)) == 0)
        var all: [[UInt8]] = []
        for (round, size) in [500, 400, 300, 200].enumerated() {
            let sent = (0..<10).map { numbered(round * 10 + $0, size) }
            all += sent
            try sendInOneRound(sent.map { (r.port, $0) }, fd: u.fd, batch: batch, loop: loop, account: account)
            #expect(batch.counters.gsoFallbacks == min(round + 1, TransmitBatch.gsoRefusalsBeforeOff))
        }
        #expect(batch.counters.gsoSends == 0 && batch.gsoCeiling == 0)
        #expect(batch.json["gso"] == .bool(false) && batch.json["gso_fallbacks"] == .int(3))
        #expect(account.sent == 40 && account.failed == 0 && account.dropped == 0)
        #expect(readDatagrams(r.fd, gro: false, expecting: 40).datagrams == all)
    }

    /// A PPP-over-UDP port (DatagramReader) reads its connected socket the
    /// same way, over IPv6 too, where the sender's address is not kept:
    /// `payload` gives each message and its segment size. With UDP_GRO on a
    /// GSO run arrives coalesced and cuts back in order; turned off again
    /// (offload off, the socket from the fd store) the kernel hands the
    /// datagrams one by one, none coalesced.
    @Test func aConnectedIPv6PortReadsRunsAndPlainDatagrams() throws {
        var pair: (Int32, Int32)?
        for _ in 0..<20 where pair == nil {
            let p = UInt16.random(in: 20_000...40_000)
            let a = ppp_udp_open("[::1]:\(p)", "[::1]:\(p + 1)")
            let b = ppp_udp_open("[::1]:\(p + 1)", "[::1]:\(p)")
            if a >= 0 && b >= 0 { pair = (a, b) } else { _ = close(a); _ = close(b) }
        }
        let (u, r) = try #require(pair, "no IPv6 loopback pair")
        defer { _ = close(u); _ = close(r) }
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        batch.udpSegmentation = true
        let account = Tally()
        /// Every datagram reaching r, and the messages that were runs.
        func read(_ n: Int) -> (datagrams: [[UInt8]], coalesced: Int, unnamed: Int) {
            var inbound = L2TPDatagrams(gro: true)
            var out: [[UInt8]] = []
            var coalesced = 0, unnamed = 0
            for _ in 0..<2000 where out.count < n {
                let got = inbound.receive(from: r) ?? 0
                if got == 0 { usleep(1000); continue }
                for i in 0..<got {
                    if inbound.message(i) == nil { unnamed += 1 }
                    guard let (bytes, size) = inbound.payload(i) else { continue }
                    if size > 0 { coalesced += 1 }
                    for d in UDPSegments(bytes, segmentSize: size) { out.append(Array(d)) }
                }
            }
            return (out, coalesced, unnamed)
        }
        #expect(ppp_udp_set_gro(r, 1) == 0)
        let run = (0..<21).map { numbered($0, $0 == 20 ? 77 : 1400) }
        try inRound(loop) { for d in run { _ = d.withUnsafeBytes { batch.add($0, fd: u, from: account) } } }
        #expect(batch.counters.gsoSends == 1 && batch.counters.gsoSegments == 21)
        let coalesced = read(21)
        #expect(coalesced.datagrams == run)
        #expect(coalesced.coalesced >= 1 && coalesced.unnamed >= 1)
        #expect(ppp_udp_set_gro(r, 0) == 0)
        let again = (0..<21).map { numbered(100 + $0, $0 == 20 ? 77 : 1400) }
        try inRound(loop) { for d in again { _ = d.withUnsafeBytes { batch.add($0, fd: u, from: account) } } }
        #expect(batch.counters.gsoSends == 2 && account.sent == 42)
        let plain = read(21)
        #expect(plain.datagrams == again)
        #expect(plain.coalesced == 0 && plain.unnamed == 21)
    }
}
