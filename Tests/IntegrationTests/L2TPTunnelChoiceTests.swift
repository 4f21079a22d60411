// Integration: RADIUS chooses each subscriber's tunnel (RFC 2868) on our LAC,
// with two of our LNS routers (A in one namespace, B in another) and a
// third "LNS" that never answers (a UDP socket that reads and stays silent).
// FreeRADIUS (Debian's) on the LAC's loopback sends:
//   share1, share2 → LNS A, Tunnel-Assignment-ID "grp-a": one tunnel (§3.7)
//   apart          → LNS A, Assignment-ID "grp-b": a second tunnel to A
//   far            → LNS B, "grp-c"
//   silent         → tag 1 (preference 10) to the silent socket, tag 2
//                    (preference 20) to LNS B "grp-d": after §5.8's
//                    retransmissions the call fails over (§3.8) to a
//                    second tunnel to B.
// Then share1 and share2 hang up: their tunnel is closed (StopCCN, result 1)
// `idle-hold` seconds after its last call, while grp-b's stays.
// RFC 2867 accounting, read from FreeRADIUS's detail file: Tunnel-Start per
// tunnel, Tunnel-Reject for the silent one, Tunnel-Link-Start per call,
// Tunnel-Link-Stop for share1 and share2 and Tunnel-Stop (Idle-Timeout) for
// their tunnel, with the RFC 2868 names of each. tshark decodes every
// L2TP and RADIUS datagram the LAC sent or received, none malformed.
import Foundation
import IPC
import Testing
import TestSupport

private struct ChoiceLab {
    let base: L2TPLab
    let lnsB: Netns

    init() throws {
        base = try L2TPLab()
        do { lnsB = try Netns("b") } catch { base.delete(); throw error }
        let steps: [[String]] = [
            ["-n", base.lac.name, "link", "add", "v-lnsb", "type", "veth", "peer", "name", "v-lac", "netns", lnsB.name],
            ["-n", base.lac.name, "addr", "add", "10.237.0.2/24", "dev", "v-lnsb"],
            ["-n", lnsB.name, "addr", "add", "10.237.0.1/24", "dev", "v-lac"],
            ["-n", base.lac.name, "link", "set", "v-lnsb", "up"], ["-n", lnsB.name, "link", "set", "v-lac", "up"],
            // The LAC's tunnels all leave from 10.235.0.2 (its port's `local`).
            ["-n", lnsB.name, "route", "add", "default", "via", "10.237.0.2"],
        ] + (1...5).flatMap { i -> [[String]] in
            // One MAC per subscriber port: PADO and session frames are unicast.
            [["-n", base.sub.name, "link", "add", "link", "v-lac", "name", "mv\(i)", "type", "macvlan", "mode", "bridge"],
             ["-n", base.sub.name, "link", "set", "mv\(i)", "up"]]
        }
        for args in steps {
            let r = try run("/usr/sbin/ip", args)
            if r.status != 0 {
                delete()
                throw TestFailure("ip \(args.joined(separator: " ")): \(r.stderr)")
            }
        }
    }

    func delete() { base.delete(); lnsB.delete() }

    static func lns(_ name: String, local: String, pool: String) -> String {
        """
        [router]
        seccomp = "kill"
        [port.\(name)]
        type = "l2tp"
        local = "\(local):1701"
        secret = "\(name == "lnsa" ? "radius-tunnel-pw" : "lns-b-pw")"
        require-chap = true
        ip-pool = "subs"
        \(L2TPLab.timers)
        [pool.subs]
        range = "\(pool).10-\(pool).20"
        local = "\(pool).1"
        [users.lac-up]
        password = "up-pass"
        """
    }

    static func lac(_ fr: FreeRadius, idleHold: Int) -> String {
        L2TPLab.radiusLAC(fr, lns: "\"10.235.0.1\"", secret: "unused-port-secret", up: "idle-hold = \(idleHold)")
    }

