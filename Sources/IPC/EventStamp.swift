// What pppinit adds to every event it fans out (issue 19): when it was
// published and its place in the stream. pppinit is the one process every
// event passes through, so its counter orders events of all components; a
// watcher that sees a gap in `seq` knows it missed events (its socket was
// full, or it reconnected), which a timestamp alone cannot say.

public struct EventStamp: Equatable, Sendable {
    /// The event schema's version (docs/schema/event.schema.json); the same
    /// rule as JSONDocument.version.
    public static let version: Int64 = 1

    /// 1 for the first event since the router started, then +1 for each;
    /// it numbers on across `pppctl upgrade` (InitStateRecord version 2).
    public var seq: UInt64
    /// RFC 3339 §5.6 date-time, UTC (Log.timestamp()).
    public var time: String

    public init(seq: UInt64, time: String) {
        self.seq = seq; self.time = time
    }

    /// The members it puts in front of the event's own.
    var members: JSONObject {
        ["version": .int(Self.version), "seq": .int(Int64(clamping: seq)), "time": .string(time)]
    }

    /// Reads the stamp of an event object: nil when it has none (an event
    /// on its way from a daemon to pppinit), or when one is of another type.
    init?(_ o: JSONObject) {
        guard let seq = o["seq"]?.int, seq > 0, let time = o["time"]?.string else { return nil }
        self.init(seq: UInt64(seq), time: time)
    }
}
