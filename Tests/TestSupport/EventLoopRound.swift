// One dispatched round of an EventLoop, for the suites of batched sends
// (linkd's TransmitBatch, UDP GSO and tagged segments; the mux's sendmmsg
// batches): what a batch defers to `EventLoop.atRoundEnd` has left when
// `inRound` returns.
import Glibc
import IPC

/// Why a round could not be run.
public struct RoundFailure: Error, CustomStringConvertible {
    public let description: String
}

/// Runs `body` inside one dispatched round of `loop` (a readable pipe's
/// handler), then lets the round end. Waits at most 10 s for the round (a
/// bound, not a timing check).
public func inRound(_ loop: EventLoop, _ body: @escaping () -> Void) throws {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw RoundFailure(description: "pipe") }
    defer { _ = close(fds[0]); _ = close(fds[1]) }
    var ran = false
    try loop.watch(fds[0]) { _ in
        guard !ran else { return }
        ran = true
        body()
    }
    defer { loop.unwatch(fds[0]) }
    var one: UInt8 = 1
    _ = write(fds[1], &one, 1)
    _ = loop.run(until: { ran }, seconds: 10)
    if !ran { throw RoundFailure(description: "the round never ran") }
}
