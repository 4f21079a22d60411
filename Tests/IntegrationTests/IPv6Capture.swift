// tshark for issue 18's tests: every ICMPv6 and DHCPv6 packet of a run must
// decode, none malformed. Either on a session's TUN (raw IPv6: what the
// subscriber's kernel and Debian's clients see), or on the PPP-over-UDP link
// between two routers — the only place where our CPE's and our BRAS's RAs
// and DHCPv6 appear, since each ncpd takes them off the channel before its
// TUN. The UDP payloads are PPP frames: they are written into a DLT_PPP
// capture (text2pcap -l 9, as MultilinkTests does) and decoded from there.
import Foundation
import Testing

final class IPv6Capture {
    let path: String
    let pppOverUDP: Bool
    private let process: NamespacedProcess

    /// nil without tshark. `interface` "any" also sees interfaces created
    /// after the capture started (an unbound packet socket).
    init?(_ ns: Netns, interface: String, pppOverUDP: Bool = false) throws {
        guard haveTShark else { return nil }
        path = "/tmp/ppprouter-ipv6cap-\(getpid())-\(UInt32.random(in: 0..<UInt32.max)).pcap"
        self.pppOverUDP = pppOverUDP
        // dumpcap itself, not tshark: tshark runs it as a child, which can
        // outlive a stopped tshark and keep the descriptor Foundation's
        // Process waits on (seen once with -i any: the test hung).
        process = try NamespacedProcess(namespace: ns.name,
                                        ["dumpcap", "-i", interface] + (pppOverUDP ? ["-f", "udp"] : []) + ["-w", path])
        // Bounded: dumpcap says so once its packet socket is open.
        for _ in 0..<100 where !process.output.contains("Capturing on") { usleep(100_000) }
    }

    deinit {
        process.stop()
        for f in [path, path + ".txt", path + ".ppp.pcap"] { try? FileManager.default.removeItem(atPath: f) }
    }

    /// Stops the capture; records an issue for any malformed or
    /// error-flagged packet; returns tshark's Info column of every ICMPv6
    /// and DHCPv6 packet.
    func decoded() throws -> [String] {
        process.stop()
        var file = path
        if pppOverUDP {
            let payloads = try run("/usr/bin/tshark", ["-r", path, "-T", "fields", "-e", "udp.payload"])
            #expect(payloads.status == 0, "\(payloads.stderr)")
            var dump = ""
            for line in payloads.stdout.split(separator: "\n") where !line.isEmpty {
                let hex = Array(line.replacingOccurrences(of: ":", with: ""))
                let bytes = stride(from: 0, to: hex.count - 1, by: 2).map { String(hex[$0...$0 + 1]) }
                dump += "0000 " + bytes.joined(separator: " ") + "\n"
            }
            try dump.write(toFile: path + ".txt", atomically: true, encoding: .utf8)
            let t = try run("/usr/bin/text2pcap", ["-q", "-l", "9", path + ".txt", path + ".ppp.pcap"])
            #expect(t.status == 0, "text2pcap: \(t.stderr)")
            file = path + ".ppp.pcap"
        }
        let malformed = try run("/usr/bin/tshark", ["-r", file, "-Y", "_ws.malformed || _ws.expert.severity == error"])
        #expect(malformed.status == 0 && malformed.stdout.isEmpty, "tshark: \(malformed.stdout) \(malformed.stderr)")
        let info = try run("/usr/bin/tshark", ["-r", file, "-Y", "icmpv6 || dhcpv6", "-T", "fields", "-e", "_ws.col.Info"])
        #expect(info.status == 0, "\(info.stderr)")
        return info.stdout.split(separator: "\n").map(String.init)
    }
}
