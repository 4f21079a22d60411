// Issue 21 point 2: linkd's send batch (TransmitBatch) and the batch receive
// path (PacketBatch.receive, recvmmsg) on real UDP sockets over loopback,
// driven by a real EventLoop: frames added while a round is dispatched leave
// in one sendmmsg at the round's end, in order, each accounted to its
// sender; outside a round, too long for a slot, or for another socket they
// are not held (the caller writes them after a flush). No timing.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC
import PPP
import TestSupport
import Testing
@testable import linkd

/// Records what the batch says became of each frame.
private final class Account: TransmitAccount {
    var sent: [Int] = [], dropped = 0, failed = 0
    func transmitted(octets: Int) { sent.append(octets) }
    func transmitDropped() { dropped += 1 }
    func transmitFailed() { failed += 1 }
}

/// Two UDP sockets on loopback, each connected to the other.
private struct UDPPair {
    let a: Int32, b: Int32
    init() throws {
        func bound() throws -> (Int32, sockaddr_in) {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket") }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
                }
            }
            guard ok else { throw TestFailure("bind") }
            return (fd, addr)
        }
        let (fa, aa) = try bound(), (fb, ab) = try bound()
        func connectTo(_ fd: Int32, _ to: sockaddr_in) -> Bool {
            var t = to
            return withUnsafePointer(to: &t) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        }
        guard connectTo(fa, ab), connectTo(fb, aa) else { throw TestFailure("connect") }
        a = fa
        b = fb
    }
    func close() { _ = Glibc.close(a); _ = Glibc.close(b) }
}

private struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Frame i: its number, then `length` octets of it.
private func frame(_ i: Int, length: Int = 100) -> [UInt8] {
    [UInt8(i >> 8), UInt8(i & 0xff)] + [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: length - 2)
}

/// Everything waiting on `fd`, read with recvmmsg batches (bounded).
private func receiveAll(_ fd: Int32, expecting n: Int) throws -> [[UInt8]] {
    var batch = PacketBatch(slotSize: 2048, capacity: 32)
    var out: [[UInt8]] = []
    for _ in 0..<1000 where out.count < n {
        let got = try batch.receive(from: fd)
        if got == 0 { usleep(1000); continue }
        for i in 0..<got { out.append(Array(batch.frame(i))) }
    }
    return out
}

