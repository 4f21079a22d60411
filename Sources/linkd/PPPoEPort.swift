// What both PPPoE roles share on a pppoe port (RFC 2516): the discovery
// (0x8863) and session (0x8864) AF_PACKET sockets, both read in batches
// (recvmmsg) into buffers kept for the life of the port; session frames
// demultiplexed by (peer MAC, SESSION_ID) to their Circuit; discovery frames
// out through one batch (sendmmsg). A session frame reaches its Session as a
// slice of the batch's buffer, and frames out are written whole by the
// Session's encoder. The roles' transports (access concentrator, client)
// run the discovery machines and decide what a session's end sends (§5.5).
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP
import PPPoE

final class PPPoEPort {
    struct Counters {
        var discoveryFramesIn = 0
        /// Discovery frames a full socket queue could not take.
        var discoverySendDropped = 0
        var sessionFramesIn = 0
        /// Session frames that do not parse (RFC 2516 §4, §6), or were truncated.
        var sessionMalformed = 0
        /// Session frames for a (MAC, SESSION_ID) we have no session for.
        var sessionUnknown = 0
        var padtSent = 0
        /// Client: PADTs from the AC that ended one of our sessions (§5.5).
        var padtReceived = 0
        /// Issue 13: frames on the tagged socket, those on a VLAN this port
        /// does not serve, those whose tags or auxdata do not parse, and
        /// session frames whose tags are not their session's.
        var taggedFramesIn = 0
        var vlanNotServed = 0
        var vlanMalformed = 0
        var vlanMismatch = 0
    }

    unowned let host: PortSessions
    let discoveryFD: Int32
    let sessionFD: Int32
    /// Issue 13: the ETH_P_ALL socket for VLAN-tagged frames (VLAN ports only).
    let taggedFD: Int32?
    let interface: PacketInterface
    let local: EthernetAddress
    /// Session circuits by PPPoEBinding.key; also by SESSION_ID (the AC's
    /// ids are unique on the port).
    private(set) var circuits: [UInt64: Circuit] = [:]
    private var idToKey: [UInt16: UInt64] = [:]
    private var inbound: PacketBatch
    private var outbound = PacketBatch(slotSize: 1536, capacity: 32)
    private var sessionInbound: PacketBatch
    private var taggedInbound: PacketBatch
    var counters = Counters()
    /// AC: the C-VIDs served, a bit each; QinQ's S-tag. Client: the tags dialed with.
    private let servedVIDs: [UInt64]
    let vlanSettings: PPPoEVLANSettings
    /// The tags a client port sends and accepts.
    var dialTags: VLANTags {
        let v = vlanSettings
        guard v.dial != 0 else { return .untagged }
        return VLANTags(outer: v.outer == 0 ? nil : v.outer, outerTPID: v.outerTPID, inner: v.dial)
    }

    /// RFC 2516 §7: the PPP payload of a 1500-octet Ethernet frame.
    static let standardPayload = 1492

    init(host: PortSessions, discoveryFD: Int32, sessionFD: Int32, taggedFD: Int32?, interface: PacketInterface) {
        self.host = host
        self.discoveryFD = discoveryFD
        self.sessionFD = sessionFD
        self.taggedFD = taggedFD
        self.interface = interface
        vlanSettings = host.settings.pppoe.vlan
        servedVIDs = vlanSettings.served.bitmap
        local = EthernetAddress(rawValue: interface.address)
        // A slot holds any frame the interface carries (Ethernet header + MTU).
        let slot = max(1536, interface.mtu + 32)
        inbound = PacketBatch(slotSize: slot, capacity: 32)
        sessionInbound = PacketBatch(slotSize: slot, capacity: 32)
        // One PACKET_AUXDATA message (16 + 20 octets, aligned) per slot, and room.
        taggedInbound = PacketBatch(slotSize: slot + 8, capacity: taggedFD == nil ? 1 : 32, controlSize: 64)
    }

    var settings: PortSettings { host.settings }

    /// The largest PPP payload this interface carries (RFC 4638: MTU - 8).
    var interfacePayload: Int { payload(for: .untagged) }

    /// The same for a session with `tags` (issue 13): its frames carry the
    /// tags within the MTU, so its MRU ceiling is lower (VLANTags).
    func payload(for tags: VLANTags) -> Int { tags.maximumPayload(linkMTU: interface.mtu) }

