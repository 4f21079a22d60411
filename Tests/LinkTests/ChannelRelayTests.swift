// ChannelRelay on real sockets, with this test playing ncpd: a rendezvous
// point in a temp dir receives the handoff, a HandoffReceiver accepts or
// refuses it, and frames cross the channel both ways. The channel
// conventions (DESIGN.md "Channels") as a boundary table: what the owner may
// send, what is dropped and counted, and hang-up.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP
import Testing
@testable import linkd

/// A fake ncpd: the rendezvous point and what arrived on it.
final class FakeNcpd {
    let dir: String
    let rendezvous: SharedDescriptor
    var buffer = [UInt8](repeating: 0, count: Wire.maxMessageSize + 1)

    init() throws {
        dir = "/tmp/linkd-relay-test-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        mkdir(dir, 0o700)
        switch try Rendezvous.open(dir + "/ncpd") {
        case let .owner(fd): rendezvous = SharedDescriptor(fd)
        case .client: throw IPCError.badDescriptor
        }
    }

    /// One handoff as it arrived: the record, the channel and R.
    final class Arrival {
        let record: ChannelRecord
        let channel: SharedDescriptor
        let r: SharedDescriptor
        init(_ record: ChannelRecord, _ channel: consuming FileDescriptor, _ r: consuming FileDescriptor) {
            self.record = record
            self.channel = SharedDescriptor(channel)
            self.r = SharedDescriptor(r)
        }
        func receiver(_ loop: EventLoop) -> HandoffReceiver { HandoffReceiver(ack: r.take()!, loop: loop) }
    }

    /// Waits (bounded) for one handoff.
    func receive(_ loop: EventLoop) throws -> Arrival? {
        let deadline = Instant.now().adding(seconds: 5)
        while Instant.now() < deadline {
            loop.runOnce(timeoutMilliseconds: 10)
            guard var dg = try Socket.receive(rendezvous.raw, into: &buffer) else { continue }
            let (_, m) = try Codec.decode(buffer[0..<dg.count], from: .linkd, descriptorCount: dg.descriptors.count)
            guard case let .channelHandedOver(bytes) = m else { dg.descriptors.closeAll(); return nil }
            return Arrival(try ChannelRecord.decode(bytes), dg.descriptors.take(0), dg.descriptors.take(1))
        }
        return nil
    }

    func remove() {
        unlink(dir + "/ncpd")
        rmdir(dir)
    }
}

final class RelayProbe {
    var transmitted: [(UInt16, [UInt8])] = []
    var rejects: [(UInt16, [UInt8])] = []
    var ended: String?
}

func makeRelay(_ ncpd: FakeNcpd, _ loop: EventLoop, peerMRU: UInt16 = 100) -> (ChannelRelay, RelayProbe) {
    var record = ChannelRecord(session: "t:1", port: "t")
    record.peerMRU = peerMRU
    record.localMRU = 1500
    let relay = ChannelRelay(record: record, runtimeDir: ncpd.dir, loop: loop, log: Log(threshold: .warning),
                             scratch: FrameScratch())
    let probe = RelayProbe()
    relay.onTransmit = { p, i in probe.transmitted.append((p.rawValue, Array(i))) }
    relay.onProtocolReject = { p, i in probe.rejects.append((p.rawValue, Array(i))) }
    relay.onEnd = { probe.ended = $0 }
    return (relay, probe)
}

