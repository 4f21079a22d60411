// Log lines: RFC 3339 timestamps, levels, the journal's priority prefix, the
// JSON form, and pppinit's reading back of a daemon's line (a boundary table).
#if canImport(Glibc)
import Glibc
#endif
import IPC
import Testing

/// `v` in decimal with leading zeros to `width` digits.
private func zeroPadded(_ v: Int, _ width: Int) -> String {
    let s = "\(v)"
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

@Suite struct LogTests {
    @Test func timestampIsRFC3339UTC() {
        #expect(Log.timestamp(seconds: 0, nanoseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Log.timestamp(seconds: 1_796_420_617, nanoseconds: 123_999_999) == "2026-12-04T21:43:37.123Z")
        #expect(Log.timestamp(seconds: 951_782_400, nanoseconds: 5_000_000) == "2000-02-29T00:00:00.005Z")
        #expect(Log.timestamp(seconds: 951_868_799, nanoseconds: 999_999_999) == "2000-02-29T23:59:59.999Z")
        #expect(Log.timestamp(seconds: 4_107_542_400, nanoseconds: 0) == "2100-03-01T00:00:00.000Z")  // 2100 is no leap year
        #expect(Log.timestamp(seconds: 1_735_689_599, nanoseconds: 0) == "2024-12-31T23:59:59.000Z")
        #expect(Log.timestamp(seconds: -1, nanoseconds: 0) == "1969-12-31T23:59:59.000Z")
        // Against glibc's gmtime_r (fine here: tests run unconfined).
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let t = Int.random(in: -2_000_000_000...8_000_000_000, using: &generator)
            var tt = time_t(t)
            var tm = Glibc.tm()
            gmtime_r(&tt, &tm)
            let date = zeroPadded(Int(tm.tm_year) + 1900, 4) + "-" + zeroPadded(Int(tm.tm_mon) + 1, 2) + "-" + zeroPadded(Int(tm.tm_mday), 2)
            let time = zeroPadded(Int(tm.tm_hour), 2) + ":" + zeroPadded(Int(tm.tm_min), 2) + ":" + zeroPadded(Int(tm.tm_sec), 2)
            let expected = date + "T" + time + ".000Z"
            #expect(Log.timestamp(seconds: t, nanoseconds: 0) == expected, "\(t)")
        }
        let now = Log.timestamp()
        #expect(LogLine.isTimestamp(Array(now.utf8)[...]), "\(now)")
        #expect(now >= "2025-")
    }

    @Test(arguments: [(Log.Level.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3)])
    func journalPrefixIsTheSyslogSeverity(_ level: Log.Level, _ severity: Int) {
        let line = LogLine(time: "2026-12-04T21:43:37.123Z", level: level, component: "linkd@wan", message: "up")
        let text = String(decoding: line.rendered(format: .plain, journal: true), as: UTF8.self)
        #expect(text == "<\(severity)>2026-12-04T21:43:37.123Z \(level.tag) linkd@wan: up\n")
    }

    @Test func plainLineKeepsOneLine() {
        let line = LogLine(time: "2026-12-04T21:43:37.123Z", level: .error, component: "", message: "a\nb\rc")
        #expect(String(decoding: line.rendered(format: .plain, journal: false), as: UTF8.self)
                == "2026-12-04T21:43:37.123Z error: a b c\n")
    }

    @Test func jsonLineIsOneObject() throws {
        let line = LogLine(time: "2026-12-04T21:43:37.123Z", level: .warning, component: "authd", message: "x \"y\"\nz")
        let bytes = line.rendered(format: .json, journal: false)
        #expect(bytes.firstIndex(of: 10) == bytes.count - 1)
        let o = try JSON.parse(String(decoding: bytes.dropLast(), as: UTF8.self))
        #expect(o["time"]?.string == "2026-12-04T21:43:37.123Z" && o["level"]?.string == "warning")
        #expect(o["component"]?.string == "authd" && o["message"]?.string == "x \"y\"\nz")
    }

    @Test func daemonLineReadsBack() {
        for level in Log.Level.allCases {
            let line = LogLine(time: Log.timestamp(), level: level, component: "", message: "session wan:1 up: 10.0.0.2")
            #expect(LogLine.parse(line.rendered(format: .plain, journal: false).dropLast()) == line)
        }
    }

    /// Boundary table: what pppinit refuses to read as a daemon's line.
    @Test(arguments: [
        "",                                                  // empty
        "2026-12-04T21:43:37.123Z",                          // timestamp only
        "2026-12-04T21:43:37.123Z ",                         // no level
        "2026-12-04T21:43:37.123Z info",                     // level without colon
        "2026-12-04T21:43:37.12Z info: short fraction",      // short timestamp
        "2026-12-04T21:43:37.1234Z info: long fraction",     // long timestamp
        "2026-12-04 21:43:37.123Z info: space for T",        // wrong separator
        "2026-12-04T21:43:37.123+01:00 info: offset",        // not UTC
        "2026-12-04T21:43:37.123Z critical: unknown level",  // no such level
        "2026-12-04T21:43:37.123Z INFO: upper case",         // levels are lower case
        "Fatal error: Unexpectedly found nil",               // the Swift runtime
        "x026-12-04T21:43:37.123Z info: a letter",           // non-digit
    ])
    func refusedLines(_ text: String) {
        #expect(LogLine.parse(Array(text.utf8)[...]) == nil, "\(text)")
    }

    @Test(arguments: [
        ("2026-12-04T21:43:37.123Z info:", ""),                     // empty message
        ("2026-12-04T21:43:37.123Z info:x", "x"),                   // no space
        ("2026-12-04T21:43:37.123Z debug: a: b: c", "a: b: c"),     // colons in the message
        ("2026-12-04T21:43:37.123Z error:  two spaces", " two spaces"),
    ])
    func acceptedLines(_ text: String, _ message: String) {
        #expect(LogLine.parse(Array(text.utf8)[...])?.message == message, "\(text)")
    }

    @Test func runtimeLevelOverridesEveryLog() {
        let log = Log(prefix: "t", threshold: .error)
        #expect(log.threshold == (Log.runtimeLevelSet ?? .error))
        #expect(LogLevelArguments(level: .debug).json.encoded() == #"{"level":"debug"}"#)
        #expect(throws: MethodError.self) { try LogLevelArguments(json: .object(["level": .string("loud")])) }
        #expect(throws: MethodError.self) { try LogLevelArguments(json: .object([:])) }
    }
}
