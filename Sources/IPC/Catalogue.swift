// The message catalogue: every control message of every link, in one place.
// Numbers are explicit and only ever appended. For each type: who may send it,
// how many descriptors it carries, and its payload codec, which insists on
// exact lengths. Sender's and receiver's code for one message sit together.

/// The processes that speak on links. A link knows its remote peer; a message
/// from a peer not listed as a sender of its type is refused.
public enum Peer: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case pppinit = 1, linkd, authd, ncpd, bridged, pppctl, metricsd
    public var description: String {
        switch self {
        case .pppinit: "pppinit"
        case .linkd: "linkd"
        case .authd: "authd"
        case .ncpd: "ncpd"
        case .bridged: "bridged"
        case .pppctl: "pppctl"
        case .metricsd: "metricsd"
        }
    }
    public static let daemons: Set<Peer> = [.linkd, .authd, .ncpd, .bridged, .metricsd]
}

public enum MessageType: UInt16, Sendable, CaseIterable {
    // init <-> daemon link (fd 3 of every daemon)
    case daemonConfigured = 1        // init → daemon: identity, uid/gid, capabilities
    case daemonReady = 2             // daemon → init: opened, dropped, serving
    case callRequested = 3           // init → daemon: method + JSON arguments
    case callReplied = 4             // reply part carrying JSON (MORE … END)
    case descriptorsDeposited = 5    // daemon → init: fd store deposit
    case descriptorsWithdrawn = 6    // daemon → init: fd store removal
    case descriptorsQueried = 7      // daemon → init: give back my deposits
    case descriptorsReturned = 8     // init → daemon: one deposit (MORE), then acknowledged (END)
    case acknowledged = 9            // empty final reply
    case errorReplied = 10           // ERROR (or BUSY) reply with code and reason
    case callAborted = 11            // ABORT with a code
    case eventPublished = 12         // JSON event: daemon → init, init → watcher
    // control: pppctl <-> pppinit
    case controlOpened = 20          // pppctl → init rendezvous: the conversation socket
    case componentsListed = 21       // list the components
    case componentRestartRequested = 22
    case daemonCallRequested = 23    // relay a call to a daemon
    case eventsWatched = 24          // subscribe to events until hang-up
    case daemonAttached = 25         // orphaned daemon → init rendezvous: a new init link (issue 20)
    // daemon <-> daemon handoff (DESIGN.md "The handoff")
    case channelHandedOver = 40      // one channel + R
    case channelPairHandedOver = 41  // two channels + R (bridged)
    case conversationOpened = 42     // daemon → daemon rendezvous: one SEQPACKET end
    case muxHandedOver = 43          // linkd → ncpd: its port's mux (issue 13) + R
    // linkd <-> authd conversation (the Authenticate phase, accounting)
    case authStarted = 50            // linkd → authd: LCP opened, who authenticates whom
    case authFrameReceived = 51      // linkd → authd: a PAP/CHAP/EAP packet from the peer
    case authFrameSent = 52          // authd → linkd: a PAP/CHAP/EAP packet to send
    case authFinished = 53           // authd → linkd: the verdict
    case authStopped = 54            // linkd → authd: the session ended (accounting Stop)
    case accountingUpdated = 55      // linkd → authd: Network phase began / interim counters
    case accountingResumed = 56      // linkd → authd: a session in the Network phase, after a restart of either
    case authChanged = 57            // authd → linkd: RFC 5176 Disconnect or CoA for a session
    case tunnelAccounted = 58        // linkd → authd: an L2TP tunnel or call began or ended (RFC 2867)
    // ncpd → pppinit (init link): run a configured hook script
    case hookRequested = 60          // an NCP went up or down (ip-up, ipv6-down, …)
    case tunRequested = 61           // open /dev/net/tun for a new unit (answered by descriptorsReturned)
}

/// How many descriptors a message type carries.
public enum DescriptorCount: Sendable, Equatable {
    case exactly(Int)
    /// The payload states the count (≤ max) and it must match what arrived.
    case counted(max: Int)
}

public struct MessageSpec: Sendable {
    public let senders: Set<Peer>
    public let descriptors: DescriptorCount
}

public enum Catalogue {
    static let anyone = Set(Peer.allCases)

