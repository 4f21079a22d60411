// Header and payload codec: round trips for every message type, and the
// rejection table (short, trailing, truncated, unknown type, wrong version,
// unpermitted sender, wrong descriptor count) without sockets.
import Testing
@testable import IPC

let sampleMessages: [Message] = [
    .daemonConfigured(DaemonSetup(name: "linkd", instance: "udp0", uid: 61001, gid: 61001,
                                  capabilities: [13], seccomp: .kill, settings: [1, 2, 3], runtimeDir: "/run/x",
                                  peerUIDs: [61001: .linkd, 61002: .authd], logLevel: .debug,
                                  syscalls: [SyscallRule("accept4"), .when("socket", argument: 0, is: 10), SyscallRule("ioctl", [.init(argument: 1, mask: 0xff, value: 0xca), .init(argument: 2, value: 7)])])),
    .daemonReady(pid: 4242),
    .callRequested(method: "status", arguments: "{}", admin: true),
    .callReplied(json: "{\"a\":1}"),
    .descriptorsDeposited(key: "s1", record: [9, 8, 7], count: 2),
    .descriptorsWithdrawn(key: "s1"),
    .descriptorsQueried,
    .descriptorsReturned(key: "s1", record: [], count: 0),
    .acknowledged,
    .errorReplied(code: .notFound, reason: "no"),
    .callAborted(code: .timeout),
    .eventPublished(json: "{}"),
    .controlOpened(version: 1),
    .componentsListed,
    .componentRestartRequested(name: "authd"),
    .daemonCallRequested(target: "authd", method: "status", arguments: ""),
    .eventsWatched,
    .daemonAttached(component: "linkd@udp0", pid: 4242, startTime: 123_456_789, count: 2),
    .channelHandedOver(record: [1]),
    .channelPairHandedOver(record: [2]),
    .muxHandedOver(record: [1]),
    .conversationOpened(version: 1),
    .authStarted({ var s = AuthStart(session: "tty0:1", port: "tty0", authenticatePeer: .chapMD5, authenticateSelf: nil)
                   s.localName = "bras"; s.callingStation = "02:00:00:00:00:01"; return s }()),
    .authFrameReceived(session: "tty0:1", protocol: 0xc223, packet: [2, 1, 0, 4]),
    .authFrameSent(session: "tty0:1", protocol: 0xc023, packet: [2, 1, 0, 5, 0]),
    .authFinished({ var v = AuthVerdict(session: "tty0:1", success: true)
                    v.peerName = "alice"; v.method = .msChapV2; v.framedAddress = 0x0a000002
                    v.radiusClass = [1, 2]; return v }()),
    .authStopped(session: "tty0:1", reason: "peer terminated", counters: { var c = SessionCounters()
                                                                          c.inputOctets = 1 << 40; return c }()),
    .accountingUpdated(session: "tty0:1", started: true, counters: SessionCounters(), framedAddress: 0x0A00_0002),
    .accountingResumed(AuthStart(session: "tty0:1", port: "tty0", authenticatePeer: .pap, authenticateSelf: nil),
                       { var v = AuthVerdict(session: "tty0:1", success: true)
                         v.peerName = "alice"; v.accountingSessionID = "tty0:1-0a0b0c0d"; return v }()),
    .authChanged({ var c = AuthChange(session: "tty0:1", disconnect: false)
                   c.sessionTimeout = 5; c.interimInterval = 0; return c }()),
    .tunnelAccounted({
        var c = SessionCounters(); c.inputPackets = 7; c.outputOctets = 1 << 33
        return TunnelAccounting(status: .linkStop, accountingID: "up:3-0a0b0c0d", user: "alice", session: "up:3",
                                clientEndpoint: "10.0.0.2", serverEndpoint: "10.0.0.1", connection: "4/9 12/40",
                                assignmentID: "grp-a", clientAuthID: "lac", serverAuthID: "lns",
                                terminateCause: 1, packetsLost: 3, counters: c)
    }()),
    .hookRequested({
        var h = HookRequest(event: .ipUp, session: "tty0:1", port: "tty0", interface: "ppp0")
        h.local = 0x0a00_0001; h.remote = 0x0a00_0002; h.dns = [0x0808_0808]; h.usePeerDNS = true
        return h
    }()),
    .tunRequested(count: 1),
    .tunRequested(count: 8),
]

