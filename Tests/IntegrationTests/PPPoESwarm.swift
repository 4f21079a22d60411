// A swarm of simulated PPPoE Hosts in the test process: one state machine per
// Host, all driven by one bounded loop over two AF_PACKET sockets (0x8863 and
// 0x8864) on our end of a veth pair. Each Host has its own locally
// administered MAC (02:5a:00:00:hi:lo) and does what a real client does:
// PADI with a Host-Uniq → PADO → PADR echoing the AC-Cookie → PADS (RFC 2516
// §5), then PPP on the session: LCP (RFC 1661 §5: our Configure-Request with
// a Magic-Number, a Configure-Ack for whatever the AC asks, Echo-Replies),
// PAP (RFC 1334 §2), IPCP (RFC 1332: ask for 0.0.0.0, take the Nak's address).
// Frames are built and parsed with the PPPoE and PPP libraries' codecs; what
// gets no answer is sent again. Frames go out in sendmmsg batches. The veth
// end needs no promiscuous mode: an AF_PACKET socket gets the frames to
// other MACs too (PACKET_OTHERHOST), and veth filters nothing.
import Foundation
import IPC
import PPP
import PPPoE

struct SwarmHost {
    enum Stage: Int { case idle, discovering, requesting, linking, authenticating, networking, up, ended }
    var stage = Stage.idle
    var sessionID: UInt16 = 0
    var cookie: [UInt8] = []
    /// When the current stage's frame last went out, and how often.
    var sentAt = 0.0
    var attempts = 0
    var identifier: UInt8 = 0
    /// PAP: the Identifier of this attempt's first Authenticate-Request.
    /// Each repeat takes a new one (RFC 1334 §2.2.1); the answer to any of
    /// them is the answer (an authenticator still checking answers an
    /// earlier one).
    var papFirst: UInt8 = 0
    /// LCP: our request acknowledged by the AC, and the AC's by us.
    var lcpAcked = false, lcpAcking = false
    var magic: UInt32 = 0
    /// IPCP: the same, and the address the AC gave us.
    var ipcpAcked = false, ipcpAcking = false
    var address: UInt32 = 0
    var upAt = 0.0
    /// The last IPCP packets seen and sent, for a Host that never got up.
    var trace: [String] = []
}

final class PPPoESwarm {
    struct Figures {
        var padiSent = 0, padrSent = 0, lcpRequestsSent = 0, papSent = 0, ipcpRequestsSent = 0
        var echoRepliesSent = 0, padtSent = 0
        var framesIn = 0, unparsed = 0, unexpected = 0, padtReceived = 0, terminateReceived = 0
        var papRefused = 0, lcpNaks = 0, lcpRejects = 0
        var retransmits = 0, sendDropped = 0
        /// Issue 13: frames for a Host on another VLAN than its own.
        var wrongVLAN = 0
    }

    static let macBase: UInt64 = 0x025a_0000_0000
    let user: String, password: String
    var hosts: [SwarmHost]
    var figures = Figures()
    /// The AC's MAC, learnt from the first PADO.
    var ac: EthernetAddress?
    /// Plays a relay agent too: a Relay-Session-Id in every PADI and PADR
    /// (RFC 2516 Appendix A), which the AC must echo in its PADO, PADS and PADT.
    var relaySessionID: [UInt8]?
    /// The Relay-Session-Id of each PADT received (nil: none in it).
    var padtRelayIDs: [[UInt8]?] = []
    private let discoveryFD: Int32, sessionFD: Int32
    private var discoveryOut = PacketBatch(slotSize: 256, capacity: 64)
    private var sessionOut = PacketBatch(slotSize: 256, capacity: 64)
    private var inbound = PacketBatch(slotSize: 1536, capacity: 64)
    /// Issue 13: each Host's VLAN tags (the swarm tags its frames itself:
    /// this kernel has no 802.1Q devices), and the ETH_P_ALL socket the
    /// tagged answers are read from (their tag in PACKET_AUXDATA); nil:
    /// untagged, read from the two ETHER_TYPE sockets.
    var vlan: (Int) -> VLANTags = { _ in .untagged }
    var taggedFD: Int32?
    private var taggedIn = PacketBatch(slotSize: 1600, capacity: 64, controlSize: 64)
    private let clock = ContinuousClock.now
    var now: Double {
        let d = clock.duration(to: .now).components
        return Double(d.seconds) + Double(d.attoseconds) * 1e-18
    }