    /// Watches both sockets; false (logged) when it cannot.
    func watch(discovery: @escaping () -> Void, sessions: @escaping () -> Void) -> Bool {
        do {
            try host.rt.loop.watch(discoveryFD) { _ in discovery() }
            try host.rt.loop.watch(sessionFD) { _ in sessions() }
            if let taggedFD { try host.rt.loop.watch(taggedFD) { [unowned self] _ in self.readTagged() } }
        } catch {
            host.rt.log.warning("port \(settings.name): \(error)")
            return false
        }
        let v = vlanSettings
        let vlans = taggedFD == nil ? "" : settings.pppoe.role == .ac
            ? ", vlan-mon \(v.served)" + (v.outer == 0 ? "" : ", vlan-outer \(v.outer)") : ", vlan \(dialTags.description)"
        host.rt.log.info("port \(settings.name): pppoe \(settings.pppoe.role.name) on \(interface.name) (\(local), mtu \(interface.mtu)\(vlans))")
        return true
    }

    // MARK: Sessions

    /// One PPPoE session: a circuit on the session socket and a Session on
    /// it (numbered `number` when a dial promised that id).
    @discardableResult
    func openSession(_ binding: PPPoEBinding, number: Int? = nil) -> Session {
        let circuit = Circuit(shared: sessionFD, peer: "\(binding.peer)", framing: .pppoe(binding))
        // A session of an earlier PADR under the same key ends first.
        if let old = circuits[binding.key]?.session, old.phase != .dead { old.lowerDown(reason: "replaced by a new PPPoE session") }
        add(circuit, binding)
        let s = host.makeSession(on: circuit, resuming: number)
        host.rt.log.info("session \(s.id): PPPoE session \(binding.sessionID) with \(binding.peer) (max payload \(binding.maximumPayload))")
        return s
    }

    private func add(_ circuit: Circuit, _ binding: PPPoEBinding) {
        circuits[binding.key] = circuit
        idToKey[binding.sessionID] = binding.key
    }

    /// Forgets the session on `circuit`; false when it was forgotten already
    /// (replaced, or the peer's PADT ended it).
    func remove(_ circuit: Circuit) -> Bool {
        guard let binding = circuit.pppoe, circuits[binding.key] === circuit else { return false }
        circuits[binding.key] = nil
        idToKey[binding.sessionID] = nil
        return true
    }

    /// The live session with this SESSION_ID.
    func session(id: UInt16) -> Session? {
        guard let key = idToKey[id], let s = circuits[key]?.session, s.phase != .dead else { return nil }
        return s
    }

    /// After a restart (DESIGN.md "Restart without losing sessions"): each
    /// deposited session resumes Opened on the session socket under its old
    /// (peer MAC, SESSION_ID), once `adopt` taught the role's discovery
    /// machine about it (false: it cannot take it, the session is dropped).
    /// `adopted` sees each circuit before its session resumes. The count.
    @discardableResult
    func resumeSessions(adopt: (PPPoEBinding, LinkSessionState) -> Bool, adopted: (Circuit) -> Void = { _ in }) -> Int {
        var resumed = 0
        for (e, deposited) in host.depositedSessions() {
            let binding = deposited.pppoe.map(PPPoEBinding.init)
            // Its channel end, or none on the mux (issue 13).
            let descriptors = deposited.muxHandle == 0 ? 1 : 0
            guard let binding, binding.local == local, e.descriptors.count == descriptors, adopt(binding, deposited) else {
                host.dropDeposited(e, deposited)
                continue
            }
            let circuit = Circuit(shared: sessionFD, peer: "\(binding.peer)", framing: .pppoe(binding))
            add(circuit, binding)
            adopted(circuit)
            // A failed resume ends the session like any other: with a PADT.
            if host.resume(e, deposited, on: circuit) != nil { resumed += 1 }
        }
        if resumed > 0 { host.rt.log.notice("port \(settings.name): \(resumed) PPPoE session(s) resumed after a restart") }
        return resumed
    }

