// Which process a pid names, across pid reuse: the pid and the start time
// of the process (proc(5), /proc/PID/stat field 22, in clock ticks since
// boot). pppinit writes one per daemon in RUNDIR/NAME.pid when it spawns
// it; the next pppinit adopts a daemon only if /proc still shows that pid
// with that start time and not a zombie (docs/design.md, issue 20 point 2).
#if canImport(Glibc)
import Glibc
#endif

public struct ProcessStart: Equatable, Sendable {
    public var pid: Int32
    public var startTime: UInt64

    public init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// The process `pid` as /proc shows it now; nil if it is gone or has
    /// exited (a zombie: only its parent's wait can remove it).
    public static func live(pid: Int32) -> ProcessStart? {
        guard pid > 0, let text = ProcStatus.readFile("/proc/\(pid)/stat", limit: 4096),
              let stat = parseStat(Array(text.utf8)[...]), stat.state != UInt8(ascii: "Z"),
              stat.state != UInt8(ascii: "X") else { return nil }
        return ProcessStart(pid: pid, startTime: stat.startTime)
    }

    /// Our own, read before the privilege drop (no open(2) after it).
    public static func current() -> ProcessStart? { live(pid: getpid()) }

    /// proc(5) /proc/PID/stat: "pid (comm) state ppid … starttime …". The
    /// command name may hold spaces and parentheses, so the fields are
    /// counted from the last ')'; starttime is field 22, state field 3.
    public static func parseStat(_ bytes: ArraySlice<UInt8>) -> (state: UInt8, startTime: UInt64)? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count >= 20, fields[0].count == 1, let t = decimal(fields[19]) else { return nil }
        return (fields[0].first!, t)
    }

    /// The pid file's text: "PID STARTTIME\n".
    public var fileText: String { "\(pid) \(startTime)\n" }

    /// Reads a pid file's text; nil unless it is exactly two decimals.
    public static func parse(fileText bytes: ArraySlice<UInt8>) -> ProcessStart? {
        var b = bytes
        if b.last == 10 { b = b.dropLast() }
        let parts = b.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 2, let pid = decimal(parts[0]), pid > 0, pid <= UInt64(Int32.max),
              let start = decimal(parts[1]) else { return nil }
        return ProcessStart(pid: Int32(pid), startTime: start)
    }

    /// 1 to 20 ASCII digits that fit in 64 bits, no leading zero (neither
    /// the kernel nor our pid files write one: each value has one text).
    static func decimal(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 20, digits.count == 1 || digits.first != 48 else { return nil }
        var v: UInt64 = 0
        for d in digits {
            guard d >= 48, d <= 57 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d - 48))
            if o1 || o2 { return nil }
            v = s
        }
        return v
    }
}