    init(count: Int, discoveryFD: Int32, sessionFD: Int32, user: String, password: String) {
        hosts = [SwarmHost](repeating: SwarmHost(), count: count)
        for i in hosts.indices { hosts[i].magic = UInt32(0x5a00_0000) | UInt32(i + 1) }
        self.discoveryFD = discoveryFD
        self.sessionFD = sessionFD
        self.user = user
        self.password = password
    }

    /// Descriptors the swarm owns (`onCPE`), closed with it.
    private var owned: [Int32] = []
    deinit { for fd in owned { _ = close(fd) } }

    /// `count` Hosts as the swarm user on `net`'s cpe0 (its right side), on
    /// a discovery and a session socket of their own, closed with the
    /// swarm: the start-up the swarm suites share.
    static func onCPE(_ net: VethPair, count: Int) throws -> PPPoESwarm {
        let discovery = try insideNamespace(net.right.name) { try PacketSocket.open(interface: "cpe0", etherType: PacketSocket.discovery) }
        let session = try insideNamespace(net.right.name) { try PacketSocket.open(interface: "cpe0", etherType: PacketSocket.session) }
        let d = discovery.takeDescriptor().release(), s = session.takeDescriptor().release()
        let swarm = PPPoESwarm(count: count, discoveryFD: d, sessionFD: s, user: "swarm", password: "many-hosts")
        swarm.owned = [d, s]
        return swarm
    }

