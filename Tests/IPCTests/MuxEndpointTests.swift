// MuxEndpoint on a real SEQPACKET socketpair: frames of many sessions
// arrive by handle, in order, read in batches; control records pass; a
// datagram the parser refuses is counted, not delivered; when the socket is
// full a busy session's frames wait in its own bounded queue (past it:
// `full`, counted) while another session's frame waits behind at most one
// of them (round-robin), and control records are never dropped; the other
// end's close is reported.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import Testing

@Suite struct MuxEndpointTests {
    final class Ends {
        let loop: EventLoop
        let a: MuxEndpoint
        let b: MuxEndpoint
        var frames: [(UInt32, [UInt8])] = []
        var controls: [MuxControl] = []
        var closed: String?

        init(buffer: Int32? = nil) throws {
            loop = try EventLoop()
            var p = try Socket.seqpacketPair()
            if var size = buffer {
                for fd in [p.first.raw, p.second.raw] {
                    _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
                    _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
                }
            }
            a = try MuxEndpoint(p.first, loop: loop, largestFrame: 2048)
            b = try MuxEndpoint(p.second, loop: loop, largestFrame: 2048)
            b.onFrame = { [unowned self] handle, frame in self.frames.append((handle, Array(frame))) }
            b.onControl = { [unowned self] c in self.controls.append(c) }
            b.onClosed = { [unowned self] why in self.closed = why }
        }
    }

    @Test func framesOfManySessionsArriveByHandleInOrder() throws {
        let e = try Ends()
        for i in 0..<200 {
            let handle = UInt32(i % 7 + 1)
            let info: [UInt8] = [UInt8(i & 0xff), UInt8(i >> 8)]
            #expect(info.withUnsafeBytes { e.a.send(handle: handle, protocol: 0x0021, information: $0) } == .sent)
        }
        #expect(e.loop.run(until: { e.frames.count == 200 }, seconds: 10))
        for (i, (handle, frame)) in e.frames.enumerated() {
            #expect(handle == UInt32(i % 7 + 1) && frame == [0x00, 0x21, UInt8(i & 0xff), UInt8(i >> 8)])
        }
        // 200 datagrams waiting at once come in far fewer reads.
        #expect(e.b.counters.datagrams == 200 && e.b.counters.batches < 200)
        #expect(e.b.counters.framesIn == 200 && e.a.counters.framesOut == 200)
    }

    @Test func controlRecordsAndMalformedDatagrams() throws {
        let e = try Ends()
        var record = ChannelRecord(session: "eth0:1", port: "eth0")
        record.peerMRU = 1492
        e.a.send(.open(handle: 1, record: record))
        // Raw garbage on the same socket: too short, control kind 9, a frame
        // of 5 octets (shorter than handle + Protocol).
        // Then a frame for handle 1 twice as long as the largest frame
        // (2048): longer than a slot, cut by recvmmsg (MSG_TRUNC), counted,
        // not delivered.
        let tooLong: [UInt8] = [0, 0, 0, 1, 0x00, 0x21] + [UInt8](repeating: 0x45, count: 4096)
        let garbage: [[UInt8]] = [[1, 2, 3], [0, 0, 0, 0, 1, 9, 0, 0, 0, 1], [0, 0, 0, 5, 0x21], tooLong]
        for g in garbage { _ = g.withUnsafeBytes { send(e.a.raw, $0.baseAddress, $0.count, 0) } }
        e.a.send(.close(handle: 1, reason: "LCP down"))
        #expect(e.loop.run(until: { e.controls.count == 2 }, seconds: 10))
        #expect(e.controls == [.open(handle: 1, record: record), .close(handle: 1, reason: "LCP down")])
        #expect(e.b.counters.malformed == 4 && e.frames.isEmpty)
        #expect(e.closed == nil)
    }

    @Test func aBusySessionDoesNotStallTheOthers() throws {
        let e = try Ends(buffer: 4096)
        // Fill the socket with session 1's frames until they queue, then
        // fill its queue until it says full.
        let frame = [UInt8](repeating: 0xab, count: 1000)
        var results: [MuxSend] = []
        for _ in 0..<10_000 {
            let r = frame.withUnsafeBytes { e.a.send(handle: 1, protocol: 0x0021, information: $0) }
            results.append(r)
            if r == .full { break }
        }
        let sent = results.filter { $0 == .sent }.count, queued = results.filter { $0 == .queued }.count
        #expect(sent > 0 && queued == MuxEndpoint.queueLimit && results.last == .full)
        #expect(e.a.counters.queueFull == 1 && e.a.waitingFrames == MuxEndpoint.queueLimit)
        // Session 2 waits in its own queue; a control record waits too.
        #expect([UInt8](repeating: 0xcd, count: 10).withUnsafeBytes { e.a.send(handle: 2, protocol: 0x0021, information: $0) } == .queued)
        e.a.send(.close(handle: 3, reason: "gone"))
        let expected = sent + queued + 1
        #expect(e.loop.run(until: { e.frames.count == expected && e.controls.count == 1 }, seconds: 20))
        // Session 2's frame was served in the first round, right behind one
        // of session 1's queued frames, not behind all 64.
        let position = e.frames.firstIndex { $0.0 == 2 }
        #expect(position == sent + 1)
        #expect(e.controls == [.close(handle: 3, reason: "gone")])
        #expect(e.a.waitingFrames == 0 && e.a.counters.framesOut == expected)
    }

    @Test func theOtherEndClosing() throws {
        let e = try Ends()
        e.a.close()
        #expect(e.loop.run(until: { e.b.isOpen == false }, seconds: 10))
        #expect(e.closed != nil)
        let frame: [UInt8] = [0, 0x21]
        #expect(frame.withUnsafeBytes { e.b.send(handle: 1, $0) } == .gone(EPIPE))
    }
}