func firstSender(_ m: Message) -> Peer { Catalogue.spec(m.type).senders.sorted { $0.rawValue < $1.rawValue }.first! }

@Test func everyMessageTypeHasASample() {
    #expect(Set(sampleMessages.map(\.type)) == Set(MessageType.allCases))
}

@Test(arguments: sampleMessages)
func roundTrip(_ m: Message) throws {
    let bytes = try Codec.encode(m, flags: .end, callID: 77)
    let (h, back) = try Codec.decode(bytes[...], from: firstSender(m), descriptorCount: m.descriptorCount)
    #expect(back == m)
    #expect(h.callID == 77)
    #expect(h.flags == .end)
    #expect(Int(h.length) == bytes.count - Wire.headerSize)
}

@Test func headerLayoutIsBigEndianAndFixed() throws {
    let bytes = try Codec.encode(.daemonReady(pid: 0x01020304), flags: [.more], callID: 0xA0B0C0D0)
    #expect(bytes == [0x50, 0x52, 1, 1, 0, 2, 0, 0, 0xA0, 0xB0, 0xC0, 0xD0, 0, 0, 0, 4, 1, 2, 3, 4])
}

enum Mutation: String, CaseIterable {
    case empty, oneByte, headerMinusOne, headerOnlyWithPayloadLength, trailingByte, truncatedPayload,
         badMagic, wrongVersion, reservedSet, unknownFlags, unknownType, lengthTooLong, lengthTooShort
}

@Test(arguments: Mutation.allCases)
func rejection(_ mutation: Mutation) throws {
    let good = try Codec.encode(.componentRestartRequested(name: "authd"), flags: [], callID: 5)
    var b = good
    switch mutation {
    case .empty: b = []
    case .oneByte: b = [0x50]
    case .headerMinusOne: b = Array(good.prefix(Wire.headerSize - 1))
    case .headerOnlyWithPayloadLength: b = Array(good.prefix(Wire.headerSize))
    case .trailingByte: b.append(0); b[15] &+= 1  // length matches, payload has an extra byte
    case .truncatedPayload: b.removeLast(); b[15] &-= 1  // length matches, string is cut
    case .badMagic: b[0] = 0
    case .wrongVersion: b[2] = 2
    case .reservedSet: b[7] = 1
    case .unknownFlags: b[3] = 0x80
    case .unknownType: b[5] = 99
    case .lengthTooLong: b[15] &+= 1
    case .lengthTooShort: b[15] &-= 1
    }
    #expect(throws: IPCError.self) { try Codec.decode(b[...], from: .pppctl, descriptorCount: 0) }
}

@Test func wrongVersionStillNamesTheCall() throws {
    var b = try Codec.encode(.componentsListed, flags: [], callID: 31)
    b[2] = 9
    do {
        _ = try Codec.decode(b[...], from: .pppctl, descriptorCount: 0)
        Issue.record("accepted a version 9 message")
    } catch {
        #expect(error.callID == 31)
    }
}

@Test func unpermittedSenderIsRefused() throws {
    // Only pppinit configures daemons; a daemon cannot configure its peer.
    let b = try Codec.encode(.daemonConfigured(DaemonSetup(name: "x", instance: "", uid: 1, gid: 1,
                                                           capabilities: [], seccomp: .kill)), flags: [], callID: 3)
    #expect(throws: IPCError.notPermitted(callID: 3, type: 1, sender: .linkd)) {
        try Codec.decode(b[...], from: .linkd, descriptorCount: 0)
    }
}

@Test(arguments: [0, 1, 3])
func wrongDescriptorCountIsRefused(_ arrived: Int) throws {
    let b = try Codec.encode(.channelHandedOver(record: []), flags: [], callID: 1)
    #expect(throws: IPCError.self) { try Codec.decode(b[...], from: .linkd, descriptorCount: arrived) }
}

