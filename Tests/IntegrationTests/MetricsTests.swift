// Integration: a router with [metrics] runs metricsd confined like every
// daemon (own uid, no capability, no_new_privs, seccomp), and a scrape with
// curl of its /metrics passes `promtool check metrics` and carries the
// families an operator watches: components, fd store, sessions, auth, pools.
import Foundation
import IPC
import Testing

let hasPromtool = FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool")
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")

/// curl inside `netns`; the body, or nil on failure.
func scrape(_ netns: String, _ url: String) throws -> CommandResult {
    try run("/usr/sbin/ip", ["netns", "exec", netns, "/usr/bin/curl", "-sS", "--max-time", "20", "-D", "-", url], timeout: 40)
}

/// promtool check metrics reads the exposition on stdin.
func promtoolCheck(_ text: String) throws -> CommandResult {
    let path = "/tmp/ppprouter-metrics-\(getpid())-\(UInt32.random(in: 0..<UInt32.max)).txt"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try run("/bin/sh", ["-c", "/usr/bin/promtool check metrics < \(path)"])
}

/// The body of an HTTP response from `curl -D -`.
func httpBody(_ response: String) -> (status: String, body: String) {
    let parts = response.components(separatedBy: "\r\n\r\n")
    return (parts.first?.components(separatedBy: "\r\n").first ?? "", parts.dropFirst().joined(separator: "\r\n\r\n"))
}

