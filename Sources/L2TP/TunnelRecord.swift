// The versioned state records of a tunnel and a session, so a restarted
// linkd resumes a control connection without a new SCCRQ (issue 16, item 4):
// ids, Ns/Nr, windows, the messages awaiting an ack or room in the window,
// and each session. No secret is recorded: it comes from the configuration.

extension Session {
    static let recordVersion: UInt8 = 1

    /// A session on its own (version 1).
    public var record: [UInt8] {
        var w = RecordWriter()
        w.u8(Self.recordVersion)
        write(to: &w)
        return w.bytes
    }

    public init(record: [UInt8]) throws(L2TPError) {
        var r = RecordReader(record[...])
        let version = try r.u8()
        guard version == Self.recordVersion else { throw .badRecord("session record version \(version), expected 1") }
        try self.init(reading: &r)
        try r.finish()
    }

    func write(to w: inout RecordWriter) {
        w.u16(localID); w.u16(peerID); w.u8(state.rawValue)
        w.bool(sequencing); w.bool(sequencingRequired); w.u16(dataNs); w.u16(dataNr)
        w.u32(call.serialNumber); w.optional(call.bearerType); w.optional(call.physicalChannelID)
        w.optional(call.callingNumber); w.optional(call.calledNumber); w.optional(call.subAddress)
        w.u32(call.txConnectSpeed); w.optional(call.rxConnectSpeed); w.u32(call.framingType)
        w.optional(call.privateGroupID)
        let p = call.proxy
        w.optional(p.initialReceivedConfReq); w.optional(p.lastSentConfReq); w.optional(p.lastReceivedConfReq)
        w.optional(p.authenType); w.optional(p.authenName); w.optional(p.authenChallenge)
        w.optional(p.authenID); w.optional(p.authenResponse)
    }

    init(reading r: inout RecordReader) throws(L2TPError) {
        localID = try r.u16(); peerID = try r.u16()
        let rawState = try r.u8()
        guard let s = State(rawValue: rawState) else { throw .badRecord("session state \(rawState)") }
        state = s
        sequencing = try r.bool(); sequencingRequired = try r.bool(); dataNs = try r.u16(); dataNr = try r.u16()
        var c = IncomingCall()
        c.serialNumber = try r.u32(); c.bearerType = try r.optionalU32(); c.physicalChannelID = try r.optionalU32()
        c.callingNumber = try r.optionalBlob(); c.calledNumber = try r.optionalBlob(); c.subAddress = try r.optionalBlob()
        c.txConnectSpeed = try r.u32(); c.rxConnectSpeed = try r.optionalU32(); c.framingType = try r.u32()
        c.privateGroupID = try r.optionalBlob()
        c.proxy.initialReceivedConfReq = try r.optionalBlob(); c.proxy.lastSentConfReq = try r.optionalBlob()
        c.proxy.lastReceivedConfReq = try r.optionalBlob()
        c.proxy.authenType = try r.optionalU16()
        c.proxy.authenName = try r.optionalBlob(); c.proxy.authenChallenge = try r.optionalBlob()
        c.proxy.authenID = try r.optionalU8()
        c.proxy.authenResponse = try r.optionalBlob()
        call = c
    }
}

extension Tunnel {
    static let recordVersion: UInt8 = 1
    /// Records are deposited per control message, not per data message, so
    /// a session's data Ns in its record lags the wire; after a restart it
    /// jumps ahead by this much, so the peer sees a gap (counted as loss,
    /// frames delivered) rather than old Ns it drops as late (§5.4).
    public static let dataNsSkipOnRestore: UInt16 = 4096