@Suite struct TransmitBatchTests {
    @Test func framesOfOneRoundLeaveInOneCallInOrder() throws {
        let pair = try UDPPair()
        defer { pair.close() }
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        let account = Account()
        var held: [Bool] = []
        try inRound(loop) {
            for i in 0..<10 { held.append(frame(i).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) }) }
            // Nothing has left yet: the round is not over.
            held.append(batch.count == 10)
        }
        #expect(held == [Bool](repeating: true, count: 11))
        #expect(batch.count == 0)
        #expect(batch.counters.batches == 1 && batch.counters.frames == 10 && batch.counters.largest == 10)
        #expect(account.sent == [Int](repeating: 100, count: 10))
        let got = try receiveAll(pair.b, expecting: 10)
        #expect(got == (0..<10).map { frame($0) })
    }

    @Test func aFullBatchLeavesAtOnce() throws {
        let pair = try UDPPair()
        defer { pair.close() }
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        let account = Account()
        let n = TransmitBatch.slots + 5
        var countAfterSlots = -1
        try inRound(loop) {
            for i in 0..<n {
                _ = frame(i).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) }
                if i == TransmitBatch.slots - 1 { countAfterSlots = batch.count }
            }
        }
        #expect(countAfterSlots == 0)
        #expect(batch.counters.batches == 2 && batch.counters.frames == n && batch.counters.largest == TransmitBatch.slots)
        let got = try receiveAll(pair.b, expecting: n)
        #expect(got == (0..<n).map { frame($0) })
    }

    @Test func notHeldOutsideARoundOrTooLongAndAnotherSocketFlushesFirst() throws {
        let pair = try UDPPair()
        defer { pair.close() }
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        let account = Account()
        // Outside a round: the caller sends it itself.
        #expect(frame(1).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) } == false)
        var results: [Bool] = []
        try inRound(loop) {
            results.append(frame(2).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) })
            // Longer than a slot: not held.
            results.append(frame(3, length: 1700).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) })
            // For the other socket: what a held goes first.
            results.append(frame(4).withUnsafeBytes { batch.add($0, fd: pair.b, from: account) })
            results.append(batch.count == 1)
        }
        #expect(results == [true, false, true, true])
        #expect(batch.counters.direct == 2 && batch.counters.batches == 2 && batch.counters.frames == 2)
        #expect(try receiveAll(pair.b, expecting: 1) == [frame(2)])
        #expect(try receiveAll(pair.a, expecting: 1) == [frame(4)])
    }

    /// Issue 21: super-packets of one segment (UDP with a partial checksum,
    /// as a TUN with offloads hands every small datagram and TCP ACK) are
    /// cut into the port's batch: with a frame added before them, all leave
    /// in one sendmmsg, in order, checksums completed, each accounted.
    @Test func oneSegmentSuperPacketsJoinTheBatch() throws {
        let pair = try UDPPair()
        defer { pair.close() }
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        let segments = SegmentBatch()
        let account = Account()
        // The session's Ethernet + PPPoE header (LENGTH filled per segment).
        let header: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x88, 0x64, 0x11, 0, 0x12, 0x34, 0, 0]
        var outcomes: [SegmentBatch.Outcome] = []
        try inRound(loop) {
            _ = frame(1).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) }
            for k in 0..<2 {
                let datagram = partialUDP(payload: [UInt8](repeating: UInt8(k), count: 36))
                outcomes.append(datagram.withUnsafeBytes { d in
                    header.withUnsafeBytes { segments.send(d, protocol: .ipv4, mtu: 1492, header: $0, fd: pair.a, via: batch, account: account) }
                })
            }
        }
        #expect(outcomes == [.queued(segments: 1), .queued(segments: 1)])
        #expect(batch.counters.batches == 1 && batch.counters.frames == 3)
        #expect(account.sent == [100, 86, 86])
        let got = try receiveAll(pair.b, expecting: 3)
        #expect(got.count == 3 && got.first == frame(1))
        for (k, f) in got.dropFirst().enumerated() {
            // PPPoE LENGTH: Protocol (2) + the 64-octet packet.
            #expect(Array(f[0..<18]) == Array(header[0..<18]) && f[18] == 0 && f[19] == 66 && f[20] == 0 && f[21] == 0x21)
            let packet = Array(f[22...])
            #expect(packet.count == 64 && packet[28] == UInt8(k))
            #expect(udpChecksumValid(packet))
        }
    }

    /// Outside a loop round the segments leave at once through SegmentBatch's
    /// own slots, counted as sent.
    @Test func superPacketsOutsideARoundLeaveAtOnce() throws {
        let pair = try UDPPair()
        defer { pair.close() }
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        let account = Account()
        let header = [UInt8](repeating: 0, count: 20)
        let outcome = partialUDP(payload: [7, 7, 7, 7]).withUnsafeBytes { d in
            header.withUnsafeBytes { SegmentBatch().send(d, protocol: .ipv4, mtu: 1492, header: $0, fd: pair.a, via: batch, account: account) }
        }
        #expect(outcome == .sent(segments: 1, octets: 22 + 32))
        #expect(batch.counters.frames == 0 && account.sent.isEmpty)
        let got = try receiveAll(pair.b, expecting: 1)
        #expect(got.count == 1 && udpChecksumValid(Array(got[0][22...])))
    }

    /// Issue 21, L2TP: on one unconnected socket, frames for two peers
    /// leave in one sendmmsg, each to its own; the receiving side reads
    /// them with recvmmsg and their sender (L2TPDatagrams); a datagram
    /// longer than a slot is reported, not cut.
    @Test func addressedFramesOnOneUnconnectedSocket() throws {
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        let account = Account()
        let u = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        defer { _ = close(u) }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(u, $0, len) == 0 && getsockname(u, $0, &len) == 0 }
        }
        #expect(bound)
        // u sends to two receivers, then reads their answers.
        let ra = try receiver(), rb = try receiver()
        defer { _ = close(ra.fd); _ = close(rb.fd) }
        try inRound(loop) {
            for i in 0..<6 {
                let to = L2TPEndpoint(address: 0x7f00_0001, port: i % 2 == 0 ? ra.port : rb.port)
                guard let slot = batch.reserve(fd: u, to: to) else { return }
                let f = frame(i)
                f.withUnsafeBytes { slot.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: f.count) }
                batch.commit(f.count, counting: f.count - 8, from: account)
            }
        }
        #expect(batch.counters.batches == 1 && batch.counters.frames == 6)
        #expect(account.sent == [Int](repeating: 92, count: 6))
        #expect(try receiveAll(ra.fd, expecting: 3) == [0, 2, 4].map { frame($0) })
        #expect(try receiveAll(rb.fd, expecting: 3) == [1, 3, 5].map { frame($0) })
        // The other way: ra and rb answer u; u reads both with their senders.
        for (r, i) in [(ra, 10), (rb, 11)] {
            var to = local
            let f = frame(i)
            _ = f.withUnsafeBytes { p in
                withUnsafePointer(to: &to) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(r.fd, p.baseAddress, p.count, 0, $0, len) }
                }
            }
        }
        let long = [UInt8](repeating: 9, count: L2TPDatagrams.plainSlots.size + 1)
        var toU = local
        _ = long.withUnsafeBytes { p in
            withUnsafePointer(to: &toU) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(ra.fd, p.baseAddress, p.count, 0, $0, len) }
            }
        }
        var inbound = L2TPDatagrams()
        var got: [(ArraySlice<UInt8>, L2TPEndpoint)?] = []
        for _ in 0..<1000 where got.count < 3 {
            let n = inbound.receive(from: u) ?? 0
            if n == 0 { usleep(1000); continue }
            for i in 0..<n { got.append(inbound.message(i).map { (ArraySlice(Array($0.bytes)), $0.from) }) }
        }
        #expect(got.count == 3)
        if got.count == 3 {
            #expect(got[0].map { Array($0.0) } == frame(10) && got[0]?.1 == L2TPEndpoint(address: 0x7f00_0001, port: ra.port))
            #expect(got[1].map { Array($0.0) } == frame(11) && got[1]?.1 == L2TPEndpoint(address: 0x7f00_0001, port: rb.port))
            #expect(got[2] == nil)
        }
    }

    @Test func aFailedSendIsCountedAndTheRestGoOn() throws {
        // b is closed: a's sends draw ECONNREFUSED (the ICMP report) on the
        // next call, which the batch counts as failed and goes on.
        let pair = try UDPPair()
        defer { _ = close(pair.a) }
        _ = close(pair.b)
        let loop = try EventLoop()
        let batch = TransmitBatch(loop: loop, slotSize: 1600)
        let account = Account()
        for _ in 0..<3 {
            try inRound(loop) {
                for i in 0..<4 { _ = frame(i).withUnsafeBytes { batch.add($0, fd: pair.a, from: account) } }
            }
        }
        // Every frame is accounted once: sent, dropped or failed.
        #expect(account.sent.count + account.dropped + account.failed == 12)
        #expect(account.failed >= 1)
        #expect(batch.counters.failed == account.failed && batch.counters.dropped == account.dropped)
    }
}

