// The splice over real socketpairs: both directions, the MRU rule, hang-up
// propagation, and backpressure without loss.
#if canImport(Glibc)
import Glibc
#endif
import Testing
import IPC
@testable import bridged

/// Two channels as linkd would hold them: `outer[i]` is linkd's end of
/// channel i; the splice gets the inner ends.
private final class Rig {
    let loop: EventLoop
    let splice: Splice
    let outer: [SharedDescriptor]
    var ended: String?

    init(mruA: UInt16 = 1500, mruB: UInt16 = 1500) throws {
        loop = try EventLoop()
        let a = try Socket.seqpacketPair(), b = try Socket.seqpacketPair()
        var ra = ChannelRecord(session: "a:1", port: "a"); ra.peerMRU = mruA; ra.bridgeWith = "b:1"
        var rb = ChannelRecord(session: "b:1", port: "b"); rb.peerMRU = mruB; rb.bridgeWith = "a:1"
        outer = [SharedDescriptor(a.first), SharedDescriptor(b.first)]
        splice = Splice(Splice.Leg(record: ra, fd: a.second), Splice.Leg(record: rb, fd: b.second),
                        loop: loop, buffer: FrameBuffer())
        splice.onEnd = { [unowned self] _, reason in self.ended = reason }
        try splice.start()
    }

    func send(_ i: Int, _ frame: [UInt8]) -> Bool {
        frame.withUnsafeBytes { Glibc.send(outer[i].raw, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) } == frame.count
    }

    /// Reads one frame at outer[i]: nil if none is waiting, [] at EOF.
    func receive(_ i: Int) -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: 70_000)
        let n = buf.withUnsafeMutableBytes { recv(outer[i].raw, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if n < 0 { return nil }
        return Array(buf[0..<n])
    }

    func spin(_ times: Int = 20) { for _ in 0..<times { loop.runOnce(timeoutMilliseconds: 5) } }
}

private func frame(_ proto: UInt16, _ seq: Int, size: Int = 8) -> [UInt8] {
    var f = [UInt8(proto >> 8), UInt8(proto & 0xff), UInt8(seq >> 8 & 0xff), UInt8(seq & 0xff)]
    f += [UInt8](repeating: 0xab, count: max(0, size - 4))
    return f
}

@Test func framesCrossInBothDirectionsUnchanged() throws {
    let rig = try Rig()
    let ab = frame(0x0021, 1, size: 100), ba = frame(0x8021, 2, size: 20)
    #expect(rig.send(0, ab) && rig.send(1, ba))
    rig.spin()
    #expect(rig.receive(1) == ab)
    #expect(rig.receive(0) == ba)
    #expect(rig.splice.stats[0].frames == 1 && rig.splice.stats[0].octets == 100)
    #expect(rig.splice.stats[1].frames == 1 && rig.splice.stats[1].octets == 20)
}

@Test(arguments: [(1400, 1402, true), (1400, 1403, false), (128, 130, true), (128, 131, false)])
func framesOverTheFarMRUAreDroppedNotTruncated(mru: Int, size: Int, passes: Bool) throws {
    let rig = try Rig(mruB: UInt16(mru))
    #expect(rig.send(0, frame(0x0021, 7, size: size)))
    rig.spin()
    let got = rig.receive(1)
    #expect((got?.count == size) == passes)
    #expect(rig.splice.stats[0].oversize == (passes ? 0 : 1))
    if !passes { #expect(got == nil, "nothing, not a truncated frame") }
}

@Test func aHangUpOnOneSideClosesTheOther() throws {
    let rig = try Rig()
    _ = rig.outer[0].take()  // linkd A's session ended: its end closes
    rig.spin()
    #expect(rig.ended?.contains("a:1 closed") == true)
    #expect(rig.receive(1) == [], "linkd B sees EOF and terminates its session")
}

@Test func backpressureHoldsFramesInsteadOfLosingThem() throws {
    let rig = try Rig()
    // Nobody reads B: keep sending on A until A's own socket is full too.
    var sent = 0
    while sent < 20_000, rig.send(0, frame(0x0021, sent, size: 1000)) {
        sent += 1
        if sent % 50 == 0 { rig.spin(2) }
    }
    rig.spin()
    #expect(rig.splice.stats[0].stalls > 0, "the far side filled up")
    // Now drain B while the loop runs: every frame arrives, in order.
    var received = 0, rounds = 0
    while received < sent, rounds < 100_000 {
        rounds += 1
        if let f = rig.receive(1), f.count == 1000 {
            #expect(Int(f[2]) << 8 | Int(f[3]) == received & 0xffff)
            received += 1
        } else {
            rig.spin(1)
        }
    }
    #expect(received == sent)
    #expect(rig.splice.stats[0].frames == sent && rig.splice.stats[0].oversize == 0)
    print("backpressure: \(sent) frames, \(rig.splice.stats[0].stalls) stalls, none lost")
}