@Suite(.serialized) struct ChannelRelayTests {
    @Test func acceptedChannelRelaysByTheConventions() throws {
        let loop = try EventLoop()
        let ncpd = try FakeNcpd()
        defer { ncpd.remove() }
        let (relay, probe) = makeRelay(ncpd, loop)
        relay.start()
        // Before the ack, the first few wire frames are kept for the owner
        // (delivered after the ack, first), the rest dropped and counted.
        relay.deliver(.ipcp, [9, 8][...])
        for _ in 0..<ChannelRelay.earlyLimit { relay.deliver(.ipcp, [7][...]) }
        #expect(relay.counters.droppedBeforeHandoff == 1)
        let arrival = try #require(try ncpd.receive(loop))
        #expect(arrival.record.session == "t:1" && arrival.record.peerMRU == 100)
        let channel = arrival.channel
        let receiver = arrival.receiver(loop)
        var accepted: Bool?
        try receiver.accept(pid: 4242) { accepted = $0 }
        #expect(loop.run(until: { accepted != nil && relay.state == .relaying }, seconds: 5))
        #expect(accepted == true && relay.ownerPID == 4242)

        // Wire → channel: one datagram, Protocol then Information; the
        // frames kept before the ack come first, in order.
        relay.deliver(.ipcp, [1, 2, 3][...])
        var buf = [UInt8](repeating: 0, count: 2048)
        var n = buf.withUnsafeMutableBytes { recv(channel.raw, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        #expect(Array(buf[0..<max(n, 0)]) == [0x80, 0x21, 9, 8])
        for _ in 0..<(ChannelRelay.earlyLimit - 1) {
            n = buf.withUnsafeMutableBytes { recv(channel.raw, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            #expect(Array(buf[0..<max(n, 0)]) == [0x80, 0x21, 7])
        }
        n = buf.withUnsafeMutableBytes { recv(channel.raw, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        #expect(Array(buf[0..<max(n, 0)]) == [0x80, 0x21, 1, 2, 3])

        // Channel → wire, as a boundary table: (datagram, outcome).
        let ipv4 = [UInt8](repeating: 0x45, count: 100)
        let table: [([UInt8], String)] = [
            ([0x00], "invalid"),                                   // shorter than the Protocol field
            ([0x00, 0x21], "transmit"),                            // header only: empty IPv4 frame
            ([0x00, 0x20, 1], "invalid"),                          // even Protocol value (RFC 1661 §2)
            ([0x00, 0x21] + ipv4, "transmit"),                     // exactly the peer's MRU
            ([0x00, 0x21] + ipv4 + [0], "overMRU"),                // MRU + 1
            ([0xc0, 0x23, 1, 1, 0, 4], "invalid"),                 // PAP is authd's
            ([0xc0, 0x21, 9, 1, 0, 8, 0, 0, 0, 0], "invalid"),     // LCP other than Protocol-Reject
            ([0xc0, 0x21, 8, 0, 0, 5, 0x80], "invalid"),           // Protocol-Reject shorter than its header
            ([0xc0, 0x21, 8, 0, 0, 20, 0x80, 0x57, 1], "invalid"), // declared Length past the data
            ([0xc0, 0x21, 8, 0, 0, 6, 0xc0, 0x21], "invalid"),     // rejecting a link-control protocol
            ([0xc0, 0x21, 8, 7, 0, 9, 0x80, 0x57, 1, 2, 3, 99], "reject"), // ok; trailing octet ignored
        ]
        for (datagram, _) in table { #expect(try Socket.send(channel.raw, datagram)) }
        let invalid = table.filter { $0.1 == "invalid" }.count
        #expect(loop.run(until: {
            relay.counters.droppedInvalid + relay.counters.droppedOverMRU + probe.transmitted.count + probe.rejects.count
                == table.count
        }, seconds: 5))
        #expect(relay.counters.droppedInvalid == invalid)
        #expect(relay.counters.droppedOverMRU == 1)
        #expect(probe.transmitted.map(\.0) == [0x0021, 0x0021])
        #expect(probe.transmitted.map(\.1.count) == [0, 100])
        #expect(probe.rejects.count == 1)
        #expect(probe.rejects.first?.0 == 0x8057 && probe.rejects.first?.1 == [1, 2, 3])
        #expect(relay.counters.framesFromChannel == 3 && relay.counters.framesToChannel == 1 + ChannelRelay.earlyLimit)

        // The owner hangs up: the session hears why.
        _ = channel.take()
        #expect(loop.run(until: { probe.ended != nil }, seconds: 5))
        #expect(probe.ended == "ncpd closed the channel")
        #expect(relay.state == .closed)
    }

    /// Both ends of a handed-over channel have room for a burst of frames
    /// (Socket.channelSendBuffer, as far as net.core.wmem_max lets linkd go).
    @Test func channelEndsGetTheChannelSendBuffer() throws {
        let loop = try EventLoop()
        let ncpd = try FakeNcpd()
        defer { ncpd.remove() }
        let (relay, _) = makeRelay(ncpd, loop)
        relay.start()
        let arrival = try #require(try ncpd.receive(loop))
        let far = arrival.channel
        var max = 0
        let fd = open("/proc/sys/net/core/wmem_max", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        var text = [UInt8](repeating: 0, count: 32)
        let n = read(fd, &text, text.count)
        close(fd)
        for c in text[0..<Swift.max(n, 0)] where c >= 0x30 && c <= 0x39 { max = max * 10 + Int(c - 0x30) }
        try #require(max > 0)
        let expected = 2 * min(Socket.channelSendBuffer, max)
        #expect(Socket.sendBuffer(far.raw) == expected)
        var accepted: Bool?
        try arrival.receiver(loop).accept(pid: 4243) { accepted = $0 }
        #expect(loop.run(until: { accepted != nil && relay.state == .relaying }, seconds: 5))
        #expect(Socket.sendBuffer(try #require(relay.descriptor)) == expected)
        relay.close()
    }

    @Test func refusalEndsTheSessionWithNcpdsReason() throws {
        let loop = try EventLoop()
        let ncpd = try FakeNcpd()
        defer { ncpd.remove() }
        let (relay, probe) = makeRelay(ncpd, loop)
        relay.start()
        let arrival = try #require(try ncpd.receive(loop))
        arrival.receiver(loop).refuse("session t:1 already has a channel here")
        #expect(loop.run(until: { probe.ended != nil }, seconds: 5))
        #expect(probe.ended == "ncpd refused the channel: session t:1 already has a channel here")
        #expect(relay.counters.handoffAttempts == 1)
    }

    /// A receiver that dies before answering (ncpd restarting): one more
    /// attempt a second later, which the new ncpd may accept.
    @Test func receiverDyingIsRetriedOnce() throws {
        let loop = try EventLoop()
        let ncpd = try FakeNcpd()
        defer { ncpd.remove() }
        let (relay, probe) = makeRelay(ncpd, loop)
        relay.start()
        let first = try #require(try ncpd.receive(loop))
        _ = first.r.take()  // closes R unanswered: the sender sees EOF
        let second = try #require(try ncpd.receive(loop))
        #expect(relay.counters.handoffAttempts == 2)
        var accepted: Bool?
        let receiver = second.receiver(loop)
        try receiver.accept { accepted = $0 }
        #expect(loop.run(until: { relay.state == .relaying && accepted != nil }, seconds: 5))
        #expect(accepted == true && probe.ended == nil)
        relay.close()
        #expect(relay.state == .closed)
    }
}
