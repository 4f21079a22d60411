// Every datagram of a whole LAC-LNS run (tunnel with challenge, two
// sessions, data both ways, HELLO, CDN, StopCCN) written to a pcap as
// UDP 1701 and decoded by tshark: none may be malformed, and tshark must
// name the message types we meant to send.
import Foundation
import Testing
@testable import L2TP

let tsharkPath = "/usr/bin/tshark"

/// A classic pcap of Ethernet/IPv4/UDP frames from 10.0.0.1:1701 to 10.0.0.2:1701 and back.
struct Pcap {
    var bytes: [UInt8] = []

    init() {
        le32(0xa1b2_c3d4); le16(2); le16(4); le32(0); le32(0); le32(65535); le32(1)  // LINKTYPE_ETHERNET
    }

    mutating func le16(_ v: UInt16) { bytes += [UInt8(v & 0xff), UInt8(v >> 8)] }
    mutating func le32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }

    mutating func add(_ payload: [UInt8], fromLAC: Bool, index: Int) {
        let (src, dst): ([UInt8], [UInt8]) = fromLAC ? ([10, 0, 0, 1], [10, 0, 0, 2]) : ([10, 0, 0, 2], [10, 0, 0, 1])
        var ip: [UInt8] = [0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0] + src + dst
        let total = 20 + 8 + payload.count
        ip[2] = UInt8(total >> 8); ip[3] = UInt8(total & 0xff)
        var sum: UInt32 = 0
        for i in stride(from: 0, to: 20, by: 2) { sum += UInt32(ip[i]) << 8 | UInt32(ip[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        ip[10] = UInt8(checksum >> 8); ip[11] = UInt8(checksum & 0xff)
        let udpLength = 8 + payload.count
        let udp: [UInt8] = [0x06, 0xa5, 0x06, 0xa5, UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0]
        let ether: [UInt8] = (fromLAC ? [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1] : [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]) + [0x08, 0x00]
        let frame = ether + ip + udp + payload
        le32(UInt32(index)); le32(0); le32(UInt32(frame.count)); le32(UInt32(frame.count))
        bytes += frame
    }
}

@Suite struct PcapTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: tsharkPath)))
    func tsharkFindsNoMalformedFrame() throws {
        var w = Wire(sequenceData: true)
        var pcap = Pcap()
        var count = 0
        var opening = w.lac.placeCall(TunnelTests.call("alice"), now: 0).actions
        opening += w.lac.placeCall(TunnelTests.call("bob"), now: 0).actions
        w.run(fromLAC: opening)
        let lns = established(w.lnsEvents).map(\.localID)
        #expect(lns.count == 2)
        // LCP Echo-Requests as data, both ways (PPP in HDLC-like address/control, RFC 2661 §5.3).
        let echo: [UInt8] = [0xff, 0x03, 0xc0, 0x21, 0x09, 0x01, 0x00, 0x08, 0, 0, 0, 0]
        var data: [([UInt8], Bool)] = []
        for id in lns { data.append((w.lns.dataMessage(for: id, payload: echo)!, false)) }
        for id in w.lac.sessions.keys.sorted() { data.append((w.lac.dataMessage(for: id, payload: echo)!, true)) }
        w.advance(by: w.lac.configuration.helloInterval + second)
        w.run(fromLAC: w.lac.disconnect(w.lac.sessions.keys.min()!, ResultCode(ResultCode.lostCarrier), now: w.now))
        w.run(fromLNS: w.lns.close(ResultCode(ResultCode.shuttingDown, error: 0, message: "bye"), now: w.now))
        w.advance(by: second)
        let lacPort = w.lns.peerTunnelID  // frames to the LAC carry its Tunnel ID
        for f in w.frames {
            count += 1
            pcap.add(f, fromLAC: (try L2TPHeader(parsing: f)).tunnelID != lacPort, index: count)
        }
        for (d, fromLAC) in data {
            count += 1
            pcap.add(d, fromLAC: fromLAC, index: count)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("l2tp-\(getpid()).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(pcap.bytes)))
        let malformed = try run(tsharkPath, ["-r", path, "-Y", "_ws.malformed || _ws.expert.severity == error"])
        #expect(malformed.isEmpty, "tshark: \(malformed)")
        let info = try run(tsharkPath, ["-r", path, "-T", "fields", "-e", "l2tp.avp.message_type"])
        let types = Set(info.split(separator: "\n").flatMap { $0.split(separator: ",") }.compactMap { UInt16($0) })
        #expect(types.isSuperset(of: [1, 2, 3, 4, 6, 10, 11, 12, 14]), "message types seen: \(types.sorted())")
        // The filter does catch a broken frame (an AVP Length past the message).
        var broken = Pcap()
        broken.add(controlDatagram(rawAVP(0, [0, 6]) + rawAVP(7, [1, 2], length: 40)), fromLAC: true, index: 1)
        let brokenPath = path + ".broken"
        defer { try? FileManager.default.removeItem(atPath: brokenPath) }
        #expect(FileManager.default.createFile(atPath: brokenPath, contents: Data(broken.bytes)))
        #expect(!(try run(tsharkPath, ["-r", brokenPath, "-Y", "_ws.malformed || _ws.expert.severity == error"])).isEmpty)
        let lines = try run(tsharkPath, ["-r", path]).split(separator: "\n")
        #expect(lines.count == count)
        #expect(lines.filter { $0.contains("LCP") }.count == data.count)
    }

    func run(_ path: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self)
    }
}
