// One log line as a value: rendered by Log in the process's format, and
// read back by pppinit from a daemon's pipe (the daemon's own timestamp and
// level are kept; pppinit adds the component name it knows, not one the
// daemon claims).

/// One log line: what a daemon writes to its pipe and pppinit writes out.
public struct LogLine: Equatable, Sendable {
    public var time: String
    public var level: Log.Level
    /// "pppinit", "linkd@wan"; empty in a daemon's own line (pppinit names it).
    public var component: String
    public var message: String

    public init(time: String, level: Log.Level, component: String, message: String) {
        self.time = time; self.level = level; self.component = component; self.message = message
    }

    /// plain: `TIME LEVEL COMPONENT: MESSAGE` (or `TIME LEVEL: MESSAGE`
    /// without a component); journal: the same after `<SEVERITY>`; json: one
    /// object with time, level, component and message.
    public func rendered(format: Log.Format, journal: Bool) -> [UInt8] {
        var out: [UInt8] = journal ? Array("<\(level.syslogSeverity)>".utf8) : []
        switch format {
        case .plain:
            out.append(contentsOf: time.utf8)
            out.append(32)
            out.append(contentsOf: level.tag.utf8)
            if !component.isEmpty { out.append(32); out.append(contentsOf: component.utf8) }
            out.append(contentsOf: ": ".utf8)
            // A newline inside a message would start a line with no timestamp.
            for b in message.utf8 { out.append(b == 10 || b == 13 ? 32 : b) }
        case .json:
            out.append(contentsOf: JSON.object(["time": .string(time), "level": .string(level.tag),
                                                "component": .string(component), "message": .string(message)])
                .encoded().utf8)
        }
        out.append(10)
        return out
    }

    /// Reads back a daemon's plain line (without its newline):
    /// `TIME LEVEL: MESSAGE`. nil for anything else (a crash report from the
    /// Swift runtime, say), which pppinit relays with its own time.
    public static func parse(_ bytes: ArraySlice<UInt8>) -> LogLine? {
        guard let sp = bytes.firstIndex(of: 32) else { return nil }
        let time = bytes[..<sp]
        guard isTimestamp(time) else { return nil }
        let rest = bytes[(sp + 1)...]
        guard let colon = rest.firstIndex(of: 58), colon - rest.startIndex <= 8,
              let level = Log.Level(tag: String(decoding: rest[..<colon], as: UTF8.self)) else { return nil }
        var message = rest[(colon + 1)...]
        if message.first == 32 { message = message.dropFirst() }
        return LogLine(time: String(decoding: time, as: UTF8.self), level: level, component: "",
                       message: String(decoding: message, as: UTF8.self))
    }

    /// The shape Log.timestamp writes: YYYY-MM-DDTHH:MM:SS.mmmZ.
    public static func isTimestamp(_ b: ArraySlice<UInt8>) -> Bool {
        guard b.count == 24 else { return false }
        let pattern = Array("0000-00-00T00:00:00.000Z".utf8)
        for (p, c) in zip(pattern, b) {
            if p == 48 { guard c >= 48 && c <= 57 else { return false } } else if p != c { return false }
        }
        return true
    }
}
