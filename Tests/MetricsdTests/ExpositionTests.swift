// metricsd's pure parts: the request line it reads (a boundary table), the
// text format it writes (escaping, numbers, histograms) and a snapshot's
// families (what a scrape of a real router is checked for with promtool in
// IntegrationTests/MetricsTests).
import IPC
import Testing
@testable import metricsd

@Suite struct HTTPRequestTests {
    @Test(arguments: [
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", HTTPRequest.request(method: "GET", target: "/metrics")),
        ("GET /metrics HTTP/1.0\n\n", .request(method: "GET", target: "/metrics")),
        ("HEAD /?a=b HTTP/1.1\r\n\r\n", .request(method: "HEAD", target: "/?a=b")),
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nTRAILING", .request(method: "GET", target: "/metrics")),
        ("", .incomplete),
        ("GET /metrics HTTP/1.1\r\n", .incomplete),                       // truncated: no empty line
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n", .incomplete),
        ("GET  /metrics HTTP/1.1\r\n\r\n", .malformed("request line is not METHOD TARGET VERSION")),
        ("GET /metrics\r\n\r\n", .malformed("request line is not METHOD TARGET VERSION")),
        ("get /metrics HTTP/1.1\r\n\r\n", .malformed("bad method")),
        ("GET metrics HTTP/1.1\r\n\r\n", .malformed("bad request target")),
        ("GET /metrics HTTP/2.0\r\n\r\n", .malformed("not HTTP/1.0 or HTTP/1.1")),
        ("\r\n\r\n", .malformed("request line is not METHOD TARGET VERSION")),
    ])
    func requestLines(_ text: String, _ expected: HTTPRequest) {
        #expect(HTTPRequest.parse(Array(text.utf8)[...]) == expected, "\(text)")
    }

    @Test func longHeadersAreRefused() {
        let long = Array(("GET /metrics HTTP/1.1\r\nX: " + String(repeating: "a", count: HTTPRequest.limit)).utf8)
        #expect(HTTPRequest.parse(long[...]) == .malformed("request header section over \(HTTPRequest.limit) bytes"))
        #expect(HTTPRequest.parse((long + Array("\r\n\r\n".utf8))[...]) == .malformed("request header section over \(HTTPRequest.limit) bytes"))
        #expect(HTTPRequest.path("/metrics?x=1") == "/metrics" && HTTPRequest.path("/") == "/")
    }
}