/// A virtio-net header asking for the checksum (NEEDS_CSUM, start 20,
/// offset 6), then an IPv4/UDP packet whose checksum field holds the
/// pseudo-header sum, as a TUN read with checksum offload gives it.
private func partialUDP(payload: [UInt8]) -> [UInt8] {
    let udpLength = 8 + payload.count
    var ip: [UInt8] = [0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]
    ip[2] = UInt8((20 + udpLength) >> 8); ip[3] = UInt8((20 + udpLength) & 0xff)
    let h = ~onesSum(ip)
    ip[10] = UInt8(h >> 8); ip[11] = UInt8(h & 0xff)
    let pseudo = onesSum(Array(ip[12..<20]) + [0, 17, UInt8(udpLength >> 8), UInt8(udpLength & 0xff)])
    let udp: [UInt8] = [0x9c, 0x40, 0x13, 0x89, UInt8(udpLength >> 8), UInt8(udpLength & 0xff), UInt8(pseudo >> 8), UInt8(pseudo & 0xff)]
    return [1, 0, 0, 0, 0, 0, 20, 0, 6, 0] + ip + udp + payload
}

/// RFC 1071: the one's-complement sum of big-endian 16-bit words.
private func onesSum(_ b: [UInt8]) -> UInt16 {
    var acc: UInt32 = 0
    for i in stride(from: 0, to: b.count, by: 2) { acc += UInt32(b[i]) << 8 | (i + 1 < b.count ? UInt32(b[i + 1]) : 0) }
    while acc > 0xffff { acc = (acc & 0xffff) + (acc >> 16) }
    return UInt16(acc)
}

/// The UDP checksum of an IPv4 packet checks out (RFC 768).
private func udpChecksumValid(_ p: [UInt8]) -> Bool {
    let udp = Array(p[20...])
    return onesSum(Array(p[12..<20]) + [0, 17, UInt8(udp.count >> 8), UInt8(udp.count & 0xff)] + udp) == 0xffff
}

/// The local port of a bound socket.
private func portOf(_ fd: Int32) throws -> UInt16 {
    var addr = sockaddr_in()
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) == 0 } }
    guard ok else { throw TestFailure("getsockname") }
    return UInt16(bigEndian: addr.sin_port)
}

/// An unconnected UDP socket on loopback and its port.
private func receiver() throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket") }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard ok else { throw TestFailure("bind") }
    return (fd, try portOf(fd))
}