    /// A router of PPPoE clients, one port per (user, password, macvlan).
    static func subscribers(_ users: [(String, String, Int)]) -> String {
        var s = "[router]\nseccomp = \"kill\"\n"
        for (user, password, i) in users {
            s += """
                [port.s\(i)]
                type = "pppoe"
                role = "client"
                interface = "mv\(i)"
                padi-timeout = 1
                persist = true
                holdoff = 1
                noipdefault = true
                user = "\(user)"
                ifname = "ppp-s\(i)"
                ipcp-restart = 6
                \(L2TPLab.timers)
                [users."\(user)"]
                password = "\(password)"

                """
        }
        return s
    }
}

/// The LAC's tunnels as `pppctl --json tunnels` lists them.
func lacTunnels(_ r: RouterUnderTest) -> [JSON] {
    guard let out = try? r.ctl(["--json", "tunnels"]), out.status == 0, let j = try? JSON.parse(out.stdout) else { return [] }
    return j["data"]?.array ?? []
}

private func established(_ tunnels: [JSON]) -> [JSON] { tunnels.filter { $0["state"]?.string == "established" } }

/// FreeRADIUS's detail records of one Acct-Status-Type, each as attribute
/// name (any ":tag" dropped) to value (quotes dropped).
func detailRecords(_ detail: String, status: String) -> [[String: String]] {
    detail.components(separatedBy: "\n\n").filter { $0.contains("Acct-Status-Type = \(status)\n") }.map { record in
        var attrs: [String: String] = [:]
        for line in record.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            let name = parts[0].split(separator: ":").first.map(String.init) ?? parts[0]
            attrs[name] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return attrs
    }
}