    /// Everything needed to carry on after a restart (version 1).
    public var record: [UInt8] {
        var w = RecordWriter()
        w.u8(Self.recordVersion)
        w.u8(origin.rawValue); w.u8(configuration.role.rawValue); w.u16(localID)
        w.u8(Self.stateCode(state))
        w.blob(peerHostName); w.optional(ourChallenge)
        w.u16(nextSessionID); w.u32(nextCallSerial)
        let t = transport
        w.u16(t.peerTunnelID); w.u16(t.nextNs); w.u16(t.nextNr); w.u16(t.peerWindow)
        w.u16(UInt16(clamping: t.congestionWindow)); w.u16(UInt16(clamping: t.slowStartThreshold))
        w.u8(UInt8(clamping: t.retransmissions)); w.u64(t.currentTimeout)
        for list in [t.unacknowledged, t.queued, t.held.values.sorted { $0.ns < $1.ns }] {
            w.u32(UInt32(list.count))  // the send queue is not bounded by a window
            for m in list { w.u16(m.ns); w.u16(m.sessionID); w.blob(m.body) }
        }
        w.u16(UInt16(sessions.count))
        for id in sessions.keys.sorted() { sessions[id]!.write(to: &w) }
        return w.bytes
    }

    /// The hold's end is not recorded: monotonic time restarts with the host.
    static func stateCode(_ s: State) -> UInt8 {
        switch s {
        case .idle: 0
        case .waitCtlReply: 1
        case .waitCtlConn: 2
        case .established: 3
        case .stopping: 4
        case .closed: 5
        }
    }

    /// Resumes a tunnel from its record under `configuration` (whose role
    /// must match). Timers start afresh at `now`: messages awaiting an ack
    /// are retransmitted one timeout later unless the ack comes, the HELLO
    /// interval starts again, and a stopping tunnel holds a full cycle.
    public init(record: [UInt8], configuration: Configuration, seed: [UInt8], now: UInt64) throws(L2TPError) {
        var r = RecordReader(record[...])
        let version = try r.u8()
        guard version == Self.recordVersion else { throw .badRecord("tunnel record version \(version), expected 1") }
        guard let origin = Origin(rawValue: try r.u8()) else { throw .badRecord("origin") }
        guard try r.u8() == configuration.role.rawValue else { throw .badRecord("role differs from the configuration") }
        let localID = try r.u16()
        guard localID != 0 else { throw .badRecord("tunnel id 0") }
        self.init(configuration: configuration, origin: origin, localID: localID, seed: seed, now: now)
        switch try r.u8() {
        case 0: state = .idle
        case 1: state = .waitCtlReply
        case 2: state = .waitCtlConn
        case 3: state = .established
        case 4: state = .stopping(until: now + configuration.reliable.fullCycle)
        case 5: state = .closed
        case let v: throw .badRecord("tunnel state \(v)")
        }
        peerHostName = try r.blob(); ourChallenge = try r.optionalBlob()
        nextSessionID = try r.u16(); nextCallSerial = try r.u32()
        transport.peerTunnelID = try r.u16(); transport.nextNs = try r.u16(); transport.nextNr = try r.u16()
        let window = try r.u16()
        guard window != 0 else { throw .badRecord("peer window 0") }
        transport.peerWindow = window
        transport.congestionWindow = max(1, min(Int(try r.u16()), Int(window)))
        transport.slowStartThreshold = max(1, Int(try r.u16()))
        transport.retransmissions = Int(try r.u8())
        transport.currentTimeout = min(max(try r.u64(), configuration.reliable.initialTimeout), configuration.reliable.maximumTimeout)
        var lists: [[ReliableDelivery.Outgoing]] = []
        for _ in 0..<3 {
            let count = Int(try r.u32())
            var list: [ReliableDelivery.Outgoing] = []
            for _ in 0..<count {
                list.append(ReliableDelivery.Outgoing(ns: try r.u16(), sessionID: try r.u16(), body: try r.blob()))
            }
            lists.append(list)
        }
        // The unacknowledged run must be consecutive and end just before nextNs.
        for (i, m) in lists[0].enumerated() where m.ns != transport.nextNs &- UInt16(lists[0].count - i) {
            throw .badRecord("unacknowledged Ns out of sequence")
        }
        transport.unacknowledged = lists[0]
        transport.queued = lists[1]
        for m in lists[2] { transport.held[m.ns] = m }
        let count = Int(try r.u16())
        for _ in 0..<count {
            var session = try Session(reading: &r)
            session.dataNs &+= Self.dataNsSkipOnRestore
            guard session.localID != 0, sessions[session.localID] == nil else { throw .badRecord("session id \(session.localID)") }
            sessions[session.localID] = session
        }
        try r.finish()
        transport.restartTimers(now: now)
    }
}