    /// The table of who may send what, and with how many descriptors.
    public static func spec(_ type: MessageType) -> MessageSpec {
        switch type {
        case .daemonConfigured: MessageSpec(senders: [.pppinit], descriptors: .exactly(0))
        case .daemonReady: MessageSpec(senders: Peer.daemons, descriptors: .exactly(0))
        case .callRequested: MessageSpec(senders: [.pppinit], descriptors: .exactly(0))
        case .callReplied, .acknowledged, .errorReplied, .callAborted:
            MessageSpec(senders: anyone, descriptors: .exactly(0))
        case .descriptorsDeposited: MessageSpec(senders: Peer.daemons, descriptors: .counted(max: 8))
        case .descriptorsWithdrawn, .descriptorsQueried: MessageSpec(senders: Peer.daemons, descriptors: .exactly(0))
        case .descriptorsReturned: MessageSpec(senders: [.pppinit], descriptors: .counted(max: 8))
        case .eventPublished: MessageSpec(senders: Peer.daemons.union([.pppinit]), descriptors: .exactly(0))
        case .controlOpened: MessageSpec(senders: [.pppctl], descriptors: .exactly(1))
        // The new init link's end, then the daemon's inherited descriptors
        // (rendezvous, dae or metrics) in its layout's order.
        case .daemonAttached: MessageSpec(senders: Peer.daemons, descriptors: .counted(max: 4))
        case .componentsListed, .componentRestartRequested, .eventsWatched:
            MessageSpec(senders: [.pppctl], descriptors: .exactly(0))
        // linkd and ncpd too: pppinit relays a daemon's call only if its
        // table (DaemonCalls) lists the sender, target and method.
        case .daemonCallRequested: MessageSpec(senders: [.pppctl, .linkd, .ncpd, .authd], descriptors: .exactly(0))
        case .channelHandedOver: MessageSpec(senders: [.linkd, .ncpd, .bridged], descriptors: .exactly(2))
        case .channelPairHandedOver: MessageSpec(senders: [.linkd], descriptors: .exactly(3))
        case .muxHandedOver: MessageSpec(senders: [.linkd], descriptors: .exactly(2))
        case .conversationOpened: MessageSpec(senders: [.linkd, .bridged, .ncpd], descriptors: .exactly(1))
        case .authStarted, .authFrameReceived, .authStopped, .accountingUpdated, .accountingResumed, .tunnelAccounted:
            MessageSpec(senders: [.linkd], descriptors: .exactly(0))
        case .authFrameSent, .authFinished, .authChanged: MessageSpec(senders: [.authd], descriptors: .exactly(0))
        case .hookRequested, .tunRequested: MessageSpec(senders: [.ncpd], descriptors: .exactly(0))
        }
    }
}

/// What pppinit tells a daemon before it drops privileges.
public struct DaemonSetup: Equatable, Sendable {
    public var name: String            // "linkd"
    public var instance: String        // port name for linkd, "" otherwise
    public var uid: UInt32
    public var gid: UInt32
    public var capabilities: [UInt8]   // Linux capability numbers kept after the drop
    public var seccomp: SeccompMode
    /// Daemon-specific typed configuration, encoded by the daemon's own
    /// settings codec (e.g. a linkd port); empty when the daemon has none.
    public var settings: [UInt8]
    /// pppinit's `runtime-dir`: where the rendezvous points are.
    public var runtimeDir: String
    /// Which daemon runs under which uid: names the sender of a datagram on a
    /// rendezvous point from the kernel's credentials (Conversation.swift).
    public var peerUIDs: [UInt32: Peer]
    public var logLevel: Log.Level
    /// Syscalls allowed beyond Sandbox.baseRules (pppinit's service table).
    public var syscalls: [SyscallRule]

    public static let defaultRuntimeDir = "/run/ppprouter"

    public init(name: String, instance: String, uid: UInt32, gid: UInt32, capabilities: [UInt8],
                seccomp: SeccompMode, settings: [UInt8] = [], runtimeDir: String = defaultRuntimeDir,
                peerUIDs: [UInt32: Peer] = [:], logLevel: Log.Level = .info, syscalls: [SyscallRule] = []) {
        self.name = name; self.instance = instance; self.uid = uid; self.gid = gid
        self.capabilities = capabilities; self.seccomp = seccomp; self.settings = settings
        self.runtimeDir = runtimeDir; self.peerUIDs = peerUIDs; self.logLevel = logLevel
        self.syscalls = syscalls
    }
}