    /// linkd stopping: every live session says goodbye to its peer (an LCP
    /// Terminate-Request); `ended` sends its PADT (§5.5).
    func closeAll(_ ended: (Circuit) -> Void) {
        for circuit in Array(circuits.values) {
            guard let s = circuit.session, s.phase != .dead else { continue }
            s.close(reason: "linkd stopping")
            ended(circuit)
        }
    }

    // MARK: Discovery out

    /// Queues a frame for the next flush (flushing first if the batch is
    /// full), with `vlan`'s tags put in after the addresses.
    func enqueueDiscovery(_ untagged: [UInt8], vlan: VLANTags = .untagged) {
        var frame = untagged
        if vlan.isTagged, untagged.count >= 12 {
            frame = Array(untagged[..<12]) + [UInt8](repeating: 0, count: vlan.length) + untagged[12...]
            vlan.write(into: &frame, at: 12)
        }
        if !outbound.enqueue(frame) {
            flushDiscovery()
            if !outbound.enqueue(frame) { counters.discoverySendDropped += 1 }
        }
    }

    func sendDiscovery(_ frame: [UInt8], vlan: VLANTags = .untagged) {
        enqueueDiscovery(frame, vlan: vlan)
        flushDiscovery()
    }

    /// sendmmsg of what is queued; what the socket will not take now is
    /// dropped and counted (discovery retransmits, RFC 2516 §8).
    func flushDiscovery() {
        while outbound.count > 0 {
            let sent = (try? outbound.flush(to: discoveryFD)) ?? 0
            if sent == 0 {
                counters.discoverySendDropped += outbound.count
                outbound.removeAll()
            }
        }
    }

    // MARK: Reading

    /// Discovery frames to `handle` (with the time read), bounded per
    /// wake-up so a PADI flood cannot starve the sessions.
    func readDiscovery(_ handle: (ArraySlice<UInt8>, UInt64, VLANTags) -> Void) {
        for _ in 0..<8 {
            let n = (try? inbound.receive(from: discoveryFD)) ?? 0
            guard n > 0 else { break }
            let now = Instant.now().nanoseconds
            for i in 0..<n {
                counters.discoveryFramesIn += 1
                // A client dialing on a VLAN takes only its VLAN's frames.
                guard dialTags == .untagged else { counters.vlanNotServed += 1; continue }
                handle(inbound.frame(i), now, .untagged)
            }
            flushDiscovery()
            if n < inbound.capacity { break }
        }
    }

    func readSessions() {
        for _ in 0..<8 {
            let n = (try? sessionInbound.receive(from: sessionFD)) ?? 0
            guard n > 0 else { break }
            for i in 0..<n {
                counters.sessionFramesIn += 1
                sessionFrame(sessionInbound.frame(i), vlan: .untagged)
            }
            // Issue 21: what the coalescer holds goes at the end of each
            // batch, so a packet never waits for a later read.
            host.gro?.flush()
            if n < sessionInbound.capacity { break }
        }
    }

    /// RFC 2516 §6: a session frame to our MAC goes to the session of
    /// (source MAC, SESSION_ID); anything else is counted and dropped.
    private func sessionFrame(_ frame: ArraySlice<UInt8>, vlan: VLANTags) {
        guard let (header, payload) = Self.parseSession(frame) else {
            counters.sessionMalformed += 1
            return
        }
        guard header.destination == local else { return }  // another station's, or our own going out
        guard let circuit = circuits[PPPoEBinding.key(peer: header.source, sessionID: header.sessionID)],
              let s = circuit.session, s.phase != .dead else {
            counters.sessionUnknown += 1
            return
        }
        guard circuit.vlan == vlan else {
            counters.vlanMismatch += 1
            return
        }
        s.receive(frame[payload])
    }

    // MARK: VLAN-tagged frames (issue 13)

    /// Where tagged discovery frames go: the role's transport sets it.
    var discoveryHandler: ((ArraySlice<UInt8>, UInt64, VLANTags) -> Void)?

