// Integration (issue 21 on VLAN ports, issue 13 point 6): TSO super-packets
// and GRO coalescing through a VLAN-tagged PPPoE session. Two routers in
// their own namespaces over a veth pair: an AC serving C-VLANs 100 and 200
// (`vlan-mon`) and QinQ under S-VLAN 20 (802.1ad), and our client dialing
// on C-VLAN 100 (802.1Q) or on 20.200 (QinQ), offloads on (the default).
// 10 MiB of random octets each way over TCP, sha256 equal on both ends (the
// receiving kernels verified every checksum of the segments linkd cut); the
// super-packet counters in `pppctl --json session show` are above zero on
// both sides; tshark decodes a capture of the tagged segments (IP and TCP
// checksums checked) with no malformed frame and every PPPoE session frame
// tagged as the session is. This kernel has no 802.1Q devices: the tags
// are written by linkd itself on both sides (PPPoEVLANTests says why).
//
// A full-size QinQ frame is 1522 octets (MRU 1492): a packet socket sends
// at most MTU + 14 octets (+ 4 when the first TPID is 0x8100), so the QinQ
// case raises the veth's MTU to 1508, as a QinQ access network's links are
// (design.md "Issue 21: super-packets on VLAN-tagged PPPoE sessions").
import Foundation
import IPC
import Testing


@Suite(.serialized) struct VLANOffloadTests {
    func moveThrough(vlan: String, expect tagged: String, mtu: Int) throws {
        let net = try VethPair("bras0", "cpe0", mtu: mtu)
        let acPath = writeConfig(offloadAC(true, address: "10.97.0.1:10.97.0.2", port: "vlan-mon = \"100,200\"\nvlan-outer = 20")),
            clientPath = writeConfig(offloadClient(true, port: vlan))
        let capturePath = "/tmp/ppprouter-vlan-offload-\(getpid()).pcapng"
        let data = OffloadTransfer(name: "vlan-offload", size: 10 << 20)
        defer { data.remove(); for p in [acPath, clientPath, capturePath] { try? FileManager.default.removeItem(atPath: p) } }
        let (ac, client, up) = try offloadRouters(net, ac: acPath, client: clientPath, seconds: 40)
        defer { client.stop(); ac.stop() }
        #expect(up["vlan"]?.string == tagged && up["local"]?["mru"]?.int == 1492, "\(up)")

        // The first frames of the transfer, on the AC's side of the veth.
        var capture: NamespacedProcess?
        if haveTShark {
            FileManager.default.createFile(atPath: capturePath, contents: nil)
            capture = try NamespacedProcess(namespace: net.left.name, ["tshark", "-q", "-i", "bras0", "-c", "3000", "-w", capturePath])
            let deadline = Date().addingTimeInterval(10)
            while !capture!.output.contains("Capturing on") && Date() < deadline { usleep(50_000) }
        }

        try data.bothWays(net, acAddress: "10.97.0.1", up: up, clientLog: { client.log })

        // Both ends: ncpd read TSO super-packets from its unit and linkd cut
        // them into tagged segments; linkd coalesced what it received.
        for (router, name) in [(client, "client"), (ac, "AC")] {
            let s = try #require(router.waitForSession(ipcpOpened))
            let show = try router.ctl(["--json", "session", "show", s["id"]?.string ?? "?"])
            let v = try JSON.parse(show.stdout)["data"] ?? .null
            let ncpdOut = int(v, "ip_counters", "super_packets_out"), ncpdIn = int(v, "ip_counters", "super_packets_in")
            let linkdOut = int(v, "counters", "super_packets_out"), coalesced = int(v, "channel", "super_packets_to_channel")
            let p = router.linkdStatus()?["pppoe"]
            print("VLAN offload \(tagged) \(name): unit \(v["offload"]?.string ?? "-"); ncpd super-packets out \(ncpdOut), in \(ncpdIn); "
                  + "linkd segmented \(linkdOut) (port: \(int(p, "super_packets_segmented")) into \(int(p, "segments_out")) segments), "
                  + "coalesced \(coalesced) (port: \(int(p, "gro_super_packets")) of \(int(p, "gro_segments_coalesced")) segments), "
                  + "refused \(int(v, "counters", "super_packets_refused")), transmit errors \(int(v, "errors", "transmit_errors")), "
                  + "dropped \(int(v, "errors", "transmit_dropped"))")
            #expect(v["vlan"]?.string == tagged && v["offload"]?.string?.contains("tso4") == true, "\(name): \(show.stdout)")
            #expect(ncpdOut > 0 && linkdOut > 0 && coalesced > 0 && ncpdIn > 0, "\(name): \(show.stdout)")
            // A frame over what the packet socket sends (EMSGSIZE) would count here.
            #expect(int(v, "counters", "super_packets_refused") == 0 && int(v, "errors", "transmit_errors") == 0
                    && int(p, "gro_checksum_failures") == 0, "\(name): \(show.stdout)")
            #expect(int(p, "vlan_mismatch") == 0 && int(p, "vlan_malformed") == 0 && int(p, "session_unknown") == 0, "\(String(describing: p))")
        }

        guard let capture else { return }
        capture.stop()
        let checks = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"]
        let malformed = try run("/usr/bin/tshark", ["-r", capturePath] + checks + ["-Y", "_ws.malformed || _ws.expert.severity == error"])
        #expect(malformed.status == 0 && malformed.stdout.isEmpty, "malformed or bad checksums:\n\(malformed.stdout.prefix(2000))\(malformed.stderr)")
        // Per PPPoE session frame: S-VID (802.1ad), C-VID, IP length, TCP payload.
        let fields = try run("/usr/bin/tshark", ["-r", capturePath] + checks + ["-Y", "pppoes", "-T", "fields",
                                                 "-e", "ieee8021ad.id", "-e", "vlan.id", "-e", "ip.len", "-e", "tcp.len"])
        let lines = fields.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let tags = tagged.split(separator: ".").map(String.init)
        let want = tags.count == 2 ? [tags[0], tags[1]] : ["", tags[0]]
        let full = lines.filter { $0.count == 4 && (Int($0[2]) ?? 0) > 1400 }
        print("VLAN offload \(tagged): tshark decoded \(lines.count) PPPoE session frames of the capture, \(full.count) full-size TCP segments, none malformed")
        #expect(lines.count > 100 && full.count > 100, "\(fields.stdout.prefix(1000))\(fields.stderr)")
        #expect(lines.allSatisfy { $0.count == 4 && Array($0[0..<2]) == want }, "\(lines.filter { Array($0.prefix(2)) != want }.prefix(10))")
    }

    @Test(.enabled(if: isRoot)) func superPacketsOn8021QSession() throws {
        try moveThrough(vlan: "vlan = 100", expect: "100", mtu: 1500)
    }

    @Test(.enabled(if: isRoot)) func superPacketsOnQinQSession() throws {
        try moveThrough(vlan: "vlan = 200\nvlan-outer = 20", expect: "20.200", mtu: 1508)
    }
}
