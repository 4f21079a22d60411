// The supervisor's decision table, kept apart from processes and clocks (s6
// style: "want" apart from "is"; crash-loop policy with explicit burst, window
// and backoff). pppinit's loop feeds events in and carries the actions out.
//
// Crash-loop policy (issue 15): restarting loses no session (they resume
// from the fd store), so a crash is held against a daemon only when it shows
// the daemon cannot run: it died before ready, or within `earlyExit` seconds
// of ready. Those count toward `burst` within `window` and back off; any
// other crash restarts at once, however often it happens.
import IPC

enum Want: String { case up, down }

enum RunState: String {
    case stopped, starting, running, backoff, failed, stopping
}

struct Supervision: Equatable {
    var want: Want = .up
    var state: RunState = .stopped
    /// Crash times (seconds on the monotonic clock) within the window.
    var crashes: [Double] = []
    var restarts = 0
    /// Crashes held against the daemon (see the policy above), in all.
    var earlyCrashes = 0
    /// When the running process became ready (monotonic seconds).
    var readyAt: Double?
    /// Set by an operator's restart: the next exit is not a crash.
    var restartRequested = false

    enum Event: Equatable {
        case spawned
        case ready
        case readyTimedOut
        /// The watchdog's ping got no answer in time.
        case unresponsive
        /// The process ended; `permanent` is exit code 100 (s6: do not restart).
        case exited(permanent: Bool)
        case backoffElapsed
        case restartRequested
        case stopRequested
    }

    enum Action: Equatable {
        case spawn
        case scheduleRestart(after: Double)
        case terminate          // SIGTERM now, SIGKILL after the stop timeout
        /// An operator's restart: SIGUSR2 (the daemon exits leaving its
        /// sessions in the fd store), SIGKILL after the stop timeout.
        case restartInPlace
        case kill               // SIGKILL now (never became ready)
        case publish(EventBody.Lifecycle)
    }

    mutating func handle(_ event: Event, now: Double, policy: SupervisorPolicy) -> [Action] {
        switch (state, event) {
        case (.stopped, .spawned), (.backoff, .spawned):
            state = .starting
            return []
        case (.starting, .ready):
            state = .running
            readyAt = now
            return [.publish(restarts == 0 ? .started : .restarted)]
        case (.starting, .readyTimedOut):
            return [.kill]
        case (.running, .unresponsive):
            return [.publish(.unresponsive), .kill]
        case (.running, .restartRequested), (.starting, .restartRequested):
            restartRequested = true
            state = .stopping
            return [.restartInPlace]
        case (.failed, .restartRequested), (.backoff, .restartRequested), (.stopped, .restartRequested):
            crashes = []
            restartRequested = false
            want = .up
            state = .stopped
            return [.spawn]
        case (_, .stopRequested):
            want = .down
            switch state {
            case .starting, .running, .stopping:
                state = .stopping
                return [.terminate]
            default:
                state = .stopped
                return []
            }
        case (_, .exited(let permanent)):
            return exited(permanent: permanent, now: now, policy: policy)
        case (.backoff, .backoffElapsed):
            return [.spawn]
        default:
            return []
        }
    }

    private mutating func exited(permanent: Bool, now: Double, policy: SupervisorPolicy) -> [Action] {
        let early = state != .running || readyAt.map { now - $0 < policy.earlyExit } ?? true
        readyAt = nil
        if want == .down {
            state = .stopped
            return [.publish(.stopped)]
        }
        restarts += 1
        if restartRequested {
            restartRequested = false
            state = .stopped
            return [.publish(.exited), .spawn]
        }
        crashes = crashes.filter { now - $0 < policy.window }
        if !early && !permanent {
            state = .backoff
            return [.publish(.exited), .scheduleRestart(after: 0)]
        }
        crashes.append(now)
        earlyCrashes += 1
        if permanent || crashes.count >= policy.burst {
            state = .failed
            return [.publish(.exited), .publish(.failed)]
        }
        // First crash in the window: restart at once; then 1 s, 2 s, 4 s … capped.
        let delay = crashes.count == 1 ? 0 : min(policy.backoffMax, Double(1 << min(20, crashes.count - 2)))
        state = .backoff
        return [.publish(.exited), .scheduleRestart(after: delay)]
    }
}