public enum SeccompMode: UInt8, Sendable, Equatable {
    case kill = 0, errno = 1, log = 2
}

/// One typed message. The descriptors travel beside it (see Link).
public enum Message: Equatable, Sendable {
    case daemonConfigured(DaemonSetup)
    case daemonReady(pid: UInt32)
    case callRequested(method: String, arguments: String, admin: Bool)
    case callReplied(json: String)
    case descriptorsDeposited(key: String, record: [UInt8], count: UInt8)
    case descriptorsWithdrawn(key: String)
    case descriptorsQueried
    case descriptorsReturned(key: String, record: [UInt8], count: UInt8)
    case acknowledged
    case errorReplied(code: ErrorCode, reason: String)
    case callAborted(code: ErrorCode)
    case eventPublished(json: String)
    case controlOpened(version: UInt8)
    case componentsListed
    case componentRestartRequested(name: String)
    case daemonCallRequested(target: String, method: String, arguments: String)
    case eventsWatched
    /// A daemon whose pppinit died, to the next one: who it is (the pid and
    /// the start time of its process, /proc/PID/stat field 22, so a reused
    /// pid cannot pass for it) and `count` descriptors: the new init link's
    /// end first, then what it inherited at start after fd 3.
    case daemonAttached(component: String, pid: UInt32, startTime: UInt64, count: UInt8)
    case channelHandedOver(record: [UInt8])
    case channelPairHandedOver(record: [UInt8])
    /// One linkd's mux (MuxFrame.swift): a MuxHandoff record, the mux's end, R.
    case muxHandedOver(record: [UInt8])
    case conversationOpened(version: UInt8)
    case authStarted(AuthStart)
    /// `protocol`: 0xc023 PAP, 0xc223 CHAP, 0xc227 EAP; `packet`: the
    /// information field (code, identifier, length, data).
    case authFrameReceived(session: String, protocol: UInt16, packet: [UInt8])
    case authFrameSent(session: String, protocol: UInt16, packet: [UInt8])
    case authFinished(AuthVerdict)
    case authStopped(session: String, reason: String, counters: SessionCounters)
    /// `started`: IPCP opened, or the wait for it ended (accounting Start);
    /// else interim. `framedAddress`: the peer's IPv4 address as IPCP agreed
    /// it (0: none yet), so a pool address reaches RADIUS (RFC 2865 §5.8).
    case accountingUpdated(session: String, started: Bool, counters: SessionCounters, framedAddress: UInt32)
    /// A session authenticated before linkd or authd restarted: authd takes
    /// its accounting back under the verdict's Acct-Session-Id (no Start).
    case accountingResumed(AuthStart, AuthVerdict)
    case authChanged(AuthChange)
    /// A LAC's tunnel or call for RFC 2867 accounting (TunnelAccounting).
    case tunnelAccounted(TunnelAccounting)
    case hookRequested(HookRequest)
    /// ncpd cannot open /dev/net/tun after its drop where the node is 0600;
    /// pppinit opens that one fixed path `count` times (1 to
    /// TunStock.batch) and passes the descriptors back in one reply
    /// (issue 13: one round trip per batch, not per unit). A count of 1 is
    /// written as no payload, as before the count existed.
    case tunRequested(count: UInt8)

    public var type: MessageType {
        switch self {
        case .daemonConfigured: .daemonConfigured
        case .daemonReady: .daemonReady
        case .callRequested: .callRequested
        case .callReplied: .callReplied
        case .descriptorsDeposited: .descriptorsDeposited
        case .descriptorsWithdrawn: .descriptorsWithdrawn
        case .descriptorsQueried: .descriptorsQueried
        case .descriptorsReturned: .descriptorsReturned
        case .acknowledged: .acknowledged
        case .errorReplied: .errorReplied
        case .callAborted: .callAborted
        case .eventPublished: .eventPublished
        case .controlOpened: .controlOpened
        case .componentsListed: .componentsListed
        case .componentRestartRequested: .componentRestartRequested
        case .daemonCallRequested: .daemonCallRequested
        case .eventsWatched: .eventsWatched
        case .daemonAttached: .daemonAttached
        case .channelHandedOver: .channelHandedOver
        case .channelPairHandedOver: .channelPairHandedOver
        case .muxHandedOver: .muxHandedOver
        case .conversationOpened: .conversationOpened
        case .authStarted: .authStarted
        case .authFrameReceived: .authFrameReceived
        case .authFrameSent: .authFrameSent
        case .authFinished: .authFinished
        case .authStopped: .authStopped
        case .accountingUpdated: .accountingUpdated
        case .accountingResumed: .accountingResumed
        case .authChanged: .authChanged
        case .tunnelAccounted: .tunnelAccounted
        case .hookRequested: .hookRequested
        case .tunRequested: .tunRequested
        }
    }

