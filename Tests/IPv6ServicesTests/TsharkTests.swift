// Wireshark judges the packets we build (issue 18: "tshark decodes every
// ICMPv6 and DHCPv6 packet, none malformed"): RS, RAs with every option, the
// final RA, and every DHCPv6 message of whole exchanges go into a pcap
// (LINKTYPE_RAW, as the session's TUN carries them), and tshark must decode
// each as ICMPv6 or DHCPv6 with good checksums and no expert error.
import Foundation
import Testing
@testable import IPv6Services

@Suite struct TsharkTests {
    static let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func pcap(_ packets: [[UInt8]]) -> [UInt8] {
        func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
        func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
        var out = le32(0xa1b2_c3d4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(65535) + le32(101)
        for (i, p) in packets.enumerated() {
            out += le32(UInt32(i)) + le32(0) + le32(UInt32(p.count)) + le32(UInt32(p.count)) + p
        }
        return out
    }

    static func packets() -> [[UInt8]] {
        var out: [[UInt8]] = []
        out.append(RouterDiscoveryMessage.solicitation(RouterSolicitation()).packet(source: hostLL, destination: .allRouters))
        var r = RouterAdvertiser(configuration: RouterAdvertiserTests.configuration(), source: routerLL, seed: 1)
        for case .send(let p) in r.handle(.sessionUp(prefix: sessionPrefix), now: 0) { out.append(p) }
        for case .send(let p) in r.handle(.sessionDown, now: second) { out.append(p) }
        var rs = RouterSolicitation(options: [.sourceLinkLayerAddress([2, 0, 0, 0, 0, 1])])
        rs.options.append(.unknown(type: 200, body: [0, 0, 0, 0, 0, 0]))
        out.append(RouterDiscoveryMessage.solicitation(rs).packet(source: hostLL, destination: .allRouters))
        var link = Link(address: true)
        _ = link.start()
        _ = link.tick()                                                 // Renew
        _ = link.run(link.client.handle(.stop, now: link.now))         // Release
        var rapid = Link(rapidCommit: true)
        _ = rapid.start()
        var exhausted = Link(poolPrefix: "2001:db8:100::/55")
        _ = try? exhausted.pool!.allocate(to: "x"); _ = try? exhausted.pool!.allocate(to: "y")
        _ = exhausted.client.handle(.start, now: 0)
        _ = exhausted.tick()                                           // Advertise with NoPrefixAvail
        out += link.wire + rapid.wire + exhausted.wire
        let info = DHCPv6Message(type: .informationRequest, transactionID: 3, options: [.optionRequest([23, 24]), .elapsedTime(0)])
        let infoPacket = info.packet(source: hostLL, destination: .allDHCPRelayAgentsAndServers, sourcePort: 546, destinationPort: 547)
        out.append(infoPacket)
        var pool: PrefixPool? = nil
        for case .send(let p) in link.server.handle(.packet(infoPacket), now: 0, pool: &pool) { out.append(p) }
        return out
    }

    @Test(.enabled(if: tshark != nil)) func wiresharkFindsNothingMalformed() throws {
        let packets = Self.packets()
        #expect(packets.count >= 18)
        // A control: the last DHCPv6 packet again with one payload bit
        // flipped must be judged bad, or this test could not fail.
        var corrupt = packets[packets.count - 1]
        corrupt[corrupt.count - 1] ^= 0x01
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ipv6services-\(getpid()).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(Self.pcap(packets + [corrupt])).write(to: URL(fileURLWithPath: path))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.tshark!)
        p.arguments = ["-n", "-r", path, "-o", "udp.check_checksum:TRUE",
                       "-T", "fields", "-E", "separator=|", "-e", "frame.protocols", "-e", "_ws.expert.severity",
                       "-e", "icmpv6.checksum.status", "-e", "udp.checksum.status", "-e", "_ws.malformed"]
        let pipe = Pipe(), errors = Pipe()
        p.standardOutput = pipe; p.standardError = errors
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complaints = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(complaints)")
        let lines = output.split(separator: "\n")
        #expect(lines.count == packets.count + 1)
        #expect(lines.last?.split(separator: "|", omittingEmptySubsequences: false).dropFirst(3).first == "0")
        for (i, line) in lines.dropLast().enumerated() {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let protocols = f[0]
            #expect(protocols.hasSuffix(":icmpv6") || protocols.hasSuffix(":dhcpv6"), "frame \(i + 1): \(line)")
            // Expert severities: 8388608 = error, 6291456 = warning; checksum status 1 = good.
            #expect(!f[1].contains("8388608") && !f[1].contains("6291456"), "frame \(i + 1): \(line)")
            #expect(f[2].isEmpty || f[2] == "1", "frame \(i + 1) ICMPv6 checksum: \(line)")
            #expect(f[3].isEmpty || f[3] == "1", "frame \(i + 1) UDP checksum: \(line)")
            #expect(f[4].isEmpty, "frame \(i + 1) malformed: \(line)")
        }
    }
}