@Suite(.serialized, .enabled(if: isRoot && hasPromtool, "needs root, curl and promtool (Debian prometheus)"))
struct MetricsTests {
    @Test func scrapePassesPromtoolAndMetricsdIsConfined() throws {
        let port = UInt16.random(in: 20_000...40_000)
        let minimal = try String(contentsOfFile: packageRoot + "/compose/minimal.toml", encoding: .utf8)
        let config = try TempConfig(minimal + "\n[metrics]\nlisten = \"127.0.0.1:\(port)\"\n")
        defer { config.remove() }
        let router = try RouterUnderTest(config: config.path)
        defer { router.stop() }
        let list = try router.allRunning()
        let m = try #require(list["metricsd"], "no metricsd: \(list.keys)\n\(router.log)")
        let metricsPID = try #require(pid(m))
        let status = try #require(ProcStatus.read(pid: metricsPID))
        #expect(status.uid == 61005 && status.capEff == 0 && status.noNewPrivs == 1 && status.seccomp == 2, "\(status)")

        let r = try scrape(sharedTestNamespace, "http://127.0.0.1:\(port)/metrics")
        #expect(r.status == 0, "curl: \(r.stderr)\n\(router.log)")
        let (line, body) = httpBody(r.stdout)
        #expect(line == "HTTP/1.1 200 OK", "\(r.stdout.prefix(500))")
        let check = try promtoolCheck(body)
        #expect(check.status == 0, "promtool: \(check.stdout)\(check.stderr)\n\(body)")
        for expected in ["ppprouter_scrape_complete 1", #"ppprouter_component_up{component="linkd@udp0"} 1"#,
                         #"ppprouter_component_up{component="metricsd"} 1"#,
                         #"ppprouter_component_restarts_total{component="authd"} 0"#,
                         #"ppprouter_port_sessions{port="udp0",type="udp"} "#, "ppprouter_fd_store_entries ",
                         "ppprouter_component_resident_memory_bytes{component=\"ncpd\"} ",
                         "ppprouter_component_open_fds{component=\"linkd@udp0\"} ",
                         "ppprouter_auth_results_total", "ppprouter_radius_timeouts_total"] {
            #expect(body.contains(expected), "\(expected) missing:\n\(body)")
        }

        // A killed daemon shows as a restart in the next scrape.
        let authd = try #require(pid(list["authd"]))
        kill(authd, SIGKILL)
        try router.waitFor { pid($0["authd"]) != authd && $0["authd"]?["state"]?.string == "running" }
        let again = httpBody(try scrape(sharedTestNamespace, "http://127.0.0.1:\(port)/metrics").stdout).body
        #expect(again.contains(#"ppprouter_component_restarts_total{component="authd"} 1"#), "\(again)")

        // Not a scrape: answered with a status, metricsd stays up.
        #expect(httpBody(try scrape(sharedTestNamespace, "http://127.0.0.1:\(port)/nothing").stdout).status == "HTTP/1.1 404 Not Found")
        let junk = try run("/usr/sbin/ip", ["netns", "exec", sharedTestNamespace, "/bin/bash", "-c",
                                           "exec 3<>/dev/tcp/127.0.0.1/\(port); printf 'BLAH\\r\\n\\r\\n' >&3; timeout 10 cat <&3"], timeout: 20)
        #expect(junk.stdout.hasPrefix("HTTP/1.1 400 Bad Request"), "\(junk.stdout)\(junk.stderr)")
        #expect(pid(try router.components()["metricsd"]) == pid(m), "metricsd restarted")

        // Issue 19 point 4: a reload moves metricsd to its new address (the
        // old one is closed), and one without [metrics] stops it.
        let moved = port == 40_000 ? port - 1 : port + 1
        try (minimal + "\n[metrics]\nlisten = \"127.0.0.1:\(moved)\"\n").write(toFile: config.path, atomically: true, encoding: .utf8)
        let reload = try router.ctl(["--json", "reload"])
        let applied = (try? JSON.parse(reload.stdout))?["data"]?["applied"]?["metricsd"]?.string
        #expect(reload.status == 0 && applied == "metrics changed: metricsd restarted on 127.0.0.1:\(moved)",
                "\(reload.stdout)\(reload.stderr)")
        try router.waitFor { pid($0["metricsd"]) != pid(m) && $0["metricsd"]?["state"]?.string == "running" }
        let there = try scrape(sharedTestNamespace, "http://127.0.0.1:\(moved)/metrics")
        #expect(httpBody(there.stdout).status == "HTTP/1.1 200 OK", "\(there.stdout.prefix(300))\(there.stderr)")
        #expect(try scrape(sharedTestNamespace, "http://127.0.0.1:\(port)/metrics").status != 0, "the old address still answers")
        try minimal.write(toFile: config.path, atomically: true, encoding: .utf8)
        #expect(try router.ctl(["reload"]).status == 0)
        let gone = try router.waitFor { $0["metricsd"] == nil }
        #expect(gone["metricsd"] == nil && gone["linkd@udp0"] != nil)
    }

    /// Issue 19's session families on a live scrape: a session set up, then
    /// ended because its peer vanished (its router and daemons killed -9, so no
    /// Terminate-Request): one setup, one teardown for cause "echo", one
    /// LCP echo failure; and the RADIUS latency histogram (empty: no server).
    @Test func sessionOutcomesAndRadiusLatencyOnALiveScrape() throws {
        let port = UInt16.random(in: 20_000...40_000)
        let (a, b, configs) = try udpRouterPair(extraA: "[metrics]\nlisten = \"127.0.0.1:\(port)\"")
        defer { a.stop(); b.stop(); configs.forEach { $0.remove() } }
        _ = try #require(a.waitForSession("opened", isOpened))
        try b.silence()
        let dead = a.waitForSession("dead") { $0["phase"]?.string == "dead" }
        #expect((dead?["reason"]?.string ?? "").hasPrefix("peer not responding"), "\(dead.map { "\($0)" } ?? "none")")
        let r = try scrape(sharedTestNamespace, "http://127.0.0.1:\(port)/metrics")
        let (line, body) = httpBody(r.stdout)
        #expect(line == "HTTP/1.1 200 OK", "\(r.stdout.prefix(500))\(r.stderr)")
        let check = try promtoolCheck(body)
        #expect(check.status == 0, "promtool: \(check.stdout)\(check.stderr)\n\(body)")
        for expected in [#"ppprouter_session_setups_total{port="ua",type="udp"} 1"#,
                         #"ppprouter_session_teardowns_total{port="ua",type="udp",cause="echo"} 1"#,
                         #"ppprouter_session_teardowns_total{port="ua",type="udp",cause="peer"} 0"#,
                         #"ppprouter_session_failures_total{port="ua",type="udp",cause="carrier"} 0"#,
                         #"ppprouter_lcp_echo_failures_total{port="ua",type="udp"} 1"#,
                         #"ppprouter_radius_request_duration_seconds_bucket{le="+Inf"} 0"#,
                         "# TYPE ppprouter_radius_request_duration_seconds histogram"] {
            #expect(body.contains(expected + "\n"), "\(expected) missing:\n\(body)")
        }
    }

    /// Issue 13: the linkd–ncpd mux's counters as named families, from a
    /// PPPoE access concentrator with two sessions, pass promtool; both ends
    /// counted frames and octets each way and dropped nothing.
    @Test func muxFamiliesOnAPPPoEAccessConcentrator() throws {
        let n = 2
        let port = UInt16.random(in: 20_000...40_000)
        let net = try VethPair("bras0", "cpe0")
        let path = writeConfig(swarmConfig(sessions: n) + "\n[metrics]\nlisten = \"127.0.0.1:\(port)\"\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ac = try RouterUnderTest(config: path, netns: net.left.name)
        defer { ac.stop() }
        let swarm = try PPPoESwarm.onCPE(net, count: n)
        try swarm.run(seconds: 30, rate: 100, window: n) { $0.count(.up) + $0.count(.ended) == n }
        #expect(swarm.count(.up) == n, "\(ac.log)")
        _ = try ac.allRunning()
        let r = try scrape(net.left.name, "http://127.0.0.1:\(port)/metrics")
        let (line, body) = httpBody(r.stdout)
        #expect(line == "HTTP/1.1 200 OK", "\(r.stdout.prefix(500))\(r.stderr)")
        let check = try promtoolCheck(body)
        #expect(check.status == 0, "promtool: \(check.stdout)\(check.stderr)\n\(body)")
        /// A sample's value, or -1 when the series is not there.
        func value(_ series: String) -> Double {
            for l in body.split(separator: "\n") where l.hasPrefix(series + " ") { return Double(l.dropFirst(series.count + 1)) ?? -1 }
            return -1
        }
        for daemon in ["linkd", "ncpd"] {
            let at = "daemon=\"\(daemon)\",port=\"access\""
            #expect(value("ppprouter_mux_sessions{\(at)}") == Double(n), "\(daemon)\n\(body)")
            for direction in ["in", "out"] {
                let frames = value("ppprouter_mux_frames_total{\(at),direction=\"\(direction)\"}")
                let bytes = value("ppprouter_mux_bytes_total{\(at),direction=\"\(direction)\"}")
                #expect(frames >= Double(n) && bytes > 2 * frames, "\(daemon) \(direction): \(frames) frames, \(bytes) octets")
            }
            for reason in ["unknown_handle", "queue_full", "malformed"] {
                #expect(value("ppprouter_mux_dropped_frames_total{\(at),reason=\"\(reason)\"}") == 0, "\(daemon) \(reason)")
            }
            #expect(value("ppprouter_mux_queue_high_water_frames{\(at)}") >= 0)
            #expect(value("ppprouter_mux_queued_frames_total{\(at)}") >= 0)
        }
    }
}
