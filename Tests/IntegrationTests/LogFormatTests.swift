// Integration: the lines a real router writes. With JOURNAL_STREAM naming
// pppinit's stderr every line starts with a syslog priority, then an RFC 3339
// UTC timestamp and a level; with log-format = "json" every line is one JSON
// object; `pppctl log-level` changes a running daemon's level.
import Foundation
import IPC
import Testing

/// A line as pppinit writes it in the plain format:
/// `[<SEVERITY>]TIME LEVEL COMPONENT: MESSAGE`.
struct WrittenLine {
    var severity: Int?
    var time: String
    var level: Log.Level
    var component: String
    var message: String

    init?(_ text: Substring) {
        var rest = text
        if rest.first == "<", let close = rest.firstIndex(of: ">") {
            severity = Int(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
        }
        let words = rest.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard words.count == 3, LogLine.isTimestamp(Array(words[0].utf8)[...]),
              let level = Log.Level(tag: words[1]), let colon = words[2].firstIndex(of: ":") else { return nil }
        time = String(words[0]); self.level = level
        component = String(words[2][..<colon])
        message = String(words[2][colon...].dropFirst(2))
    }
}

@Suite(.serialized, .enabled(if: isRoot, "needs root: daemons drop to their own uids"))
struct LogFormatTests {
    @Test func journalLinesCarryPriorityTimestampAndLevel() throws {
        let router = try RouterUnderTest(environment: ["JOURNAL_STREAM": "$LOG_STREAM"])
        defer { router.stop() }
        _ = try router.allRunning()
        let set = try router.ctl(["log-level", "linkd@udp0", "debug"])
        #expect(set.status == 0, "\(set.stdout)\(set.stderr)")
        #expect(try router.ctl(["log-level", "pppinit", "warning"]).status == 0)
        #expect(try router.ctl(["log-level", "nosuch", "debug"]).status == 1)
        #expect(try router.ctl(["log-level", "authd", "loud"]).status == 2)
        // The daemon says so itself, at notice (5), once its level changed.
        let deadline = Date().addingTimeInterval(20)
        while !router.log.contains("linkd@udp0: log level debug") && Date() < deadline { usleep(50_000) }
        let lines = router.log.split(separator: "\n")
        #expect(!lines.isEmpty)
        for text in lines {
            let line = try #require(WrittenLine(text), "not a journal line: \(text)")
            #expect(line.severity == line.level.syslogSeverity, "\(text)")
        }
        let changed = lines.compactMap(WrittenLine.init).first { $0.component == "linkd@udp0" && $0.message == "log level debug" }
        #expect(changed?.severity == 5 && changed?.level == .notice, "\(router.log)")
        #expect(lines.compactMap(WrittenLine.init).contains { $0.component == "pppinit" })
    }

    @Test func jsonFormatAndNoPrefixWhenStderrIsNotTheJournal() throws {
        let minimal = try String(contentsOfFile: packageRoot + "/compose/minimal.toml", encoding: .utf8)
        let path = "/tmp/ppprouter-logjson-\(getpid())-\(UInt32.random(in: 0..<UInt32.max)).toml"
        try minimal.replacingOccurrences(of: "[router]\n", with: "[router]\nlog-format = \"json\"\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Inherited from a parent whose stderr was the journal: not ours.
        let router = try RouterUnderTest(config: path, environment: ["JOURNAL_STREAM": "1:2"])
        defer { router.stop() }
        _ = try router.allRunning()
        #expect(try router.ctl(["log-level", "authd", "debug"]).status == 0)
        let deadline = Date().addingTimeInterval(20)
        while !router.log.contains("log level debug") && Date() < deadline { usleep(50_000) }
        var components = Set<String>()
        for text in router.log.split(separator: "\n") {
            let o = try #require(try? JSON.parse(String(text)), "not JSON: \(text)")
            #expect(LogLine.isTimestamp(Array((o["time"]?.string ?? "").utf8)[...]), "\(text)")
            #expect(Log.Level(tag: o["level"]?.string ?? "") != nil, "\(text)")
            components.insert(o["component"]?.string ?? "")
            #expect(o["message"]?.string != nil)
        }
        #expect(components.isSuperset(of: ["pppinit", "authd"]), "\(components)")
    }
}