@Suite struct ExpositionTests {
    @Test func familiesAndEscaping() {
        var e = Exposition()
        e.family("a_total", .counter, "with \\ and\nline", [([("l", "q\"b\\n\nx")], 3), ([], 0.5)])
        e.histogram("h_seconds", "latency", buckets: [(0.01, 1), (0.1, 3)], sum: 0.25, count: 4)
        #expect(String(decoding: e.text, as: UTF8.self) == """
            # HELP a_total with \\\\ and\\nline
            # TYPE a_total counter
            a_total{l="q\\"b\\\\n\\nx"} 3
            a_total 0.5
            # HELP h_seconds latency
            # TYPE h_seconds histogram
            h_seconds_bucket{le="0.01"} 1
            h_seconds_bucket{le="0.1"} 3
            h_seconds_bucket{le="+Inf"} 4
            h_seconds_sum 0.25
            h_seconds_count 4

            """)
        #expect(Exposition.number(.infinity) == "+Inf" && Exposition.number(-.infinity) == "-Inf" && Exposition.number(.nan) == "NaN")
        #expect(Exposition.number(1e20) == "1e+20" && Exposition.number(-2) == "-2")
        #expect(Exposition.isName("ppprouter_x:y") && !Exposition.isName("1x") && !Exposition.isName("a-b") && !Exposition.isName(""))
        #expect(Exposition.namePart("a.b-c d") == "a_b_c_d")
    }

    @Test func snapshotFamilies() throws {
        var s = Snapshot()
        s.components = [try JSON.parse(#"{"name":"linkd@u0","state":"running","restarts":2,"uptime":1.5,"rss_bytes":4096,"fds":9}"#),
                        try JSON.parse(#"{"name":"authd","state":"failed","restarts":5,"uptime":null,"rss_bytes":null,"fds":null}"#)]
        s.pppinit = try JSON.parse(#"{"fd_store":{"entries":3,"descriptors":4},"control":{"clients":1,"dropped_opens":0}}"#)
        s.statuses["linkd@u0"] = try JSON.parse(#"{"pid":7,"port":{"name":"u0","type":"udp"},"sessions":2,"pppoe":{"ac":{"padt_sent":1}}}"#)
        s.statuses["authd"] = try JSON.parse(#"{"started":4,"succeeded":3,"failed":1,"radius":{"sent":2,"timed_out":1}}"#)
        s.sessions["linkd@u0"] = [try JSON.parse(#"{"id":"u0:1","phase":"network","lcp":"opened"}"#),
                                  try JSON.parse(#"{"id":"u0:2","phase":"network","lcp":"opened"}"#)]
        s.pools = [try JSON.parse(#"{"name":"p","size":254,"leased":2}"#)]
        let text = String(decoding: s.render(), as: UTF8.self)
        for line in [#"ppprouter_component_up{component="linkd@u0"} 1"#, #"ppprouter_component_up{component="authd"} 0"#,
                     #"ppprouter_component_restarts_total{component="authd"} 5"#,
                     #"ppprouter_component_resident_memory_bytes{component="linkd@u0"} 4096"#,
                     #"ppprouter_fd_store_entries 3"#, #"ppprouter_port_sessions{port="u0",type="udp"} 2"#,
                     #"ppprouter_sessions{port="u0",type="udp",phase="network",state="opened"} 2"#,
                     #"ppprouter_auth_results_total{result="failure"} 1"#, #"ppprouter_radius_timeouts_total 1"#,
                     #"ppprouter_pool_addresses_leased{pool="p"} 2"#,
                     #"ppprouter_daemon_status{component="linkd@u0",field="pppoe_ac_padt_sent"} 1"#,
                     "ppprouter_scrape_complete 1"] {
            #expect(text.contains(line + "\n"), "\(line) missing from:\n\(text)")
        }
        #expect(!text.contains("field=\"pid\"") && !text.contains("ppprouter_session_info"))
        s.perSession = true
        #expect(String(decoding: s.render(), as: UTF8.self).contains(#"ppprouter_session_info{session="u0:2",port="u0",phase="network",state="opened"} 1"#))
    }
}

/// Issue 19's families from linkd's outcomes and authd's RADIUS latency.
@Suite struct OutcomeFamiliesTests {
    @Test func setupsFailuresTeardownsEchoAndLatency() throws {
        var s = Snapshot()
        s.statuses["linkd@u0"] = try JSON.parse(#"{"port":{"name":"u0","type":"udp"},"sessions":0,"outcomes":{"setups":3,"failures":{"peer":0,"carrier":2},"teardowns":{"echo":1,"admin":2},"lcp_echo_failures":1}}"#)
        var h = LatencyHistogram()
        for v in [0.004, 0.02, 0.02, 0.3, 20] { h.record(seconds: v) }
        s.statuses["authd"] = .object(["radius": .object(["sent": 5, "latency": h.json])])
        let text = String(decoding: s.render(), as: UTF8.self)
        for line in [#"ppprouter_session_setups_total{port="u0",type="udp"} 3"#,
                     #"ppprouter_session_failures_total{port="u0",type="udp",cause="carrier"} 2"#,
                     #"ppprouter_session_failures_total{port="u0",type="udp",cause="peer"} 0"#,
                     #"ppprouter_session_teardowns_total{port="u0",type="udp",cause="admin"} 2"#,
                     #"ppprouter_lcp_echo_failures_total{port="u0",type="udp"} 1"#,
                     #"ppprouter_radius_request_duration_seconds_bucket{le="0.005"} 1"#,
                     #"ppprouter_radius_request_duration_seconds_bucket{le="0.025"} 3"#,
                     #"ppprouter_radius_request_duration_seconds_bucket{le="0.5"} 4"#,
                     #"ppprouter_radius_request_duration_seconds_bucket{le="10"} 4"#,
                     #"ppprouter_radius_request_duration_seconds_bucket{le="+Inf"} 5"#,
                     #"ppprouter_radius_request_duration_seconds_count 5"#] {
            #expect(text.contains(line + "\n"), "\(line) missing from:\n\(text)")
        }
    }

    @Test func histogramReadsBackAndRefusesOtherShapes() throws {
        var h = LatencyHistogram()
        h.record(seconds: 0.07)
        #expect(LatencyHistogram(json: h.json) == h)
        // Not cumulative, other bounds, a count below a bucket, no sum.
        var o = h.json.object!
        var buckets = o["buckets"]!.array!
        buckets[0] = .array([.double(0.005), .int(1)])
        o["buckets"] = .array(buckets)
        #expect(LatencyHistogram(json: .object(o)) == nil)
        #expect(LatencyHistogram(json: try JSON.parse(#"{"buckets":[[1,0]],"sum":0,"count":0}"#)) == nil)
        var short = h.json.object!
        short["count"] = .int(0)
        #expect(LatencyHistogram(json: .object(short)) == nil)
        var noSum = h.json.object!
        noSum["sum"] = nil
        #expect(LatencyHistogram(json: .object(noSum)) == nil)
    }
}

/// Issue 13: the linkd–ncpd mux's counters, from both ends' status.
@Suite struct MuxFamiliesTests {
    @Test func bothEndsByDaemonPortAndDirection() throws {
        var s = Snapshot()
        s.statuses["linkd@access"] = try JSON.parse(#"{"port":{"name":"access","type":"pppoe"},"sessions":2,"mux":{"state":"ready","sessions":2,"frames_in":40,"frames_out":50,"bytes_in":4000,"bytes_out":5100,"unknown_handle":1,"malformed":0,"queued":7,"queue_full":2,"queue_high_water":64,"gone":0,"waiting":3}}"#)
        // A linkd whose mux is not made yet has its state only.
        s.statuses["linkd@idle"] = try JSON.parse(#"{"port":{"name":"idle","type":"pppoe"},"sessions":0,"mux":{"state":"none","sessions":0}}"#)
        s.statuses["ncpd"] = try JSON.parse(#"{"sessions":2,"mux":{"access":{"sessions":2,"frames_in":50,"frames_out":40,"bytes_in":5100,"bytes_out":4000,"unknown_handle":5,"malformed":0,"queued":0,"queue_full":0,"queue_high_water":0,"gone":0,"waiting":0,"dropped_early":4}}}"#)
        let text = String(decoding: s.render(), as: UTF8.self)
        for line in [#"ppprouter_mux_sessions{daemon="linkd",port="access"} 2"#,
                     #"ppprouter_mux_frames_total{daemon="linkd",port="access",direction="in"} 40"#,
                     #"ppprouter_mux_frames_total{daemon="linkd",port="access",direction="out"} 50"#,
                     #"ppprouter_mux_frames_total{daemon="ncpd",port="access",direction="in"} 50"#,
                     #"ppprouter_mux_bytes_total{daemon="ncpd",port="access",direction="out"} 4000"#,
                     #"ppprouter_mux_dropped_frames_total{daemon="linkd",port="access",reason="unknown_handle"} 1"#,
                     #"ppprouter_mux_dropped_frames_total{daemon="linkd",port="access",reason="queue_full"} 2"#,
                     #"ppprouter_mux_dropped_frames_total{daemon="ncpd",port="access",reason="unknown_handle"} 5"#,
                     #"ppprouter_mux_dropped_frames_total{daemon="ncpd",port="access",reason="before_start"} 4"#,
                     #"ppprouter_mux_queued_frames_total{daemon="linkd",port="access"} 7"#,
                     #"ppprouter_mux_waiting_frames{daemon="linkd",port="access"} 3"#,
                     #"ppprouter_mux_queue_high_water_frames{daemon="linkd",port="access"} 64"#] {
            #expect(text.contains(line + "\n"), "\(line) missing from:\n\(text)")
        }
        #expect(!text.contains(#"ppprouter_mux_sessions{daemon="linkd",port="idle"}"#))
        // linkd has no before-start drops: no series rather than a 0.
        #expect(!text.contains(#"daemon="linkd",port="access",reason="before_start""#))
    }
}
