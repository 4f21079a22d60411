// Issue 19: pppctl's --json documents and `watch` events, taken from two
// running routers with a session between them, validated against the JSON
// Schema files in docs/schema by python3-jsonschema (Draft 2020-12, with
// format checks); and the event schema checked against the catalogue it
// writes down (EventKind), so neither can move without the other.
import Foundation
import IPC
import Testing

let hasJSONSchema = (try? run("/usr/bin/env", ["python3", "-c", "import jsonschema"]).status) == 0
let schemaDir = packageRoot + "/docs/schema"

/// Validates each (schema file, JSON text) pair; returns the validator's
/// complaints, empty when every document fits its schema.
func schemaErrors(_ pairs: [(schema: String, document: String)]) throws -> String {
    let dir = "/tmp/ppprouter-schema-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var args: [String] = []
    for (i, p) in pairs.enumerated() {
        try p.document.write(toFile: "\(dir)/\(i).json", atomically: true, encoding: .utf8)
        args += [schemaDir + "/" + p.schema, "\(dir)/\(i).json"]
    }
    let script = """
        import json, sys, jsonschema
        bad = 0
        a = sys.argv[1:]
        for schema, doc in zip(a[::2], a[1::2]):
            s = json.load(open(schema))
            jsonschema.Draft202012Validator.check_schema(s)
            v = jsonschema.Draft202012Validator(s, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
            for e in v.iter_errors(json.load(open(doc))):
                bad += 1
                print(schema.rsplit('/', 1)[-1], list(e.absolute_path), e.message[:300])
        print('validated', len(a) // 2)
        sys.exit(1 if bad else 0)
        """
    let r = try run("/usr/bin/env", ["python3", "-c", script] + args, timeout: 60)
    #expect(r.stdout.contains("validated \(pairs.count)"), "\(r.stdout)\(r.stderr)")
    return r.status == 0 ? "" : r.stdout + r.stderr
}

@Suite(.serialized, .enabled(if: isRoot && hasJSONSchema, "needs root and python3-jsonschema"))
struct JSONSchemaTests {
    @Test func everyCommandHasASchemaAndTheEventSchemaIsTheCatalogue() throws {
        for c in ControlCommand.allCases where c != .watch {
            #expect(FileManager.default.fileExists(atPath: "\(schemaDir)/\(c.documentKind).schema.json"), "no schema for \(c.documentKind)")
        }
        let schema = try JSON.parse(String(contentsOfFile: schemaDir + "/event.schema.json", encoding: .utf8))
        let kinds = (schema["properties"]?["event"]?["enum"]?.array ?? []).compactMap(\.string)
        #expect(kinds == EventKind.allCases.map(\.rawValue))
        for rule in schema["allOf"]?.array ?? [] {
            guard let name = rule["if"]?["properties"]?["event"]?["const"]?.string, let kind = EventKind(rawValue: name) else {
                Issue.record("a rule for no kind: \(rule)"); continue
            }
            let required = (rule["then"]?["required"]?.array ?? []).compactMap(\.string)
            let all = rule["then"]?["properties"]?.object?.keys ?? []
            #expect(required == kind.fields.filter { !$0.hasSuffix("?") }, "\(name)")
            #expect(all == kind.fields.map { $0.hasSuffix("?") ? String($0.dropLast()) : $0 }, "\(name)")
        }
    }

