// Integration (issue 21 point 2): frames to the wire leave linkd in batches
// (TransmitBatch: one sendmmsg per event-loop round) and arrive in batches
// (recvmmsg). Two routers in their own namespaces joined by PPP over UDP on
// a veth pair; a 20 MB random file over TCP through the session each way
// must arrive intact (sha256 on both ends), and both linkds' status must
// show the frames went out through the batch, some of them several to a
// system call, none dropped unseen. With offload on (the default) each port
// reads with UDP_GRO: the peer's GSO runs arrive as coalesced messages and
// are cut back into their frames (the sha256 says none was lost or moved).
import Foundation
import IPC
import Testing

@Suite(.serialized) struct DatagramBatchTests {
    static func config(_ port: String, local: String, remote: String, server: Bool) -> String {
        """
        [router]
        seccomp = "kill"
        [port.\(port)]
        type = "udp"
        local = "\(local)"
        remote = "\(remote)"
        lcp-restart = 1
        lcp-max-configure = 30
        \(server ? "address = \"10.94.0.1:10.94.0.2\"" : "noipdefault = true")
        \(withoutWatchdog)
        """
    }

    @Test(.enabled(if: isRoot)) func largeFileOverUDPPortInBatches() throws {
        let nsA = try Netns("ba"), nsB = try Netns("bb")
        defer { nsA.delete(); nsB.delete() }
        _ = try VethLink(nsA, nsB, addressA: "10.94.1.1", addressB: "10.94.1.2")
        let port = UInt16.random(in: 20_000...40_000)
        let ca = try TempConfig(Self.config("sa", local: "10.94.1.1:\(port)", remote: "10.94.1.2:\(port)", server: true))
        let cb = try TempConfig(Self.config("cb", local: "10.94.1.2:\(port)", remote: "10.94.1.1:\(port)", server: false))
        let data = OffloadTransfer(name: "batch", size: 20 << 20)
        defer { ca.remove(); cb.remove(); data.remove() }

        let a = try RouterUnderTest(config: ca.path, netns: nsA.name)
        defer { a.stop() }
        let b = try RouterUnderTest(config: cb.path, netns: nsB.name)
        defer { b.stop() }
        _ = try #require(b.waitForSession(seconds: 30, ipcpOpened), "no session; b log:\n\(b.log)\na log:\n\(a.log)")
        _ = try #require(a.waitForSession(seconds: 30, ipcpOpened), "no session on a; a log:\n\(a.log)")

        let upload = try data.transfer(from: nsB, to: nsA, address: "10.94.0.1")
        #expect(!upload.sent.isEmpty && upload.sent == upload.received, "b → a: sent \(upload.sent), received \(upload.received)\nb log:\n\(b.log)")
        let download = try data.transfer(from: nsA, to: nsB, address: "10.94.0.2")
        #expect(!download.sent.isEmpty && download.sent == download.received, "a → b: sent \(download.sent), received \(download.received)")
        #expect(upload.sent.hasSuffix(" \(20 << 20)"))

        for (router, name) in [(a, "a"), (b, "b")] {
            let status = try #require(router.linkdStatus(), "\(name): no linkd status")
            let batch = status["transmit_batch"]
            let s = try #require(router.waitForSession(ipcpOpened))
            print("batch \(name): transmit batch \(batch.map { "\($0)" } ?? "-"); session frames out \(int(s, "counters", "frames_out")), dropped \(int(s, "errors", "transmit_dropped"))")
            // Every frame of the session went out through the batch (the
            // ~14,000 segments of each 20 MB and their ACKs); at least one
            // sendmmsg carried more than one; what was dropped is counted on
            // both sides alike.
            #expect(int(batch, "frames") >= 10_000, "\(name): \(status)")
            #expect(int(batch, "largest") > 1, "\(name): \(status)")
            #expect(int(batch, "frames") <= int(s, "counters", "frames_out"), "\(name): \(status)")
            #expect(int(batch, "dropped") == int(s, "errors", "transmit_dropped"), "\(name): \(status) \(s)")
            let receive = status["receive_batch"]
            print("batch \(name): receive \(receive.map { "\($0)" } ?? "-")")
            #expect(receive?["gro"] == .bool(true), "\(name): \(status)")
            #expect(int(receive, "gro_messages") > 0, "\(name): \(status)")
            #expect(int(receive, "gro_segments") > int(receive, "gro_messages"), "\(name): \(status)")
        }
    }
}
