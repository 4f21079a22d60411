// Reading a UDP port: batches of datagrams per recvmmsg (one PPP frame
// each) into one buffer kept for the life of the port.
#if canImport(Glibc)
import Glibc
#endif
import IPC

/// UDP: batches of datagrams per recvmmsg, a bounded number of batches per
/// wake-up so the channel side gets its turn.
final class DatagramReader {
    private var batch: PacketBatch

    init(slotSize: Int) { batch = PacketBatch(slotSize: slotSize, capacity: 32) }

    func drain(_ circuit: Circuit, host: PortSessions, what: String) {
        for _ in 0..<8 {
            let got: Int
            do { got = try batch.receive(from: circuit.raw) } catch {
                if case .system(_, let e) = error, e == ECONNREFUSED {
                    // The peer's ICMP port-unreachable: it may not be up yet.
                    host.counters.unreachable += 1
                    continue
                }
                host.circuitHungUp(circuit, "read error on \(what): \(error)")
                return
            }
            if got == 0 { return }
            for i in 0..<got {
                let frame = batch.frame(i)
                if frame.isEmpty {
                    host.counters.framesWithoutSession += 1
                } else {
                    host.received(frame, on: circuit)
                }
            }
            if got < batch.capacity { return }
        }
    }
}
