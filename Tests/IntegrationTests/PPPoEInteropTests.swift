// Our PPPoE discovery machines on real AF_PACKET sockets against rp-pppoe's
// tools (Debian package pppoe) across a veth pair in a namespace of our own:
// pppoe-discovery finds our access concentrator, and our client completes
// discovery with pppoe-server and ends the session with a PADT.
import Foundation
import IPC
import PPPoE
import Testing

let haveRPPPPoE = FileManager.default.isExecutableFile(atPath: "/usr/sbin/pppoe-discovery")
    && FileManager.default.isExecutableFile(atPath: "/usr/sbin/pppoe-server")

/// A process in the namespace whose output goes to a file we read at the end.
final class NamespacedProcess {
    let process = Process()
    let outputPath = "/tmp/ppprouter-pppoe-\(getpid())-\(UInt32.random(in: 0..<UInt32.max)).out"
    init(namespace: String, _ argv: [String]) throws {
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let out = FileHandle(forWritingAtPath: outputPath)!
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace] + argv
        process.standardOutput = out
        process.standardError = out
        try process.run()
    }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(3)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
    }
    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}

func randomKey() -> SipHashKey {
    var g = SystemRandomNumberGenerator()
    return SipHashKey(k0: g.next(), k1: g.next())
}

func nowNanoseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1e9) }

@Suite(.serialized) struct PPPoEInteropTests {
    @Test(.enabled(if: isRoot && haveRPPPPoE)) func pppoeDiscoveryFindsOurAccessConcentrator() throws {
        let ns = try VethNamespace(a: "bras0", b: "cpe0")
        let socket = try ns.inside { try PacketSocket.open(interface: "bras0", etherType: PacketSocket.discovery) }
        var config = AccessConcentrator.Configuration(localAddress: EthernetAddress(rawValue: socket.interface.address),
                                                      acName: Array("ppprouter-test".utf8), key: randomKey())
        config.serviceNames = [Array("isp".utf8), Array("tv".utf8)]
        var ac = AccessConcentrator(configuration: config)
        let started = Date()
        let tool = try NamespacedProcess(namespace: ns.name, ["pppoe-discovery", "-I", "cpe0", "-U", "-t", "1", "-a", "3"])
        var batch = PacketBatch(capacity: 16)
        var firstOffer: Double?
        while tool.process.isRunning && Date().timeIntervalSince(started) < 15 {
            guard try Socket.waitReadable(socket.descriptor.raw, milliseconds: 50) else { continue }
            for i in 0..<(try batch.receive(from: socket.descriptor.raw)) {
                for case .send(let frame) in ac.receive(batch.frame(i), now: nowNanoseconds()) {
                    _ = try PacketSocket.send(socket.descriptor.raw, frame)
                    if firstOffer == nil { firstOffer = Date().timeIntervalSince(started) }
                }
            }
        }
        tool.stop()
        let out = tool.output
        print("pppoe-discovery against our AC (PADO after \(firstOffer.map { String(format: "%.3f s", $0) } ?? "never")):\n\(out)")
        #expect(out.contains("Access-Concentrator: ppprouter-test"))
        #expect(out.contains("Service-Name: isp") && out.contains("Service-Name: tv"))
        #expect(out.lowercased().contains("cookie"))
        #expect(ac.counters.padoSent >= 1 && ac.counters.malformed == 0 && ac.sessionCount == 0)
    }

    @Test(.enabled(if: isRoot && haveRPPPPoE)) func ourClientAgainstPPPoEServer() throws {
        let ns = try VethNamespace(a: "bras0", b: "cpe0")
        let socket = try ns.inside { try PacketSocket.open(interface: "cpe0", etherType: PacketSocket.discovery) }
        // -F: foreground; -N 1: one session. Its pppd may fail here (no kernel PPP);
        // discovery and its PADS are what we check.
        let server = try NamespacedProcess(namespace: ns.name,
                                           ["pppoe-server", "-F", "-I", "bras0", "-C", "rp-ac", "-S", "isp", "-N", "4"])
        defer { server.stop() }
        var config = DiscoveryClient.Configuration(localAddress: EthernetAddress(rawValue: socket.interface.address))
        config.serviceName = Array("isp".utf8)
        config.acName = Array("rp-ac".utf8)
        config.hostUniq = [0x70, 0x70, 0x70, 0x6f]
        config.timeout = 0.5
        config.padiAttempts = 8
        var client = DiscoveryClient(configuration: config)
        var deadline: Date?
        var session: DiscoveryClient.Session?
        var failure: String?
        let started = Date()
        func perform(_ actions: [DiscoveryClient.Action]) throws {
            for a in actions {
                switch a {
                case .send(let f): _ = try PacketSocket.send(socket.descriptor.raw, f)
                case .startTimer(let s): deadline = Date().addingTimeInterval(s)
                case .cancelTimer: deadline = nil
                case .established(let s): session = s
                case .failed(let r), .terminated(let r): failure = r
                }
            }
        }
        usleep(200_000)  // let pppoe-server open its socket
        try perform(client.start())
        var buffer = [UInt8](repeating: 0, count: 2048)
        while session == nil && failure == nil && Date().timeIntervalSince(started) < 15 {
            if let d = deadline, Date() >= d { deadline = nil; try perform(client.timeout()) }
            guard try Socket.waitReadable(socket.descriptor.raw, milliseconds: 20) else { continue }
            while let n = try PacketSocket.receive(socket.descriptor.raw, into: &buffer) {
                try perform(client.receive(buffer[0..<n]))
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        let s = try #require(session, "no session: \(failure ?? "timeout"); pppoe-server said:\n\(server.output)")
        print(String(format: "our client got PADS from pppoe-server in %.3f s: session %d, AC %@, max payload %d",
                     elapsed, Int(s.id), "\(s.peer)", s.maximumPayload))
        #expect(s.id != 0 && s.acName == Array("rp-ac".utf8) && s.maximumPayload == 1492)
        // PADT on stop (RFC 2516 §5.5).
        let stop = client.stop(reason: "test over")
        #expect(stop.count == 1)
        try perform(stop)
    }
}