    /// The number of descriptors this message must travel with.
    public var descriptorCount: Int {
        switch self {
        case let .descriptorsDeposited(_, _, n), let .descriptorsReturned(_, _, n),
             let .daemonAttached(_, _, _, n): Int(n)
        default:
            if case let .exactly(n) = Catalogue.spec(type).descriptors { n } else { 0 }
        }
    }

    public func encodePayload(into w: inout ByteWriter) {
        switch self {
        case let .daemonConfigured(s):
            w.string(s.name); w.string(s.instance); w.u32(s.uid); w.u32(s.gid)
            w.u8(UInt8(s.capabilities.count)); w.raw(s.capabilities)
            w.u8(s.seccomp.rawValue); w.blob(s.settings)
            w.string(s.runtimeDir)
            w.u8(UInt8(s.peerUIDs.count))
            for (uid, peer) in s.peerUIDs.sorted(by: { $0.key < $1.key }) { w.u32(uid); w.u8(peer.rawValue) }
            w.u8(UInt8(s.logLevel.rawValue))
            w.u8(UInt8(s.syscalls.count))
            for rule in s.syscalls {
                w.string(rule.name)
                w.u8(UInt8(rule.conditions.count))
                for c in rule.conditions { w.u8(c.argument); w.u64(c.mask); w.u64(c.value) }
            }
        case let .daemonReady(pid): w.u32(pid)
        case let .callRequested(method, arguments, admin): w.string(method); w.text(arguments); w.bool(admin)
        case let .callReplied(json), let .eventPublished(json): w.text(json)
        case let .descriptorsDeposited(key, record, count), let .descriptorsReturned(key, record, count):
            w.string(key); w.blob(record); w.u8(count)
        case let .descriptorsWithdrawn(key): w.string(key)
        case .descriptorsQueried, .acknowledged, .componentsListed, .eventsWatched: break
        case let .tunRequested(count): if count != 1 { w.u8(count) }
        case let .errorReplied(code, reason): w.u16(code.rawValue); w.string(reason)
        case let .callAborted(code): w.u16(code.rawValue)
        case let .controlOpened(version): w.u8(version)
        case let .componentRestartRequested(name): w.string(name)
        case let .daemonAttached(component, pid, startTime, count):
            w.string(component); w.u32(pid); w.u64(startTime); w.u8(count)
        case let .daemonCallRequested(target, method, arguments): w.string(target); w.string(method); w.text(arguments)
        case let .channelHandedOver(record), let .channelPairHandedOver(record), let .muxHandedOver(record): w.blob(record)
        case let .conversationOpened(version): w.u8(version)
        case let .authStarted(start): start.encode(into: &w)
        case let .authFrameReceived(session, proto, packet), let .authFrameSent(session, proto, packet):
            w.string(session); w.u16(proto); w.blob(packet)
        case let .authFinished(verdict): verdict.encode(into: &w)
        case let .authStopped(session, reason, counters): w.string(session); w.string(reason); counters.encode(into: &w)
        case let .accountingUpdated(session, started, counters, address):
            w.string(session); w.bool(started); counters.encode(into: &w); w.u32(address)
        case let .accountingResumed(start, verdict): start.encode(into: &w); verdict.encode(into: &w)
        case let .authChanged(change): change.encode(into: &w)
        case let .tunnelAccounted(t): t.encode(into: &w)
        case let .hookRequested(request): request.encode(into: &w)
        }
    }

