// pppinit's own state across its re-execution (`pppctl upgrade`, issue 20):
// written by the running image into a memfd just before execve, read by the
// new image from the descriptor number given on its command line. The
// descriptors themselves cross execve because pppinit cleared FD_CLOEXEC on
// exactly those named here; the record says which number is what.
//
// Versioned like every deposited record (docs/design.md "Issue 20"): the
// next release's pppinit reads this version, so an upgrade from this release
// is new code reading this record. Fixture: Tests/Fixtures/records.
// Version 2 adds the last event's sequence number, so `pppctl watch` numbers
// on across an upgrade; version 1 (no number: it restarts at 1, as before)
// is still read, since the image an upgrade executes reads what the
// previous release wrote.

public struct InitStateRecord: Equatable, Sendable {
    public static let version: UInt8 = 2
    /// Versions this code reads: 1 has no event sequence number.
    public static let readable: ClosedRange<UInt8> = 1...2
    /// Bounds that keep a damaged record from asking for absurd amounts.
    public static let maxComponents = 4096
    public static let maxEntries = 1 << 20
    public static let maxClients = 4096
    /// SCM_RIGHTS carries at most 253 descriptors, so no deposit holds more.
    public static let maxDescriptorsPerEntry = 253

    /// One supervised daemon and the process running it.
    public struct Component: Equatable, Sendable {
        public var name: String
        public var pid: Int32?
        /// pppinit's end of the init link (the daemon's fd 3).
        public var link: Int32?
        /// The read end of the daemon's stdout/stderr pipe.
        public var logPipe: Int32?
        public var rendezvous: Int32?
        public var listener: Int32?
        /// Supervision.state and .want by their raw names.
        public var state: String
        public var want: String
        public var restarts: UInt32
        public var earlyCrashes: UInt32
        /// Monotonic nanoseconds (CLOCK_MONOTONIC survives execve).
        public var readyAt: UInt64?
        public var startedAt: UInt64?
        public var lastExit: String
        /// The executable it is spawned from when not BIN_DIR/NAME (a
        /// rolled-back daemon runs its old executable's copy).
        public var executablePath: String?

        public init(name: String, pid: Int32? = nil, link: Int32? = nil, logPipe: Int32? = nil, rendezvous: Int32? = nil,
                    listener: Int32? = nil, state: String, want: String, restarts: UInt32 = 0, earlyCrashes: UInt32 = 0,
                    readyAt: UInt64? = nil, startedAt: UInt64? = nil, lastExit: String = "", executablePath: String? = nil) {
            self.name = name; self.pid = pid; self.link = link; self.logPipe = logPipe; self.rendezvous = rendezvous
            self.listener = listener; self.state = state; self.want = want; self.restarts = restarts
            self.earlyCrashes = earlyCrashes; self.readyAt = readyAt; self.startedAt = startedAt
            self.lastExit = lastExit; self.executablePath = executablePath
        }
    }

    /// One fd store entry (FdStore.Entry) with its descriptors' numbers.
    public struct Entry: Equatable, Sendable {
        public var component: String
        public var key: String
        public var record: [UInt8]
        public var descriptors: [Int32]
        public init(component: String, key: String, record: [UInt8], descriptors: [Int32]) {
            self.component = component; self.key = key; self.record = record; self.descriptors = descriptors
        }
    }

    /// One pppctl conversation on the control socket, with the rights it
    /// was given and the caller's credentials when it opened.
    public struct Client: Equatable, Sendable {
        public var fd: Int32
        public var pid: Int32
        public var uid: UInt32
        public var gid: UInt32
        public var admin: Bool
        public var reader: Bool
        public var watchCall: UInt32?
        public init(fd: Int32, pid: Int32, uid: UInt32, gid: UInt32, admin: Bool, reader: Bool, watchCall: UInt32? = nil) {
            self.fd = fd; self.pid = pid; self.uid = uid; self.gid = gid
            self.admin = admin; self.reader = reader; self.watchCall = watchCall
        }
    }

    /// An upgrade in progress: who to answer, what is left to restart.
    public struct Upgrade: Equatable, Sendable {
        public var client: Int32
        public var callID: UInt32
        /// Where the old executables' copies are (RUNDIR/upgrade).
        public var copies: String
        /// Components still to restart, in order.
        public var pending: [String]
        /// The reply as it stands (UpgradeReply's JSON).
        public var reply: UpgradeReply
        public init(client: Int32, callID: UInt32, copies: String, pending: [String], reply: UpgradeReply) {
            self.client = client; self.callID = callID; self.copies = copies; self.pending = pending; self.reply = reply
        }
    }