    /// The tagged socket: each frame's outermost tag from its auxdata, an
    /// inner one from the frame (taken out in place, so the rest of the
    /// path sees an untagged frame), then served or dropped and counted.
    func readTagged() {
        guard let taggedFD else { return }
        for _ in 0..<8 {
            let n = (try? taggedInbound.receiveWithControl(from: taggedFD)) ?? 0
            guard n > 0 else { break }
            let now = Instant.now().nanoseconds
            for i in 0..<n {
                counters.taggedFramesIn += 1
                guard let (tags, inFrame) = readTags(i) else { counters.vlanMalformed += 1; continue }
                guard serves(tags) else { counters.vlanNotServed += 1; continue }
                if inFrame > 0, !taggedInbound.remove(inFrame, at: 12, inFrame: i) { counters.vlanMalformed += 1; continue }
                let frame = taggedInbound.frame(i)
                guard frame.count >= 14 else { counters.vlanMalformed += 1; continue }
                switch UInt16(frame[frame.startIndex + 12]) << 8 | UInt16(frame[frame.startIndex + 13]) {
                case PacketSocket.discovery:
                    counters.discoveryFramesIn += 1
                    discoveryHandler?(frame, now, tags)
                case PacketSocket.session:
                    counters.sessionFramesIn += 1
                    sessionFrame(frame, vlan: tags)
                default:
                    counters.vlanMalformed += 1
                }
            }
            flushDiscovery()
            // Issue 21: as after a batch of the session socket.
            host.gro?.flush()
            if n < taggedInbound.capacity { break }
        }
    }

    /// Frame i's tags and how many octets of them are still in the frame.
    private func readTags(_ i: Int) -> (VLANTags, Int)? {
        // The socket's filter passes only frames that had a tag: auxdata
        // without one (or unreadable) is malformed here.
        let frame = taggedInbound.frame(i)
        guard !frame.isEmpty, let stripped = try? PacketAuxdata.vlan(taggedInbound.controlMessages(i)),
              let (tags, at) = try? VLANTags.read(frame, stripped: stripped), tags.isTagged else { return nil }
        return (tags, at - 12)
    }

    /// AC: a C-VID of `vlan-mon`, alone or under `vlan-outer`'s S-tag.
    /// Client: exactly the tags it dials with.
    func serves(_ tags: VLANTags) -> Bool {
        guard let inner = tags.inner else { return true }
        let v = vlanSettings
        if settings.pppoe.role == .client { return tags == dialTags }
        guard servedVIDs[Int(inner) >> 6] & (1 << UInt64(inner & 63)) != 0 else { return false }
        guard let outer = tags.outer else { return true }
        return v.outer == outer && v.outerTPID == tags.outerTPID
    }

    private static func parseSession(_ frame: ArraySlice<UInt8>) -> (PPPoEHeader, Range<Int>)? {
        do { return try SessionFrame.parse(frame) } catch { return nil }
    }

    // MARK: Status

    var status: JSONObject {
        let c = counters
        return [
            "role": .string(settings.pppoe.role.name), "interface": .string(interface.name),
            "mac": .string("\(local)"), "mtu": .int(Int64(interface.mtu)),
            "sessions": .int(Int64(circuits.count)),
            "discovery_frames_in": .int(Int64(c.discoveryFramesIn)),
            "discovery_send_dropped": .int(Int64(c.discoverySendDropped)),
            "session_frames_in": .int(Int64(c.sessionFramesIn)), "session_malformed": .int(Int64(c.sessionMalformed)),
            "session_unknown": .int(Int64(c.sessionUnknown)), "padt_sent": .int(Int64(c.padtSent)),
            "tagged_frames_in": .int(Int64(c.taggedFramesIn)), "vlan_not_served": .int(Int64(c.vlanNotServed)),
            "vlan_malformed": .int(Int64(c.vlanMalformed)), "vlan_mismatch": .int(Int64(c.vlanMismatch)),
            // Issue 21: TSO and GRO of the port's sessions.
            "offload": .bool(host.segments != nil),
            "super_packets_segmented": .int(Int64(host.segments?.superPackets ?? 0)),
            "segments_out": .int(Int64(host.segments?.segments ?? 0)),
            "gro_super_packets": .int(Int64(host.gro?.counters.superPackets ?? 0)),
            "gro_segments_coalesced": .int(Int64(host.gro?.counters.segmentsCoalesced ?? 0)),
            "gro_passed_through": .int(Int64(host.gro?.counters.passedThrough ?? 0)),
            "gro_checksum_failures": .int(Int64(host.gro?.counters.checksumFailures ?? 0)),
        ]
    }

    static func random64() -> UInt64 { Session.randomSeed() }
}