@Test func countedDescriptorsMustMatchTheDeclaredCount() throws {
    let b = try Codec.encode(.descriptorsDeposited(key: "k", record: [], count: 2), flags: [], callID: 1)
    _ = try Codec.decode(b[...], from: .ncpd, descriptorCount: 2)
    #expect(throws: IPCError.self) { try Codec.decode(b[...], from: .ncpd, descriptorCount: 1) }
    let tooMany = try Codec.encode(.descriptorsDeposited(key: "k", record: [], count: 9), flags: [], callID: 1)
    #expect(throws: IPCError.self) { try Codec.decode(tooMany[...], from: .ncpd, descriptorCount: 9) }
}

@Test func oversizedMessagesAreNotEncoded() {
    let big = String(repeating: "x", count: Wire.maxMessageSize)
    #expect(throws: IPCError.self) { try Codec.encode(.callReplied(json: big), flags: .end, callID: 1) }
}

@Test func invalidUTF8IsRefused() throws {
    var b = try Codec.encode(.componentRestartRequested(name: "ab"), flags: [], callID: 1)
    b[b.count - 1] = 0xff
    #expect(throws: IPCError.self) { try Codec.decode(b[...], from: .pppctl, descriptorCount: 0) }
}

/// A DaemonSetup's syscall rules: a condition on a seventh argument, more
/// conditions than a syscall has arguments, or a rule cut in its condition
/// are refused, never loaded as a different filter.
@Test(arguments: ["argument 6", "7 conditions", "cut condition"])
func badSyscallRuleIsRefused(_ what: String) throws {
    func setup(_ rule: SyscallRule) -> Message {
        .daemonConfigured(DaemonSetup(name: "ncpd", instance: "", uid: 1, gid: 1, capabilities: [], seccomp: .kill,
                                      syscalls: [rule]))
    }
    var bytes: [UInt8]
    switch what {
    case "argument 6": bytes = try Codec.encode(setup(.when("ioctl", argument: 6, is: 1)), flags: .end, callID: 1)
    case "7 conditions":
        let seven = (0..<7).map { SyscallRule.Condition(argument: UInt8($0 % 6), value: 1) }
        bytes = try Codec.encode(setup(SyscallRule("ioctl", seven)), flags: .end, callID: 1)
    default:
        bytes = try Codec.encode(setup(.when("ioctl", argument: 1, is: 1)), flags: .end, callID: 1)
        bytes.removeLast(4); bytes[15] &-= 4
    }
    let good = try Codec.encode(setup(.when("ioctl", argument: 5, is: 1)), flags: .end, callID: 1)
    #expect(throws: Never.self) { try Codec.decode(good[...], from: .pppinit, descriptorCount: 0) }
    #expect(throws: IPCError.self) { try Codec.decode(bytes[...], from: .pppinit, descriptorCount: 0) }
}

/// Issue 13: tun-requested asks for 1 to TunStock.batch descriptors; 1 is
/// no payload (what an ncpd before the count sends), the rest one octet.
@Test func tunRequestedCountBoundaries() throws {
    #expect(try Message.decode(type: .tunRequested, payload: []) == .tunRequested(count: 1))
    #expect(try Message.decode(type: .tunRequested, payload: [1]) == .tunRequested(count: 1))
    #expect(try Message.decode(type: .tunRequested, payload: [UInt8(TunStock.batch)]) == .tunRequested(count: UInt8(TunStock.batch)))
    for bad: [UInt8] in [[0], [UInt8(TunStock.batch + 1)], [255], [2, 0]] {
        #expect(throws: IPCError.self, "\(bad)") { try Message.decode(type: .tunRequested, payload: bad[...]) }
    }
    var w = ByteWriter()
    Message.tunRequested(count: 1).encodePayload(into: &w)
    #expect(w.bytes.isEmpty)
    Message.tunRequested(count: 3).encodePayload(into: &w)
    #expect(w.bytes == [3])
}
