// Bundles over socketpairs (RFC 1990): two bundles back to back on two
// links carry a packet larger than a link's MRU as MP fragments over both
// and rebuild it; a link leaving keeps the bundle, the last one ends it and
// closes the session's side; LCP from the session and non-MP frames from a
// link pass whole; the deposit lists the session's end and every link.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP
import Testing
@testable import ncpd

private func sendFrame(_ fd: Int32, _ bytes: [UInt8]) {
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
}

private func receiveFrame(_ fd: Int32) -> [UInt8]? {
    var buf = [UInt8](repeating: 0, count: 70_000)
    let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
    return n >= 0 ? Array(buf[0..<n]) : nil
}

@Suite struct BundleTests {
    @Test func packetLargerThanALinksMRUIsFragmentedOverBothLinksAndRebuilt() throws {
        let host = try TestBundleHost()
        let a = try BundleRig(host: host, links: 2)
        defer { a.close() }
        let ip: [UInt8] = [0x00, 0x21] + (0..<1400).map { UInt8(truncatingIfNeeded: $0 * 7) }
        sendFrame(a.session, ip)
        _ = host.loop.run(until: { a.bundle.counters.packetsOut == 1 }, seconds: 5)
        // RFC 1990 §3: each link got protocol 0x003d frames within its MRU,
        // the first with B, the last with E, sequence numbers 0, 1, 2, …
        var fragments: [[UInt8]] = []
        var byLink: [[[UInt8]]] = []
        for fd in a.far {
            var got: [[UInt8]] = []
            while let f = receiveFrame(fd) {
                #expect(f.count - 2 <= 600, "fragment over the link's MRU")
                #expect(f[0] == 0x00 && f[1] == 0x3d)
                got.append(Array(f[2...]))
            }
            #expect(!got.isEmpty, "a link carried nothing")
            fragments += got
            byLink.append(got)
        }
        let headers = try fragments.map { try MultilinkHeader.decode($0, format: .long) }.sorted { $0.sequence < $1.sequence }
        #expect(headers.map(\.sequence) == Array(0..<UInt32(headers.count)))
        #expect(headers.first?.begin == true && headers.last?.end == true)
        #expect(headers.dropFirst().allSatisfy { !$0.begin } && headers.dropLast().allSatisfy { !$0.end })
        #expect(fragments.reduce(0) { $0 + $1.count - 4 } == ip.count)

        // Fed into a second bundle, the second link's fragments first (each
        // link in order, as a link delivers, RFC 1990 §4.1), the packet
        // comes out whole on its session's side.
        let hostB = try TestBundleHost()
        let b = try BundleRig(host: hostB, links: 2)
        defer { b.close() }
        for (i, got) in byLink.enumerated().reversed() {
            for f in got { sendFrame(b.far[i], [0x00, 0x3d] + f) }
        }
        var rebuilt: [UInt8]?
        _ = hostB.loop.run(until: {
            rebuilt = receiveFrame(b.session)
            return rebuilt != nil
        }, seconds: 5)
        #expect(rebuilt?.count == ip.count && rebuilt == ip, "\(String(describing: b.bundle.reassembler?.counters)) \(b.bundle.counters)")
        #expect(b.bundle.reassembler?.counters.packetsReassembled == 1)
        #expect(b.bundle.links.allSatisfy { $0.fragmentsIn > 0 })
    }

    @Test func lcpAndFramesWithoutMPPassWhole() throws {
        let host = try TestBundleHost()
        let a = try BundleRig(host: host, links: 2)
        defer { a.close() }
        // The session's Protocol-Reject goes on one link as it is.
        let reject: [UInt8] = [0xc0, 0x21, 8, 0, 0, 8, 0x80, 0xfd, 1, 2]
        sendFrame(a.session, reject)
        var seen: [UInt8]?
        _ = host.loop.run(until: {
            for fd in a.far where seen == nil { seen = receiveFrame(fd) }
            return seen != nil
        }, seconds: 5)
        #expect(seen == reject)
        // IPCP straight on a member link (no MP header) reaches the session.
        let ipcp: [UInt8] = [0x80, 0x21, 1, 1, 0, 4]
        sendFrame(a.far[1], ipcp)
        var up: [UInt8]?
        _ = host.loop.run(until: {
            up = receiveFrame(a.session)
            return up != nil
        }, seconds: 5)
        #expect(up == ipcp)
        #expect(a.bundle.links[1].framesIn == 1)
        // A frame shorter than a Protocol field is counted, not passed.
        sendFrame(a.far[0], [0x00])
        _ = host.loop.run(until: { a.bundle.counters.malformed == 1 }, seconds: 5)
        #expect(a.bundle.counters.malformed == 1)
    }