    /// How many times this pppinit has re-executed itself.
    public var generation: UInt32
    /// The last event's sequence number (EventStamp.seq, version 2; 0 when
    /// read from version 1): the new image numbers on from it.
    public var eventSeq: UInt64
    public var control: Int32
    public var components: [Component]
    public var entries: [Entry]
    public var clients: [Client]
    public var upgrade: Upgrade?

    public init(generation: UInt32, eventSeq: UInt64 = 0, control: Int32, components: [Component], entries: [Entry],
                clients: [Client], upgrade: Upgrade?) {
        self.generation = generation; self.eventSeq = eventSeq; self.control = control; self.components = components
        self.entries = entries; self.clients = clients; self.upgrade = upgrade
    }

    /// Every descriptor the record names, each once: what must be inherited.
    public var descriptors: [Int32] {
        var all: [Int32] = [control]
        for c in components { all += [c.link, c.logPipe, c.rendezvous, c.listener].compactMap { $0 } }
        for e in entries { all += e.descriptors }
        for c in clients { all.append(c.fd) }
        var seen = Set<Int32>()
        return all.filter { seen.insert($0).inserted }
    }

    // MARK: encoding

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 256 + entries.count * 64)
        w.u8(Self.version)
        w.u32(generation)
        w.u64(eventSeq)
        w.u32(UInt32(bitPattern: control))
        w.u32(UInt32(components.count))
        for c in components {
            w.string(c.name)
            for v in [c.pid, c.link, c.logPipe, c.rendezvous, c.listener] { Self.optional(&w, v.map { UInt32(bitPattern: $0) }) }
            w.string(c.state); w.string(c.want)
            w.u32(c.restarts); w.u32(c.earlyCrashes)
            Self.optional64(&w, c.readyAt); Self.optional64(&w, c.startedAt)
            w.string(c.lastExit)
            w.bool(c.executablePath != nil); if let p = c.executablePath { w.string(p) }
        }
        w.u32(UInt32(entries.count))
        for e in entries {
            w.string(e.component); w.string(e.key); w.blob(e.record)
            w.u8(UInt8(e.descriptors.count))
            for d in e.descriptors { w.u32(UInt32(bitPattern: d)) }
        }
        w.u32(UInt32(clients.count))
        for c in clients {
            w.u32(UInt32(bitPattern: c.fd))
            w.u32(UInt32(bitPattern: c.pid)); w.u32(c.uid); w.u32(c.gid)
            w.bool(c.admin); w.bool(c.reader)
            Self.optional(&w, c.watchCall)
        }
        w.bool(upgrade != nil)
        if let u = upgrade {
            w.u32(UInt32(bitPattern: u.client)); w.u32(u.callID); w.string(u.copies)
            w.u32(UInt32(u.pending.count)); for p in u.pending { w.string(p) }
            w.text(u.reply.json.encoded())
        }
        return w.bytes
    }

    private static func optional(_ w: inout ByteWriter, _ v: UInt32?) {
        w.bool(v != nil); if let v { w.u32(v) }
    }

    private static func optional64(_ w: inout ByteWriter, _ v: UInt64?) {
        w.bool(v != nil); if let v { w.u64(v) }
    }

    // MARK: decoding

    public static func decode(_ bytes: [UInt8]) throws(IPCError) -> InitStateRecord {
        var r = ByteReader(bytes)
        let v = try r.u8()
        guard readable.contains(v) else {
            throw .invalid(callID: 0, reason: "pppinit state version \(v), expected \(readable.lowerBound) to \(version)")
        }
        let generation = try r.u32()
        let eventSeq = v >= 2 ? try r.u64() : 0
        let control = try descriptor(&r)
        var components: [Component] = []
        for _ in 0..<(try count(&r, max: maxComponents, "components")) {
            let name = try nonEmpty(&r, "component name")
            let pid = try optional(&r).map { Int32(bitPattern: $0) }
            if let pid, pid <= 0 { throw .invalid(callID: 0, reason: "pppinit state: pid \(pid)") }
            let link = try optionalDescriptor(&r), logPipe = try optionalDescriptor(&r)
            let rendezvous = try optionalDescriptor(&r), listener = try optionalDescriptor(&r)
            let state = try nonEmpty(&r, "state"), want = try nonEmpty(&r, "want")
            let restarts = try r.u32(), early = try r.u32()
            let readyAt = try r.bool() ? try r.u64() : nil
            let startedAt = try r.bool() ? try r.u64() : nil
            let lastExit = try r.string()
            let path = try r.bool() ? try nonEmpty(&r, "executable path") : nil
            components.append(Component(name: name, pid: pid, link: link, logPipe: logPipe, rendezvous: rendezvous,
                                        listener: listener, state: state, want: want, restarts: restarts,
                                        earlyCrashes: early, readyAt: readyAt, startedAt: startedAt,
                                        lastExit: lastExit, executablePath: path))
        }
        var entries: [Entry] = []
        for _ in 0..<(try count(&r, max: maxEntries, "fd store entries")) {
            let component = try nonEmpty(&r, "entry component"), key = try r.string(), record = try r.blob()
            let n = Int(try r.u8())
            guard n <= maxDescriptorsPerEntry else { throw .invalid(callID: 0, reason: "pppinit state: \(n) descriptors in one entry") }
            var fds: [Int32] = []
            for _ in 0..<n { fds.append(try descriptor(&r)) }
            entries.append(Entry(component: component, key: key, record: record, descriptors: fds))
        }
        var clients: [Client] = []
        for _ in 0..<(try count(&r, max: maxClients, "clients")) {
            let fd = try descriptor(&r)
            let pid = Int32(bitPattern: try r.u32()), uid = try r.u32(), gid = try r.u32()
            let admin = try r.bool(), reader = try r.bool()
            clients.append(Client(fd: fd, pid: pid, uid: uid, gid: gid, admin: admin, reader: reader, watchCall: try optional(&r)))
        }
        var upgrade: Upgrade?
        if try r.bool() {
            let client = try descriptor(&r), callID = try r.u32(), copies = try nonEmpty(&r, "copies directory")
            var pending: [String] = []
            for _ in 0..<(try count(&r, max: maxComponents, "pending components")) { pending.append(try nonEmpty(&r, "pending component")) }
            let text = try r.text()
            let reply: UpgradeReply
            do { reply = try UpgradeReply(json: try JSON.parse(text)) } catch {
                throw .invalid(callID: 0, reason: "pppinit state: upgrade reply: \(error)")
            }
            upgrade = Upgrade(client: client, callID: callID, copies: copies, pending: pending, reply: reply)
        }
        try r.finish()
        let record = InitStateRecord(generation: generation, eventSeq: eventSeq, control: control, components: components, entries: entries,
                                     clients: clients, upgrade: upgrade)
        // Each number names one thing: the new image adopts (and later
        // closes) each once.
        var seen = Set<Int32>()
        var all: [Int32] = [control]
        for c in components { all += [c.link, c.logPipe, c.rendezvous, c.listener].compactMap { $0 } }
        for e in entries { all += e.descriptors }
        for c in clients { all.append(c.fd) }
        for fd in all where !seen.insert(fd).inserted {
            throw .invalid(callID: 0, reason: "pppinit state: descriptor \(fd) named twice")
        }
        if let u = upgrade, !clients.contains(where: { $0.fd == u.client }) {
            throw .invalid(callID: 0, reason: "pppinit state: the upgrade's caller \(u.client) is not a carried client")
        }
        return record
    }

    private static func count(_ r: inout ByteReader, max: Int, _ what: String) throws(IPCError) -> Int {
        let n = Int(try r.u32())
        guard n <= max else { throw .invalid(callID: 0, reason: "pppinit state: \(n) \(what), at most \(max)") }
        return n
    }

    private static func optional(_ r: inout ByteReader) throws(IPCError) -> UInt32? {
        try r.bool() ? try r.u32() : nil
    }

    /// A descriptor number: 0 to 2 are stdin/out/err, never carried.
    private static func descriptor(_ r: inout ByteReader) throws(IPCError) -> Int32 {
        let fd = Int32(bitPattern: try r.u32())
        guard fd >= 3 else { throw .invalid(callID: 0, reason: "pppinit state: descriptor \(fd)") }
        return fd
    }

    private static func optionalDescriptor(_ r: inout ByteReader) throws(IPCError) -> Int32? {
        try r.bool() ? try descriptor(&r) : nil
    }

    private static func nonEmpty(_ r: inout ByteReader, _ what: String) throws(IPCError) -> String {
        let s = try r.string()
        guard !s.isEmpty else { throw .invalid(callID: 0, reason: "pppinit state: empty \(what)") }
        return s
    }
}
