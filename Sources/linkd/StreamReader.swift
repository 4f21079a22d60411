// Reading a byte-stream circuit (a tty, a TCP connection): drain what the
// descriptor holds into the circuit's session, or report the hang-up. One
// buffer per port for its life: the loop runs one handler at a time.
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class StreamReader {
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    /// Reads until the descriptor would block. `what` names the far end in
    /// the hang-up reason ("connection to 10.0.0.1:5000", "/dev/ttyS0").
    func drain(_ circuit: Circuit, host: PortSessions, what: String) {
        while true {
            let n = buffer.withUnsafeMutableBytes { read(circuit.raw, $0.baseAddress, $0.count) }
            if n > 0 {
                host.received(buffer[0..<n], on: circuit)
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if n < 0 && errno == EINTR { continue }
            host.circuitHungUp(circuit, n == 0 ? "hangup (end of file on \(what))"
                                             : "read error on \(what): \(Errno.describe(errno))")
            return
        }
    }
}
