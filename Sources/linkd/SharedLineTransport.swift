// A tty or UDP port: one session at a time on the port's own descriptor,
// which outlives every session (and linkd, in the fd store). A tty is read
// as a byte stream; a UDP socket in batches of datagrams (recvmmsg), one
// frame each. After a restart the session a previous linkd deposited
// resumes on the same descriptor.
import IPC

final class SharedLineTransport: Transport {
    unowned let host: PortSessions
    let descriptor: Int32
    /// The port's descriptor as a circuit, watched while sessions run on it.
    private var shared: Circuit?
    private let reading: Reading

    enum Reading {
        case stream(StreamReader)
        /// Up to the batch's capacity of datagrams per recvmmsg instead of
        /// one read(2) per frame.
        case datagrams(DatagramReader)
    }

    /// The far end: the tty's device, the UDP peer's address.
    private let peer: String

    init(host: PortSessions, descriptor: Int32, peer: String, reading: Reading) {
        self.host = host
        self.descriptor = descriptor
        self.peer = peer
        self.reading = reading
    }

    private var settings: PortSettings { host.settings }

    func start() {
        if host.bridging.role == .upstream {
            // A session bridged before a restart comes back; new ones wait for a dial.
            if resume() { return }
            host.rt.log.info("port \(settings.name): upstream; sessions are dialled on demand for bridged subscribers")
            return
        }
        if resume() { return }
        startSession()
    }

    /// The session a previous linkd left on this descriptor resumes
    /// Opened (one at a time; any other is dropped). True if one did.
    private func resume() -> Bool {
        var resumed = false
        for (e, state) in host.depositedSessions() {
            guard !resumed, e.descriptors.count == 1, state.pppoe == nil, let circuit = sharedCircuit() else {
                host.dropDeposited(e, state)
                continue
            }
            resumed = host.resume(e, state, on: circuit) != nil
        }
        return resumed
    }

    func startSession() {
        guard let circuit = sharedCircuit() else { return }
        let s = host.makeSession(on: circuit)
        host.rt.log.info("session \(s.id): establishing")
        s.start()
    }

    private func sharedCircuit() -> Circuit? {
        let loop = host.rt.loop
        if let shared, loop.isWatching(descriptor) { return shared }
        let framing: Circuit.Framing = if case .stream = reading { .hdlc } else { .datagram }
        let circuit = shared ?? Circuit(shared: descriptor, peer: peer, framing: framing)
        do {
            try loop.watch(descriptor) { [unowned self, unowned circuit] events in
                if circuit.dispatch(events) { self.readable(circuit) }
            }
        } catch {
            host.rt.log.warning("port \(settings.name): \(error)")
            return nil
        }
        shared = circuit
        return circuit
    }

    private func readable(_ circuit: Circuit) {
        switch reading {
        case .stream(let reader): reader.drain(circuit, host: host, what: peer)
        case .datagrams(let reader): reader.drain(circuit, host: host, what: peer)
        }
    }

    /// A hung-up line is retried no faster than once a second, whatever
    /// holdoff says, so it cannot spin the loop (until it was first watched).
    var holdoff: Double { shared != nil ? Double(settings.holdoff) : Double(max(settings.holdoff, 1)) }

    func sessionEnded(_ session: Session, on circuit: Circuit) {}

    func dial(for subscriber: String) throws(MethodError) -> String { try host.dialOneAtATime(for: subscriber) }

    /// A UDP port's receive side (issue 21: UDP_GRO runs and their frames).
    func addStatus(to status: inout JSONObject) {
        if case .datagrams(let reader) = reading { status["receive_batch"] = .object(reader.json) }
    }
}
