// Line logging to stderr. Every line carries an RFC 3339 UTC timestamp and a
// level. A daemon's stderr is a pipe to pppinit, which reads each line back
// (LogLine.parse), puts the component name on it and writes it out in the
// router's format: plain, or with a syslog priority prefix (`<3>`…) that
// journald turns into the entry's priority when pppinit's stderr is the
// journal, or one JSON object per line (`log-format = "json"`).
// The threshold can change at run time (`pppctl log-level`): it is one
// process-wide value, so every copy of a Log sees the change.
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

public struct Log: Sendable {
    public enum Level: Int, Comparable, Sendable, CaseIterable {
        case debug, info, notice, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public var tag: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .notice: "notice"
            case .warning: "warning"
            case .error: "error"
            }
        }

        public init?(tag: some StringProtocol) {
            guard let l = Level.allCases.first(where: { $0.tag == tag }) else { return nil }
            self = l
        }

        /// RFC 5424 §6.2.1 severities: error 3, warning 4, notice 5,
        /// informational 6, debug 7 (sd-daemon(3) reads them as `<N>`).
        public var syslogSeverity: Int {
            switch self {
            case .debug: 7
            case .info: 6
            case .notice: 5
            case .warning: 4
            case .error: 3
            }
        }
    }

    /// How pppinit writes lines out; daemons always write `plain` to their pipe.
    public enum Format: UInt8, Sendable {
        case plain, json
    }

    /// The level set at run time (`pppctl log-level`), -1 while unset;
    /// it replaces each Log's own threshold.
    private static let runtimeLevel = Atomic<Int>(-1)
    /// Format (low bit) and journal prefix (bit 1) of this process's lines.
    private static let output = Atomic<UInt8>(0)

    public var prefix: String
    private var ownThreshold: Level

    public init(prefix: String = "", threshold: Level = .info) {
        self.prefix = prefix
        self.ownThreshold = threshold
    }

    /// The level below which lines are dropped: the run-time level when one
    /// was set, else this Log's own.
    public var threshold: Level {
        get { Level(rawValue: Self.runtimeLevel.load(ordering: .relaxed)) ?? ownThreshold }
        set { ownThreshold = newValue }
    }

    /// Sets the level of every Log in this process (`pppctl log-level`).
    public static func setRuntimeLevel(_ level: Level) {
        runtimeLevel.store(level.rawValue, ordering: .relaxed)
    }

    /// The run-time level, if one was set.
    public static var runtimeLevelSet: Level? { Level(rawValue: runtimeLevel.load(ordering: .relaxed)) }

    /// How this process writes lines: `journal` adds the priority prefix.
    public static func configure(format: Format, journal: Bool) {
        output.store(format.rawValue | (journal ? 2 : 0), ordering: .relaxed)
    }

    public static var format: Format { Format(rawValue: output.load(ordering: .relaxed) & 1) ?? .plain }
    public static var journal: Bool { output.load(ordering: .relaxed) & 2 != 0 }

    /// Whether stderr is the journal: systemd sets JOURNAL_STREAM to the
    /// "DEV:INODE" of the stream it connected, which must still be fd 2
    /// (systemd.exec(5)); a child whose stderr was redirected inherits the
    /// variable but not the stream.
    public static func stderrIsJournal(_ environment: [String: String]) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return UInt64(st.st_dev) == dev && UInt64(st.st_ino) == ino
    }

    public func callAsFunction(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= threshold else { return }
        Self.emit(LogLine(time: Self.timestamp(), level: level, component: prefix, message: message()))
    }

    /// Writes one line in this process's format (pppinit also relays its
    /// daemons' lines through here).
    public static func emit(_ line: LogLine) {
        var bytes = line.rendered(format: format, journal: journal)
        if bytes.count > 4096 { bytes = Array(bytes.prefix(4095)) + [10] }
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            off += n
        }
    }

    public func info(_ m: @autoclosure () -> String) { self(.info, m()) }
    public func notice(_ m: @autoclosure () -> String) { self(.notice, m()) }
    public func warning(_ m: @autoclosure () -> String) { self(.warning, m()) }
    public func error(_ m: @autoclosure () -> String) { self(.error, m()) }
    public func debug(_ m: @autoclosure () -> String) { self(.debug, m()) }

    /// Now as RFC 3339 §5.6 `date-time` in UTC with milliseconds:
    /// 2026-12-04T21:43:37.123Z, from clock_gettime. The civil date is
    /// computed here, not with gmtime_r: glibc's first gmtime_r reads the
    /// time zone (TZ, /etc/localtime), and a daemon whose first line comes
    /// after its seccomp drop would be killed for that openat.
    public static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return timestamp(seconds: Int(ts.tv_sec), nanoseconds: Int(ts.tv_nsec))
    }

    public static func timestamp(seconds: Int, nanoseconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let daySeconds = seconds - days * 86_400
        let (year, month, day) = civil(daysSinceEpoch: days)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ v: Int, _ n: Int) {
            var d = [UInt8](repeating: 48, count: n)
            var v = v
            for i in stride(from: n - 1, through: 0, by: -1) { d[i] = UInt8(48 + v % 10); v /= 10 }
            out.append(contentsOf: d)
        }
        digits(year, 4); out.append(45)
        digits(month, 2); out.append(45)
        digits(day, 2); out.append(84)
        digits(daySeconds / 3600, 2); out.append(58)
        digits(daySeconds / 60 % 60, 2); out.append(58)
        digits(daySeconds % 60, 2); out.append(46)
        digits(nanoseconds / 1_000_000 % 1000, 3); out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    /// Days since 1970-01-01 → proleptic Gregorian (year, month, day), by
    /// 400-year eras of 146,097 days counted from 0000-03-01 (so the leap
    /// day is the last of its year).
    static func civil(daysSinceEpoch: Int) -> (Int, Int, Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097                                      // [0, 146096]
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365  // [0, 399]
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)                 // [0, 365]
        let mp = (5 * doy + 2) / 153                                      // [0, 11], March = 0
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