    func mac(_ i: Int) -> EthernetAddress { EthernetAddress(rawValue: Self.macBase + UInt64(i) + 1) }
    func index(_ a: EthernetAddress) -> Int? {
        let i = Int(a.rawValue) - Int(Self.macBase) - 1
        return i >= 0 && i < hosts.count ? i : nil
    }
    func hostUniq(_ i: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(i).bigEndian) { Array($0) } + [0x5a] }

    func count(_ stage: SwarmHost.Stage) -> Int { hosts.reduce(0) { $0 + ($1.stage == stage ? 1 : 0) } }

    // MARK: The loop

    /// Runs until `done` holds or `seconds` pass: admits new Hosts at
    /// `rate` per second with at most `window` in discovery at once,
    /// reads, answers, retransmits after `retransmit` seconds.
    /// `admitting`: at most that many Hosts (counting from the first)
    /// are ever started in this run.
    func run(seconds: Double, rate: Double, window: Int, retransmit: Double = 2, admitting: Int? = nil,
             until done: (PPPoESwarm) -> Bool) throws {
        let t0 = now
        var admitted = hosts.firstIndex { $0.stage == .idle } ?? hosts.count
        var inDiscovery = 0
        var lastScan = t0
        while now - t0 < seconds && !done(self) {
            let t = now
            // Admission, paced: the AC's PADI limits are set above this rate.
            let due = min(admitting ?? hosts.count, hosts.count, Int((t - t0) * rate) + 1)
            while admitted < due && inDiscovery < window {
                start(admitted)
                admitted += 1
            }
            if let taggedFD {
                try drainTagged(taggedFD)
            } else {
                try drain(discoveryFD)
                try drain(sessionFD)
            }
            if t - lastScan >= 0.1 {
                lastScan = t
                inDiscovery = 0
                for i in 0..<admitted {
                    let h = hosts[i]
                    if h.stage == .discovering || h.stage == .requesting { inDiscovery += 1 }
                    if h.stage != .idle && h.stage != .up && h.stage != .ended && t - h.sentAt >= retransmit {
                        figures.retransmits += 1
                        resend(i)
                    }
                }
            }
            flush()
            _ = try Socket.waitReadable(taggedFD ?? sessionFD, milliseconds: 2)
        }
        flush()
    }

    private func drain(_ fd: Int32) throws {
        for _ in 0..<16 {
            let n = try inbound.receive(from: fd)
            for k in 0..<n { handle(inbound.frame(k)) }
            flush()
            if n < inbound.capacity { return }
        }
    }

    /// Tagged and untagged frames alike, each with its tags: the kernel's
    /// (auxdata) and one left in the frame (QinQ), taken out in place.
    private func drainTagged(_ fd: Int32) throws {
        for _ in 0..<16 {
            let n = try taggedIn.receiveWithControl(from: fd)
            for k in 0..<n {
                // (try? would flatten "untagged" and "unreadable" into one nil.)
                let stripped: VLANTags.Stripped?
                do { stripped = try PacketAuxdata.vlan(taggedIn.controlMessages(k)) } catch { figures.unparsed += 1; continue }
                let frame = taggedIn.frame(k)
                guard !frame.isEmpty, let (tags, at) = try? VLANTags.read(frame, stripped: stripped) else { figures.unparsed += 1; continue }
                if at > 12 { _ = taggedIn.remove(at - 12, at: 12, inFrame: k) }
                handle(taggedIn.frame(k), vlan: tags)
            }
            flush()
            if n < taggedIn.capacity { return }
        }
    }

    /// `frame` with Host i's tags after the addresses.
    private func tagged(_ frame: [UInt8], _ i: Int?) -> [UInt8] {
        guard let i, case let tags = vlan(i), tags.isTagged else { return frame }
        var out = Array(frame[..<12]) + [UInt8](repeating: 0, count: tags.length) + frame[12...]
        tags.write(into: &out, at: 12)
        return out
    }

    private func flush() {
        for _ in 0..<4 where discoveryOut.count > 0 { _ = try? discoveryOut.flush(to: discoveryFD) }
        for _ in 0..<4 where sessionOut.count > 0 { _ = try? sessionOut.flush(to: sessionFD) }
        figures.sendDropped += discoveryOut.count + sessionOut.count
        discoveryOut.removeAll()
        sessionOut.removeAll()
    }

    // MARK: Discovery (RFC 2516 §5)

    private func start(_ i: Int) {
        hosts[i].stage = .discovering
        hosts[i].attempts = 0
        sendPADI(i)
    }

    private func sendPADI(_ i: Int) {
        let p = DiscoveryPacket(destination: .broadcast, source: mac(i), code: .padi,
                                tags: [Tag(.serviceName, "internet"), Tag(.hostUniq, hostUniq(i))] + relayTag)
        queueDiscovery(p)
        figures.padiSent += 1
        hosts[i].sentAt = now
    }

    private var relayTag: [Tag] { relaySessionID.map { [Tag(.relaySessionID, $0)] } ?? [] }

    private func sendPADR(_ i: Int) {
        guard let ac else { return }
        let p = DiscoveryPacket(destination: ac, source: mac(i), code: .padr,
                                tags: [Tag(.serviceName, "internet"), Tag(.hostUniq, hostUniq(i)), Tag(.acCookie, hosts[i].cookie)]
                                    + relayTag)
        queueDiscovery(p)
        figures.padrSent += 1
        hosts[i].sentAt = now
    }

    /// §5.5: a PADT ends the session; the swarm sends one per Host that has
    /// a session, `perSecond` at most (a PADT is not answered: one the
    /// AC's full socket dropped is only noticed by the caller, who may
    /// send them all again).
    func sendPADTs(perSecond: Double) {
        guard let ac else { return }
        for i in hosts.indices where hosts[i].sessionID != 0 {
            queueDiscovery(DiscoveryPacket(destination: ac, source: mac(i), code: .padt, sessionID: hosts[i].sessionID))
            figures.padtSent += 1
            hosts[i].stage = .ended
            if discoveryOut.count == discoveryOut.capacity {
                flush()
                usleep(UInt32(Double(discoveryOut.capacity) / perSecond * 1e6))
            }
        }
        flush()
    }

    private func queueDiscovery(_ p: DiscoveryPacket) {
        guard let untagged = try? p.encoded() else { return }
        let frame = tagged(untagged, index(p.source))
        if !discoveryOut.enqueue(frame) {
            flush()
            _ = discoveryOut.enqueue(frame)
        }
    }

    private func handle(_ frame: ArraySlice<UInt8>, vlan tags: VLANTags = .untagged) {
        figures.framesIn += 1
        guard frame.count >= 14 else { figures.unparsed += 1; return }
        let type = UInt16(frame[frame.startIndex + 12]) << 8 | UInt16(frame[frame.startIndex + 13])
        let destination = EthernetAddress(frame, at: frame.startIndex)
        // Our own frames going out, and anything not for one of our Hosts.
        if index(EthernetAddress(frame, at: frame.startIndex + 6)) != nil { return }
        guard let i = index(destination) else { return }
        guard tags == vlan(i) else { figures.wrongVLAN += 1; return }
        if type == PacketSocket.discovery { discovery(i, frame) } else { session(i, frame) }
    }

    private func discovery(_ i: Int, _ frame: ArraySlice<UInt8>) {
        guard let p = try? DiscoveryPacket(parsing: frame) else { figures.unparsed += 1; return }
        switch p.code {
        case .pado where hosts[i].stage == .discovering && p.hostUniq == hostUniq(i):
            if ac == nil { ac = p.source }
            hosts[i].cookie = p.acCookie ?? []
            hosts[i].stage = .requesting
            hosts[i].attempts = 0
            sendPADR(i)
        case .pads where hosts[i].stage == .requesting && p.hostUniq == hostUniq(i):
            guard p.sessionID != 0 else {
                figures.unexpected += 1  // a PADS with an error: start over
                start(i)
                return
            }
            hosts[i].sessionID = p.sessionID
            hosts[i].stage = .linking
            hosts[i].attempts = 0
            sendLCPRequest(i)
        case .padt where p.sessionID == hosts[i].sessionID:
            figures.padtReceived += 1
            padtRelayIDs.append(p.relaySessionID)
            hosts[i].stage = .ended
        default:
            // A repeated PADO/PADS for a stage we have left: harmless.
            break
        }
    }

    // MARK: Sessions (RFC 2516 §6, RFC 1661)

    private func session(_ i: Int, _ frame: ArraySlice<UInt8>) {
        guard let (header, range) = try? SessionFrame.parse(frame), range.count >= 2 else { figures.unparsed += 1; return }
        guard header.sessionID == hosts[i].sessionID, hosts[i].stage != .ended else { figures.unexpected += 1; return }
        let payload = frame[range]
        let proto = ProtocolNumber(UInt16(payload[payload.startIndex]) << 8 | UInt16(payload[payload.startIndex + 1]))
        guard let packet = try? ControlPacket(parsing: payload.dropFirst(2)) else { figures.unparsed += 1; return }
        switch proto {
        case .lcp: lcp(i, packet)
        case .pap: pap(i, packet)
        case .ipcp: ipcp(i, packet)
        default:
            // RFC 1661 §5.7: what we do not run is rejected.
            figures.unexpected += 1
            let data = octets(proto.rawValue) + packet.encoded()
            sendPPP(i, .lcp, ControlPacket(code: .protocolReject, identifier: nextID(i), data: data))
        }
    }

    private func lcp(_ i: Int, _ p: ControlPacket) {
        switch p.code {
        case .configureRequest:
            // Whatever the AC asks (MRU, Magic-Number, Auth-Protocol PAP): yes.
            sendPPP(i, .lcp, ControlPacket(code: .configureAck, identifier: p.identifier, data: p.data))
            hosts[i].lcpAcking = true
            lcpMaybeOpened(i)
        case .configureAck where p.identifier == hosts[i].identifier && hosts[i].stage == .linking:
            hosts[i].lcpAcked = true
            lcpMaybeOpened(i)
        case .configureNak, .configureReject:
            // We ask for a Magic-Number only; a refusal of that is not expected.
            if p.code == .configureNak { figures.lcpNaks += 1 } else { figures.lcpRejects += 1 }
        case .echoRequest:
            let data = octets(hosts[i].magic) + p.data.dropFirst(4)
            sendPPP(i, .lcp, ControlPacket(code: .echoReply, identifier: p.identifier, data: data))
            figures.echoRepliesSent += 1
        case .terminateRequest:
            sendPPP(i, .lcp, ControlPacket(code: .terminateAck, identifier: p.identifier))
            figures.terminateReceived += 1
            hosts[i].stage = .ended
        default:
            figures.unexpected += 1
        }
    }

    private func lcpMaybeOpened(_ i: Int) {
        guard hosts[i].stage == .linking, hosts[i].lcpAcked, hosts[i].lcpAcking else { return }
        hosts[i].stage = .authenticating
        hosts[i].attempts = 0
        hosts[i].papFirst = hosts[i].identifier &+ 1
        sendPAP(i)
    }

    private func pap(_ i: Int, _ p: ControlPacket) {
        // One of this attempt's requests: from papFirst to the last sent.
        let h = hosts[i]
        guard h.stage == .authenticating, p.identifier &- h.papFirst <= h.identifier &- h.papFirst else { return }
        switch p.code.rawValue {
        case 2:  // Authenticate-Ack
            hosts[i].stage = .networking
            hosts[i].attempts = 0
            sendIPCPRequest(i)
        case 3:  // Authenticate-Nak
            figures.papRefused += 1
            hosts[i].stage = .ended
        default:
            figures.unexpected += 1
        }
    }

    private func note(_ i: Int, _ what: String) {
        if hosts[i].trace.count >= 12 { hosts[i].trace.removeFirst() }
        hosts[i].trace.append(String(format: "%.2f ", now) + what)
    }

    private func ipcp(_ i: Int, _ p: ControlPacket) {
        note(i, "in \(p.code) id \(p.identifier) (ours \(hosts[i].identifier)) \(p.data)")
        guard hosts[i].stage == .networking || hosts[i].stage == .up else { figures.unexpected += 1; return }
        let options = (try? ConfigurationOption.parseList(p.data)) ?? []
        switch p.code {
        case .configureRequest:
            sendPPP(i, .ipcp, ControlPacket(code: .configureAck, identifier: p.identifier, data: p.data))
            hosts[i].ipcpAcking = true
            ipcpMaybeOpened(i)
        case .configureNak where p.identifier == hosts[i].identifier:
            // RFC 1332 §3.3: the Nak carries the address we are to use.
            for o in options { if case .ipAddress(let a)? = try? IPCPOption(o) { hosts[i].address = a } }
            sendIPCPRequest(i)
        case .configureAck where p.identifier == hosts[i].identifier && hosts[i].address != 0:
            hosts[i].ipcpAcked = true
            ipcpMaybeOpened(i)
        default:
            figures.unexpected += 1
        }
    }

    private func ipcpMaybeOpened(_ i: Int) {
        guard hosts[i].stage == .networking, hosts[i].ipcpAcked, hosts[i].ipcpAcking else { return }
        hosts[i].stage = .up
        hosts[i].upAt = now
    }

    private func nextID(_ i: Int) -> UInt8 {
        hosts[i].identifier &+= 1
        return hosts[i].identifier
    }

    /// RFC 1661 §5.1: a retransmission MAY keep its Identifier, so a late
    /// answer to it still counts; a new request gets a new one.
    private func sendLCPRequest(_ i: Int, again: Bool = false) {
        let data = ConfigurationOption.encodeList([LCPOption.magicNumber(hosts[i].magic).option])
        sendPPP(i, .lcp, ControlPacket(code: .configureRequest, identifier: again ? hosts[i].identifier : nextID(i), data: data))
        figures.lcpRequestsSent += 1
        hosts[i].sentAt = now
    }

    /// RFC 1334 §2.2.1: Peer-ID-Length, Peer-ID, Passwd-Length, Password.
    private func sendPAP(_ i: Int) {
        let data = [UInt8(user.utf8.count)] + Array(user.utf8) + [UInt8(password.utf8.count)] + Array(password.utf8)
        sendPPP(i, .pap, ControlPacket(code: ControlCode(1), identifier: nextID(i), data: data))
        figures.papSent += 1
        hosts[i].sentAt = now
    }

    private func sendIPCPRequest(_ i: Int, again: Bool = false) {
        let data = ConfigurationOption.encodeList([IPCPOption.ipAddress(hosts[i].address).option])
        sendPPP(i, .ipcp, ControlPacket(code: .configureRequest, identifier: again ? hosts[i].identifier : nextID(i), data: data))
        note(i, "out Configure-Request id \(hosts[i].identifier) \(data)")
        figures.ipcpRequestsSent += 1
        hosts[i].sentAt = now
    }

    private func resend(_ i: Int) {
        hosts[i].attempts += 1
        switch hosts[i].stage {
        case .discovering: sendPADI(i)
        case .requesting:
            // §8: after a few unanswered PADRs, discovery starts over.
            if hosts[i].attempts > 3 { start(i) } else { sendPADR(i) }
        case .linking:
            if hosts[i].lcpAcked { hosts[i].sentAt = now } else { sendLCPRequest(i, again: true) }
        case .authenticating: sendPAP(i)
        case .networking:
            if hosts[i].ipcpAcked { hosts[i].sentAt = now } else { sendIPCPRequest(i, again: true) }
        case .idle, .up, .ended: break
        }
    }

    /// A PPP frame on the session: 20-octet PPPoE header, Protocol, packet.
    private func sendPPP(_ i: Int, _ proto: ProtocolNumber, _ p: ControlPacket) {
        guard let ac else { return }
        var frame = [UInt8](repeating: 0, count: PPPoEHeader.length)
        frame += octets(proto.rawValue)
        p.encode(into: &frame)
        SessionFrame.writeHeader(into: &frame, destination: ac, source: mac(i), sessionID: hosts[i].sessionID,
                                 payloadLength: frame.count - PPPoEHeader.length)
        frame = tagged(frame, i)
        if !sessionOut.enqueue(frame) {
            flush()
            _ = sessionOut.enqueue(frame)
        }
    }
}

/// Network order (the PPP library keeps its BigEndian helper internal).
func octets<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