    @Test func realDocumentsAndEventsFitTheirSchemas() throws {
        let (a, b, configs) = try udpRouterPair()
        defer { a.stop(); b.stop(); configs.forEach { $0.remove() } }
        try a.allRunning()
        let watcher = try Watcher(a, timeout: 90)

        let s = try #require(a.waitForSession("opened", isOpened))
        _ = a.waitForSession("IPv6CP opened") { $0["ipv6cp"]?["state"]?.string == "opened" }
        let id = try #require(s["id"]?.string)
        var pairs: [(schema: String, document: String)] = []
        func take(_ schema: String, _ args: [String]) throws {
            let r = try a.ctl(["--json"] + args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            let doc = try JSON.parse(r.stdout)
            #expect(doc["version"]?.int == JSONDocument.version && doc["kind"]?.string == schema, "\(r.stdout)")
            pairs.append((schema + ".schema.json", r.stdout))
        }
        try take("components", ["components"])
        try take("sessions", ["sessions"])
        try take("session-show", ["session", "show", id])
        try take("call", ["call", "ncpd", "status"])
        try take("log-level", ["log-level", "linkd@ua", "info"])
        try take("upgrade", ["upgrade", "--check"])
        try take("reload", ["reload"])
        try take("restart", ["restart", "authd"])
        try take("session-kill", ["session", "kill", id])
        _ = a.waitForSession("dead") { $0["phase"]?.string == "dead" }

        // The events of all that: authd's exit and restart, the session's end.
        _ = watcher.first { $0["event"]?.string == "restarted" }
        _ = watcher.first { $0["event"]?.string == "session-down" }
        let lines = watcher.lines
        let events = lines.compactMap { try? JSON.parse($0) }
        #expect(events.count == lines.count && !events.isEmpty, "\(lines)")
        #expect(events.contains { $0["event"]?.string == "session-down" }, "\(lines)")
        // One counter for every component's events: strictly increasing by one.
        let seqs = events.compactMap { $0["seq"]?.int }
        #expect(seqs.count == events.count && zip(seqs, seqs.dropFirst()).allSatisfy { $1 == $0 + 1 }, "\(seqs)")
        pairs += lines.map { ("event.schema.json", $0) }
        let errors = try schemaErrors(pairs)
        #expect(errors.isEmpty, "\(errors)")
        print("schemas: \(pairs.count - lines.count) documents and \(lines.count) events (seq \(seqs.first ?? 0)…\(seqs.last ?? 0)) validated")
    }

    /// The validator is not a rubber stamp: a document of the wrong kind, an
    /// old version and an event without its stamp are refused.
    @Test func theValidatorRefusesWrongDocuments() throws {
        let errors = try schemaErrors([
            ("sessions.schema.json", #"{"version":1,"kind":"components","data":[]}"#),
            ("sessions.schema.json", #"{"version":0,"kind":"sessions","data":[]}"#),
            ("event.schema.json", #"{"event":"session-down","component":"linkd@a","session":"a:1","port":"a","reason":"x"}"#),
            ("event.schema.json", #"{"version":1,"seq":1,"time":"yesterday","event":"session-down","component":"linkd@a","session":"a:1","port":"a","reason":"x"}"#),
            // Issue 13: an ncpd mux without its counters.
            ("call.schema.json", #"{"version":1,"kind":"call","data":{"name":"ncpd","mux":{"access":{"sessions":1,"dropped_early":0}}}}"#),
        ])
        for n in ["'kind'", "'version'", "'seq' is a required", "'time'", "'queue_high_water' is a required"] where !errors.contains(n) {
            Issue.record("expected a complaint about \(n): \(errors)")
        }
    }

    /// Issue 13: linkd's and ncpd's `status` carry the linkd–ncpd mux's
    /// counters; from a live PPPoE access concentrator with two sessions
    /// they fit call.schema.json's description, and frames and octets moved
    /// both ways at both ends with nothing dropped.
    @Test func muxCountersInStatusFitTheSchema() throws {
        let n = 2
        let net = try VethPair("bras0", "cpe0")
        let path = writeConfig(swarmConfig(sessions: n))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ac = try RouterUnderTest(config: path, netns: net.left.name)
        defer { ac.stop() }
        let swarm = try PPPoESwarm.onCPE(net, count: n)
        try swarm.run(seconds: 30, rate: 100, window: n) { $0.count(.up) + $0.count(.ended) == n }
        #expect(swarm.count(.up) == n, "\(ac.log)")
        let linkd = try ac.ctl(["--json", "call", "linkd@access", "status"])
        let ncpd = try ac.ctl(["--json", "call", "ncpd", "status"])
        #expect(linkd.status == 0 && ncpd.status == 0, "\(linkd.stderr)\(ncpd.stderr)")
        let errors = try schemaErrors([("call.schema.json", linkd.stdout), ("call.schema.json", ncpd.stdout)])
        #expect(errors.isEmpty, "\(errors)")
        let l = try JSON.parse(linkd.stdout)["data"]?["mux"]
        let c = try JSON.parse(ncpd.stdout)["data"]?["mux"]?["access"]
        func v(_ o: JSON?, _ k: String) -> Int64 { o?[k]?.int ?? -1 }
        #expect(l?["state"]?.string == "ready" && v(l, "sessions") == Int64(n) && v(c, "sessions") == Int64(n), "\(linkd.stdout)\(ncpd.stdout)")
        // IPCP crossed both ways (RFC 1332 §3: each side's Configure-Request
        // and the other's answer): a frame is its Protocol field and more.
        for (end, o) in [("linkd", l), ("ncpd", c)] {
            #expect(v(o, "frames_in") >= Int64(n) && v(o, "frames_out") >= Int64(n), "\(end): \(o.map { "\($0)" } ?? "-")")
            #expect(v(o, "bytes_in") > 2 * v(o, "frames_in") && v(o, "bytes_out") > 2 * v(o, "frames_out"), "\(end)")
            #expect(v(o, "unknown_handle") == 0 && v(o, "malformed") == 0 && v(o, "queue_full") == 0, "\(end)")
        }
    }
}