    /// Decodes the payload of a known type; leftover bytes are an error.
    public static func decode(type: MessageType, payload: ArraySlice<UInt8>) throws(IPCError) -> Message {
        var r = ByteReader(payload)
        let m: Message
        switch type {
        case .daemonConfigured:
            let name = try r.string(), instance = try r.string()
            let uid = try r.u32(), gid = try r.u32()
            let caps = try r.raw(Int(try r.u8()))
            guard let mode = SeccompMode(rawValue: try r.u8()) else {
                throw .invalid(callID: 0, reason: "unknown seccomp mode")
            }
            let settings = try r.blob()
            let runtimeDir = try r.string()
            var uids: [UInt32: Peer] = [:]
            for _ in 0..<Int(try r.u8()) {
                let uid = try r.u32()
                guard let peer = Peer(rawValue: try r.u8()), uids[uid] == nil else {
                    throw .invalid(callID: 0, reason: "bad uid table")
                }
                uids[uid] = peer
            }
            guard let level = Log.Level(rawValue: Int(try r.u8())) else { throw .invalid(callID: 0, reason: "unknown log level") }
            var syscalls: [SyscallRule] = []
            for _ in 0..<Int(try r.u8()) {
                let name = try r.string()
                let count = try r.u8()
                guard count <= SyscallRule.maxArguments else { throw .invalid(callID: 0, reason: "too many syscall conditions") }
                var conditions: [SyscallRule.Condition] = []
                for _ in 0..<count {
                    let argument = try r.u8()
                    guard argument < SyscallRule.maxArguments else { throw .invalid(callID: 0, reason: "bad syscall argument") }
                    let mask = try r.u64()
                    conditions.append(SyscallRule.Condition(argument: argument, mask: mask, value: try r.u64()))
                }
                syscalls.append(SyscallRule(name, conditions))
            }
            m = .daemonConfigured(DaemonSetup(name: name, instance: instance, uid: uid, gid: gid,
                                              capabilities: caps, seccomp: mode, settings: settings,
                                              runtimeDir: runtimeDir, peerUIDs: uids, logLevel: level,
                                              syscalls: syscalls))
        case .daemonReady: m = .daemonReady(pid: try r.u32())
        case .callRequested:
            let method = try r.string(), args = try r.text()
            m = .callRequested(method: method, arguments: args, admin: try r.bool())
        case .callReplied: m = .callReplied(json: try r.text())
        case .eventPublished: m = .eventPublished(json: try r.text())
        case .descriptorsDeposited, .descriptorsReturned:
            let key = try r.string(), record = try r.blob()
            let count = try r.u8()
            guard case let .counted(max) = Catalogue.spec(type).descriptors, Int(count) <= max else {
                throw .invalid(callID: 0, reason: "declares \(count) descriptors, more than allowed")
            }
            m = type == .descriptorsDeposited
                ? .descriptorsDeposited(key: key, record: record, count: count)
                : .descriptorsReturned(key: key, record: record, count: count)
        case .descriptorsWithdrawn: m = .descriptorsWithdrawn(key: try r.string())
        case .descriptorsQueried: m = .descriptorsQueried
        case .acknowledged: m = .acknowledged
        case .errorReplied:
            let code = ErrorCode(rawValue: try r.u16())
            m = .errorReplied(code: code, reason: try r.string())
        case .callAborted: m = .callAborted(code: ErrorCode(rawValue: try r.u16()))
        case .controlOpened: m = .controlOpened(version: try r.u8())
        case .componentsListed: m = .componentsListed
        case .componentRestartRequested: m = .componentRestartRequested(name: try r.string())
        case .daemonCallRequested:
            let target = try r.string(), method = try r.string()
            m = .daemonCallRequested(target: target, method: method, arguments: try r.text())
        case .eventsWatched: m = .eventsWatched
        case .daemonAttached:
            let component = try r.string(), pid = try r.u32(), startTime = try r.u64()
            let count = try r.u8()
            guard case let .counted(max) = Catalogue.spec(type).descriptors, count >= 1, Int(count) <= max else {
                throw .invalid(callID: 0, reason: "declares \(count) descriptors; 1 to 4 allowed")
            }
            m = .daemonAttached(component: component, pid: pid, startTime: startTime, count: count)
        case .channelHandedOver: m = .channelHandedOver(record: try r.blob())
        case .channelPairHandedOver: m = .channelPairHandedOver(record: try r.blob())
        case .muxHandedOver: m = .muxHandedOver(record: try r.blob())
        case .conversationOpened: m = .conversationOpened(version: try r.u8())
        case .authStarted: m = .authStarted(try AuthStart.decode(&r))
        case .authFrameReceived, .authFrameSent:
            let session = try r.string(), proto = try r.u16(), packet = try r.blob(max: 65_535)
            m = type == .authFrameReceived
                ? .authFrameReceived(session: session, protocol: proto, packet: packet)
                : .authFrameSent(session: session, protocol: proto, packet: packet)
        case .authFinished: m = .authFinished(try AuthVerdict.decode(&r))
        case .authStopped:
            let session = try r.string(), reason = try r.string()
            m = .authStopped(session: session, reason: reason, counters: try SessionCounters.decode(&r))
        case .accountingUpdated:
            let session = try r.string(), started = try r.bool()
            let counters = try SessionCounters.decode(&r)
            m = .accountingUpdated(session: session, started: started, counters: counters, framedAddress: try r.u32())
        case .accountingResumed: m = .accountingResumed(try AuthStart.decode(&r), try AuthVerdict.decode(&r))
        case .authChanged: m = .authChanged(try AuthChange.decode(&r))
        case .tunnelAccounted: m = .tunnelAccounted(try TunnelAccounting.decode(&r))
        case .hookRequested: m = .hookRequested(try HookRequest.decode(&r))
        case .tunRequested:
            let count = r.remaining == 0 ? 1 : try r.u8()
            guard count >= 1, Int(count) <= TunStock.batch else {
                throw .invalid(callID: 0, reason: "tun-requested for \(count) descriptors (1 to \(TunStock.batch))")
            }
            m = .tunRequested(count: count)
        }
        try r.finish()
        return m
    }
}