@Suite(.serialized, .enabled(if: isRoot && canRunFreeRadius, "needs root and Debian's freeradius"))
struct L2TPTunnelChoiceTests {
    @Test func assignmentIDsShareTunnelsAndASilentLNSFailsOver() throws {
        let lab = try ChoiceLab()
        defer { lab.delete() }
        let fr = try FreeRadius(netns: lab.base.lac.name)
        defer { fr.stop() }
        let idleHold = 4
        let configs = try [ChoiceLab.lns("lnsa", local: "10.235.0.1", pool: "10.236.0"),
                           ChoiceLab.lns("lnsb", local: "10.237.0.1", pool: "10.238.0"),
                           ChoiceLab.lac(fr, idleHold: idleHold),
                           ChoiceLab.subscribers([("share1", "s1-pass", 1), ("share2", "s2-pass", 2)]),
                           ChoiceLab.subscribers([("apart", "ap-pass", 3)]),
                           ChoiceLab.subscribers([("far", "far-pass", 4), ("silent", "sl-pass", 5)])].map { try TempConfig($0) }
        defer { configs.forEach { $0.remove() } }
        // The LNS that never answers: reads every datagram, replies to none,
        // prints a line per datagram; gone by itself after 180 s.
        let silentScript = """
            import socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("10.235.0.1", 1901))
            s.settimeout(1.0)
            print("listening", flush=True)
            end = time.time() + 180
            while time.time() < end:
                try:
                    d, a = s.recvfrom(4096)
                    print("datagram", len(d), a[0], a[1], flush=True)
                except socket.timeout:
                    pass
            """
        let silent = try NamespacedProcess(namespace: lab.base.lns.name, ["python3", "-c", silentScript])
        defer { silent.stop() }
        let lnsA = try RouterUnderTest(config: configs[0].path, netns: lab.base.lns.name)
        defer { lnsA.stop() }
        let lnsB = try RouterUnderTest(config: configs[1].path, netns: lab.lnsB.name)
        defer { lnsB.stop() }
        let lac = try RouterUnderTest(config: configs[2].path, netns: lab.base.lac.name)
        defer { lac.stop() }
        for r in [lnsA, lnsB, lac] { _ = try r.allRunning() }
        let capturePath = "/tmp/ppprouter-l2tp-choice-\(getpid()).pcapng"
        defer { try? FileManager.default.removeItem(atPath: capturePath) }
        var capture: NamespacedProcess?
        if haveTShark {
            _ = FileManager.default.createFile(atPath: capturePath, contents: nil)
            capture = try NamespacedProcess(namespace: lab.base.lac.name, ["tshark", "-q", "-i", "lo", "-i", "v-lns", "-i", "v-lnsb",
                                                                            "-f", "udp", "-w", capturePath])
            let deadline = Date().addingTimeInterval(10)
            while !capture!.output.contains("Capturing on") && Date() < deadline { usleep(50_000) }
        }

        let subA = try RouterUnderTest(config: configs[3].path, netns: lab.base.sub.name)
        defer { subA.stop() }
        let subB = try RouterUnderTest(config: configs[4].path, netns: lab.base.sub.name)
        defer { subB.stop() }
        let subC = try RouterUnderTest(config: configs[5].path, netns: lab.base.sub.name)
        defer { subC.stop() }
        for r in [subA, subB, subC] { _ = try r.allRunning() }

        func up(_ r: RouterUnderTest, _ port: String, _ remote: String, seconds: Double = 60) -> JSON? {
            // (persist: a subscriber that gave up waiting redials as PORT:2, …)
            r.waitForSession(seconds: seconds) {
                $0["port"]?.string == port && $0["ipcp"]?["state"]?.string == "opened" && $0["ipcp"]?["remote"]?.string == remote
            }
        }
        let diag = { "LAC:\n\(lac.log.suffix(6000))\nLNS A:\n\(lnsA.log.suffix(3000))\nLNS B:\n\(lnsB.log.suffix(3000))" }
        #expect(up(subA, "s1", "10.236.0.1") != nil, "share1: \(subA.sessions())\n\(diag())")
        #expect(up(subA, "s2", "10.236.0.1") != nil, "share2: \(subA.sessions())\n\(diag())")
        #expect(up(subB, "s3", "10.236.0.1") != nil, "apart: \(subB.sessions())\n\(diag())")
        #expect(up(subC, "s4", "10.238.0.1") != nil, "far: \(subC.sessions())\n\(diag())")
        // silent: 1 + 5 retransmissions of its SCCRQ (about 31 s), then LNS B.
        #expect(up(subC, "s5", "10.238.0.1", seconds: 150) != nil, "silent: \(subC.sessions())\n\(diag())")

        // One tunnel per (endpoint, Assignment-ID): grp-a with two calls,
        // grp-b with one, both to LNS A; grp-c (far) and grp-d (silent) to LNS B.
        let tunnels = established(lacTunnels(lac))
        func group(_ id: String) -> [JSON] { tunnels.filter { $0["assignment_id"]?.string == id } }
        #expect(group("grp-a").count == 1 && group("grp-a").first?["calls"]?.array?.count == 2
                && group("grp-a").first?["peer"]?.string == "10.235.0.1:1701", "grp-a: \(tunnels)")
        #expect(group("grp-b").count == 1 && group("grp-b").first?["calls"]?.array?.count == 1
                && group("grp-b").first?["peer"]?.string == "10.235.0.1:1701", "grp-b: \(tunnels)")
        // (grp-d: silent's subscriber may have redialled while its first
        // LNS stayed silent, and its earlier call may still be ending.)
        for id in ["grp-c", "grp-d"] {
            #expect(group(id).count == 1 && (group(id).first?["calls"]?.array?.count ?? 0) >= 1
                    && group(id).first?["peer"]?.string == "10.237.0.1:1701"
                    && group(id).first?["host_name"]?.string == "ppprouter", "\(id): \(tunnels)")
        }
        #expect(tunnels.count == 4, "the LAC's tunnels: \(tunnels)")
        let atA = l2tpStatus(lnsA, "lnsa")?["tunnels"]?.array ?? []
        let atB = l2tpStatus(lnsB, "lnsb")?["tunnels"]?.array ?? []
        #expect(established(atA).count == 2, "LNS A's tunnels: \(atA)")
        #expect(established(atB).count == 2 && atB.allSatisfy { $0["host_name"]?.string == "lac-b" }, "LNS B's tunnels: \(atB)")
        // Who is in which LNS: the proxy authentication each call carried (§4.4.5).
        func proxied(_ tunnels: [JSON]) -> [String] {
            tunnels.flatMap { $0["calls"]?.array ?? [] }.compactMap { $0["proxy"]?.string }
        }
        for (user, at) in [("share1", atA), ("share2", atA), ("apart", atA), ("far", atB), ("silent", atB)] {
            #expect(proxied(at).contains { $0.contains("CHAP as \(user)") }, "\(user): \(proxied(atA)) | \(proxied(atB))")
        }
        // The silent endpoint got the SCCRQ and its §5.8 retransmissions, from the LAC's port.
        let datagrams = silent.output.split(separator: "\n").filter { $0.hasPrefix("datagram") }
        #expect(datagrams.count >= 6 && datagrams.allSatisfy { $0.hasSuffix("10.235.0.2 1702") }, "silent LNS saw: \(silent.output)")
        #expect((l2tpStatus(lac, "up")?["failovers"]?.int ?? 0) >= 1, "\(String(describing: l2tpStatus(lac, "up")))")
        let listed = try lac.ctl(["tunnels"])
        print("pppctl tunnels on the LAC:\n\(listed.stdout)")
        #expect(listed.status == 0 && listed.stdout.contains("10.237.0.1:1701") && listed.stdout.contains("10.235.0.1:1701"))

        // share1 and share2 hang up: grp-a's tunnel closes after the hold
        // (StopCCN, result 1 "general request to clear"), grp-b's stays.
        let grpA = try #require(group("grp-a").first?["id"]?.int)
        let grpB = try #require(group("grp-b").first?["id"]?.int)
        let watcher = try Watcher(lac)
        let hungUp = Date()
        subA.stop()
        var gone = false
        while !gone && Date().timeIntervalSince(hungUp) < 60 {
            gone = !lacTunnels(lac).contains { $0["id"]?.int == grpA && $0["port"]?.string == "up" }
            if !gone { usleep(100_000) }
        }
        let held = Date().timeIntervalSince(hungUp)
        let events = watcher.stop()
        #expect(gone, "grp-a's tunnel is still there: \(lacTunnels(lac))\n\(diag())")
        // A lower bound only: the calls ended after `hungUp`, the tunnel
        // closed at least `idle-hold` seconds after the last of them.
        #expect(held >= Double(idleHold), "grp-a's tunnel closed \(held) s after the hang-up, hold \(idleHold) s")
        #expect(lac.log.contains("tunnel \(grpA) idle for \(idleHold) s; closing it"), "\(diag())")
        #expect(events.contains { $0["event"]?.string == "tunnel-down" && $0["tunnel"]?.int == grpA && $0["by_peer"]?.bool == false
                                  && $0["result"]?.int == 1 }, "events: \(events)")
        #expect(events.filter { $0["event"]?.string == "call-down" && $0["tunnel"]?.int == grpA }.count == 2, "events: \(events)")
        let still = established(lacTunnels(lac))
        #expect(still.contains { $0["id"]?.int == grpB } && still.count == 3, "after grp-a closed: \(still)")
        #expect(up(subB, "s3", "10.236.0.1", seconds: 5) != nil, "apart lost its session: \(subB.sessions())")
        #expect(established(l2tpStatus(lnsA, "lnsa")?["tunnels"]?.array ?? []).count == 1, "LNS A: \(String(describing: l2tpStatus(lnsA, "lnsa")))")

        // RFC 2867 accounting at FreeRADIUS (the Stops may trail the events).
        var detail = fr.detail
        let until = Date().addingTimeInterval(20)
        while detailRecords(detail, status: "Tunnel-Stop").isEmpty && Date() < until { usleep(200_000); detail = fr.detail }
        let starts = detailRecords(detail, status: "Tunnel-Start")
        let linkStarts = detailRecords(detail, status: "Tunnel-Link-Start")
        let rejects = detailRecords(detail, status: "Tunnel-Reject")
        let linkStops = detailRecords(detail, status: "Tunnel-Link-Stop")
        let stops = detailRecords(detail, status: "Tunnel-Stop")
        print("RFC 2867 records: \(starts.count) Tunnel-Start, \(rejects.count) Tunnel-Reject, \(linkStarts.count) Tunnel-Link-Start, \(linkStops.count) Tunnel-Link-Stop, \(stops.count) Tunnel-Stop")
        let all = starts + linkStarts + rejects + linkStops + stops
        #expect(all.allSatisfy { $0["Tunnel-Type"] == "L2TP" && $0["Tunnel-Medium-Type"] == "IPv4" && $0["Tunnel-Client-Endpoint"] == "10.235.0.2"
                                 && $0["Acct-Session-Id"] != nil && $0["Acct-Tunnel-Connection"] != nil }, "\(detail)")
        #expect(Set(starts.compactMap { $0["Tunnel-Assignment-Id"] }) == ["grp-a", "grp-b", "grp-c", "grp-d"] && starts.count == 4, "Tunnel-Start: \(starts)")
        #expect(starts.contains { $0["Tunnel-Assignment-Id"] == "grp-c" && $0["Tunnel-Server-Endpoint"] == "10.237.0.1"
                                  && $0["Tunnel-Client-Auth-Id"] == "lac-b" && $0["Tunnel-Server-Auth-Id"] == "ppprouter" }, "\(starts)")
        // (The subscriber may redial during the 31 s: its call joins the same opening tunnel.)
        #expect(!rejects.isEmpty && rejects.allSatisfy { $0["Tunnel-Server-Endpoint"] == "10.235.0.1:1901"
                && $0["Acct-Terminate-Cause"] == "Service-Unavailable" && $0["User-Name"] == "silent" }, "Tunnel-Reject: \(rejects)")
        #expect(Set(linkStarts.compactMap { $0["User-Name"] }) == ["share1", "share2", "apart", "far", "silent"],
                "Tunnel-Link-Start: \(linkStarts)")
        // (silent's subscriber may have redialled while its first LNS stayed
        // silent: its earlier calls to grp-d have their own stops.)
        let grpAStops = linkStops.filter { $0["Tunnel-Assignment-Id"] == "grp-a" }
        #expect(Set(grpAStops.compactMap { $0["User-Name"] }) == ["share1", "share2"] && grpAStops.count == 2
                && grpAStops.allSatisfy { $0["Tunnel-Assignment-Id"] == "grp-a" && $0["Acct-Tunnel-Packets-Lost"] != nil
                                          && (Int($0["Acct-Input-Packets"] ?? "") ?? 0) > 0 && $0["NAS-Port-Id"]?.hasPrefix("up:") == true },
                "Tunnel-Link-Stop: \(linkStops)")
        #expect(linkStops.allSatisfy { $0["User-Name"] != "far" && $0["User-Name"] != "apart" }, "\(linkStops)")
        #expect(stops.count == 1 && stops.first?["Tunnel-Assignment-Id"] == "grp-a" && stops.first?["Acct-Terminate-Cause"] == "Idle-Timeout"
                && stops.first?["Acct-Session-Id"] == starts.first { $0["Tunnel-Assignment-Id"] == "grp-a" }?["Acct-Session-Id"], "Tunnel-Stop: \(stops)")
        // Each link's start and stop pair up by Acct-Session-Id.
        for stop in linkStops {
            #expect(linkStarts.contains { $0["Acct-Session-Id"] == stop["Acct-Session-Id"] && $0["User-Name"] == stop["User-Name"] }, "\(stop)")
        }

        guard let capture else { return }
        usleep(300_000)
        capture.stop()
        let decodeAs = ["-d", "udp.port==1702,l2tp", "-d", "udp.port==1901,l2tp", "-d", "udp.port==\(fr.port),radius",
                        "-d", "udp.port==\(fr.port + 1),radius"]
        let malformed = try run("/usr/bin/tshark", ["-r", capturePath] + decodeAs + ["-Y", "_ws.malformed || _ws.expert.severity == error"])
        #expect(malformed.stdout.isEmpty, "malformed frames:\n\(malformed.stdout)")
        let fields = try run("/usr/bin/tshark", ["-r", capturePath] + decodeAs + ["-Y", "radius.Acct_Status_Type", "-T", "fields",
                                                                                 "-e", "radius.Acct_Status_Type"])
        let statuses = Set(fields.stdout.split(separator: "\n").map(String.init))
        print("tshark: RADIUS Acct-Status-Type values seen: \(statuses.sorted())")
        #expect(["9", "10", "11", "12", "13"].allSatisfy { statuses.contains($0) }, "\(fields.stdout)\(fields.stderr)")
    }
}
