// A bounded PADI flood against the real linkd access concentrator: 10,000
// PADI/s for 5 s from 1,000 source MACs, sent from this test on a raw socket
// across a veth pair, while a real client (our DiscoveryClient on its own
// MAC) asks for a PADO. Prints how long the client waited for its PADO (no
// threshold asserted) and checks from linkd's counters that the AC kept no
// state per PADI: no sessions, a fixed rate table, every PADI either
// answered or limited.
import Foundation
import IPC
import PPPoE
import Synchronization
import Testing

/// Runs `body` with this thread in namespace `name` (setns), then returns.
func insideNamespace<T: ~Copyable>(_ name: String, _ body: () throws -> T) throws -> T {
    typealias SetNS = @convention(c) (Int32, Int32) -> Int32
    guard let sym = dlsym(nil, "setns") else { throw TestFailure("dlsym(setns)") }
    let setns = unsafeBitCast(sym, to: SetNS.self)
    let home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
    let there = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
    defer { close(home); close(there) }
    guard home >= 0, there >= 0, setns(there, 0x4000_0000) == 0 else { throw TestFailure("setns(\(name))") }
    defer { precondition(setns(home, 0x4000_0000) == 0, "could not return to our network namespace") }
    return try body()
}

func residentKB(_ pid: Int32) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
}

@Suite(.serialized) struct PPPoEFloodTests {
    @Test(.enabled(if: isRoot)) func padiFloodLeavesARealClientItsPADO() throws {
        let net = try VethPair("bras0", "cpe0")
        let acPath = writeConfig(acConfig)
        defer { try? FileManager.default.removeItem(atPath: acPath) }
        let ac = try RouterUnderTest(config: acPath, netns: net.left.name)
        defer { ac.stop() }
        let components = try ac.allRunning()
        let linkd = try #require(pid(components["linkd@access"]))
        let rssBefore = residentKB(linkd)

        let flood = try insideNamespace(net.right.name) { try PacketSocket.open(interface: "cpe0", etherType: PacketSocket.discovery) }
        let real = try insideNamespace(net.right.name) { try PacketSocket.open(interface: "cpe0", etherType: PacketSocket.discovery) }
        let floodFD = flood.descriptor.raw

        // The flood: one PADI template, the source MAC patched per frame
        // (02:fl:00:00:hi:lo, locally administered), 100 frames every 10 ms.
        let template = try DiscoveryPacket(destination: .broadcast, source: EthernetAddress(rawValue: 0x02f1_0000_0000),
                                           code: .padi, tags: [Tag(.serviceName, "internet")]).encoded()
        let sent = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
        let floodThread = Thread {
            var batch = PacketBatch(slotSize: 128, capacity: 50)
            var frame = template
            let start = Date()
            var tick = 0
            while Date().timeIntervalSince(start) < 5 {
                for _ in 0..<2 {
                    for i in 0..<50 {
                        let mac = (tick * 100 + i) % 1000
                        frame[10] = UInt8(mac >> 8)
                        frame[11] = UInt8(mac & 0xff)
                        _ = batch.enqueue(frame)
                    }
                    let n = (try? batch.flush(to: floodFD)) ?? 0
                    sent.add(n, ordering: .relaxed)
                    batch.removeAll()
                }
                tick += 1
                let next = start.addingTimeInterval(Double(tick) * 0.01)
                let wait = next.timeIntervalSinceNow
                if wait > 0 { usleep(UInt32(wait * 1e6)) }
            }
            done.store(true, ordering: .releasing)
        }
        floodThread.start()
        usleep(1_000_000)  // the flood is in full swing

        // A real client in the middle of it: PADI, and the time to its PADO.
        var config = DiscoveryClient.Configuration(localAddress: EthernetAddress(rawValue: real.interface.address))
        config.serviceName = Array("internet".utf8)
        config.timeout = 1
        config.padiAttempts = 10
        var client = DiscoveryClient(configuration: config)
        var deadline: Date?
        var offerAfter: Double?
        let t0 = Date()
        func perform(_ actions: [DiscoveryClient.Action]) throws {
            for a in actions {
                switch a {
                case .send(let f):
                    _ = try PacketSocket.send(real.descriptor.raw, f)
                    // A PADR going out means a PADO was taken.
                    if f.count > 15, f[15] == DiscoveryCode.padr.rawValue, offerAfter == nil {
                        offerAfter = Date().timeIntervalSince(t0)
                    }
                case .startTimer(let s): deadline = Date().addingTimeInterval(s)
                case .cancelTimer: deadline = nil
                default: break
                }
            }
        }
        try perform(client.start())
        var buffer = [UInt8](repeating: 0, count: 2048)
        while offerAfter == nil && Date().timeIntervalSince(t0) < 4 {
            if let d = deadline, Date() >= d { deadline = nil; try perform(client.timeout()) }
            guard try Socket.waitReadable(real.descriptor.raw, milliseconds: 10) else { continue }
            while let n = try PacketSocket.receive(real.descriptor.raw, into: &buffer) {
                try perform(client.receive(buffer[0..<n]))
            }
        }
        while !done.load(ordering: .acquiring) { usleep(50_000) }
        usleep(500_000)
        let status = try #require(ac.linkdStatus())
        let a = status["pppoe"]?["ac"]
        let rssAfter = residentKB(linkd)
        print(String(format: "PADI flood: %d PADIs sent in 5 s from 1000 MACs; the real client's PADO came after %@; ",
                     sent.load(ordering: .relaxed), offerAfter.map { String(format: "%.3f s", $0) } ?? "never")
              + "AC: received \(int(a, "padi_received")), PADOs \(int(a, "pado_sent")), source-limited \(int(a, "padi_source_limited")), "
              + "total-limited \(int(a, "padi_total_limited")), sessions \(int(a, "sessions")), tracked sources \(int(a, "tracked_sources"))/\(int(a, "rate_table_size")); "
              + "linkd RSS \(rssBefore) kB → \(rssAfter) kB")
        #expect(offerAfter != nil, "the real client got no PADO during the flood")
        // No state per PADI: one session (the real client's PADR), a table
        // of fixed size, and every PADI accounted for as answered or limited.
        #expect(int(a, "sessions") == 1)
        #expect(int(a, "tracked_sources") <= int(a, "rate_table_size"))
        #expect(int(a, "padi_received") == int(a, "pado_sent") + int(a, "padi_source_limited") + int(a, "padi_total_limited") + int(a, "padi_refused"))
        #expect(int(a, "padi_source_limited") > 0)
        #expect(processExists(linkd))
    }
}