/// Codes carried by errorReplied and callAborted. Open-ended: unknown codes
/// from a newer peer are kept as numbers.
public struct ErrorCode: RawRepresentable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let invalidMessage = ErrorCode(rawValue: 1)
    public static let notPermitted = ErrorCode(rawValue: 2)
    public static let unknownMethod = ErrorCode(rawValue: 3)
    public static let badArguments = ErrorCode(rawValue: 4)
    public static let notFound = ErrorCode(rawValue: 5)
    public static let unavailable = ErrorCode(rawValue: 6)
    public static let busy = ErrorCode(rawValue: 7)
    public static let timeout = ErrorCode(rawValue: 8)
    public static let cancelled = ErrorCode(rawValue: 9)
    public static let failed = ErrorCode(rawValue: 10)
    public var description: String {
        switch rawValue {
        case 1: "invalid-message"
        case 2: "not-permitted"
        case 3: "unknown-method"
        case 4: "bad-arguments"
        case 5: "not-found"
        case 6: "unavailable"
        case 7: "busy"
        case 8: "timeout"
        case 9: "cancelled"
        case 10: "failed"
        default: "error-\(rawValue)"
        }
    }
}

/// Full message codec: header + payload, with the catalogue's checks in the
/// order a receiver needs them (header, type, sender, payload, descriptors).
public enum Codec {
    public static func encode(_ m: Message, flags: CallFlags, callID: UInt32) throws(IPCError) -> [UInt8] {
        var payload = ByteWriter()
        m.encodePayload(into: &payload)
        let total = Wire.headerSize + payload.bytes.count
        guard total <= Wire.maxMessageSize else { throw .tooLarge(total) }
        var w = ByteWriter(capacity: total)
        Header(type: m.type.rawValue, flags: flags, callID: callID, length: UInt32(payload.bytes.count)).encode(into: &w)
        w.raw(payload.bytes)
        return w.bytes
    }

    /// Validates one received datagram from `sender` that came with
    /// `descriptorCount` descriptors.
    public static func decode(_ bytes: ArraySlice<UInt8>, from sender: Peer,
                              descriptorCount: Int) throws(IPCError) -> (Header, Message) {
        let h = try Header.decode(bytes)
        guard let type = MessageType(rawValue: h.type) else {
            throw .invalid(callID: h.callID, reason: "unknown message type \(h.type)")
        }
        guard Catalogue.spec(type).senders.contains(sender) else {
            throw .notPermitted(callID: h.callID, type: h.type, sender: sender)
        }
        let m: Message
        do {
            m = try Message.decode(type: type, payload: bytes.dropFirst(Wire.headerSize))
        } catch {
            if case let .invalid(_, reason) = error { throw .invalid(callID: h.callID, reason: "\(type): \(reason)") }
            throw error
        }
        guard m.descriptorCount == descriptorCount else {
            throw .invalid(callID: h.callID,
                           reason: "\(type) carries \(m.descriptorCount) descriptors, \(descriptorCount) arrived")
        }
        return (h, m)
    }
}