    @Test func aLinkLeavingKeepsTheBundleTheLastEndsIt() throws {
        let host = try TestBundleHost()
        let a = try BundleRig(host: host, links: 2)
        defer { close(a.session) }
        let deposit = a.bundle.snapshot()
        #expect(deposit.descriptors.count == 3)
        #expect(deposit.record.members.map(\.session) == ["t0:1", "t1:1"])
        #expect(try BundleRecord.decode(deposit.record.encoded()) == deposit.record)
        close(a.far[1])
        _ = host.loop.run(until: { a.bundle.links.count == 1 }, seconds: 5)
        #expect(a.bundle.links.map(\.session) == ["t0:1"] && !a.bundle.ended)
        #expect(host.ended.isEmpty)
        // Packets still go, now all on the remaining link.
        sendFrame(a.session, [0x00, 0x21] + [UInt8](repeating: 9, count: 1000))
        _ = host.loop.run(until: { a.bundle.counters.packetsOut == 1 }, seconds: 5)
        var onLink = 0
        while receiveFrame(a.far[0]) != nil { onLink += 1 }
        #expect(onLink == 2, "1000 octets over a 600-octet MRU: two fragments")
        close(a.far[0])
        _ = host.loop.run(until: { a.bundle.ended }, seconds: 5)
        #expect(a.bundle.ended && host.ended == ["its last link left"])
        #expect(host.events == [
            .linkJoined(bundle: "bundle:alice:null", session: "t0:1", links: 1),
            .linkJoined(bundle: "bundle:alice:null", session: "t1:1", links: 2),
            .linkLeft(bundle: "bundle:alice:null", session: "t1:1", links: 1, reason: "channel closed by linkd"),
            .linkLeft(bundle: "bundle:alice:null", session: "t0:1", links: 0, reason: "channel closed by linkd"),
            .bundleDown(bundle: "bundle:alice:null", session: "t:1", reason: "its last link left"),
        ])
        // The session's side sees the end (EOF), so the session ends too.
        var eof = false
        _ = host.loop.run(until: {
            var b: UInt8 = 0
            eof = recv(a.session, &b, 1, Int32(MSG_DONTWAIT)) == 0
            return eof
        }, seconds: 5)
        #expect(eof)
    }

    /// Octets of fragment data each link received for one packet.
    private func shares(_ weights: [UInt64]) throws -> [Int] {
        let host = try TestBundleHost()
        let a = try BundleRig(host: host, links: weights.count, mru: 1500, weights: weights)
        defer { a.close() }
        sendFrame(a.session, [0x00, 0x21] + [UInt8](repeating: 1, count: 1398))
        _ = host.loop.run(until: { a.bundle.counters.packetsOut == 1 }, seconds: 5)
        return a.far.map { fd in
            var octets = 0
            while let f = receiveFrame(fd) { octets += f.count - 2 - 4 }
            return octets
        }
    }

    /// RFC 1990 §3: shares follow the links' speeds; a link of unknown speed
    /// (0, not a tty) counts as the fastest known one, not as nothing.
    @Test func sharesFollowTheLinksSpeeds() throws {
        let tty = try shares([300_000, 100_000])
        #expect(tty.reduce(0, +) == 1400 && tty[0] == 1050 && tty[1] == 350, "\(tty)")
        let mixed = try shares([115_200, 0])
        #expect(mixed == [700, 700], "\(mixed)")
        let unknown = try shares([0, 0])
        #expect(unknown == [700, 700], "\(unknown)")
    }

    @Test func resumedSequenceIsAQuarterAheadModuloItsSpace() {
        #expect(Bundle.resumedSequence(38, short: false) == 38 + (1 << 22))
        #expect(Bundle.resumedSequence(0xff_fff0, short: false) == (0xff_fff0 + (1 << 22)) & 0xff_ffff)
        #expect(Bundle.resumedSequence(4000, short: true) == (4000 + 1024) & 0xfff)
    }
}
