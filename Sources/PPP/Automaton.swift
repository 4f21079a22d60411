// The RFC 1661 §4 option negotiation automaton, shared by LCP, IPCP and IPv6CP.
// A value: it takes an event and returns the ordered actions; it sends nothing,
// owns no clock and knows no options. ControlProtocol carries the actions out.

/// RFC 1661 §4: the finite-state automaton, its restart counter and the rule
/// for when the restart timer runs.
public struct Automaton: Equatable, Sendable {
    /// RFC 1661 §4.2. Raw values are the RFC's state numbers.
    public enum State: Int, CaseIterable, Sendable {
        case initial = 0, starting, closed, stopped, closing, stopping, reqSent, ackRcvd, ackSent, opened

        /// RFC 1661 §4.1: "The states in which the Restart timer is running are
        /// identifiable by the presence of TO events."
        public var restartTimerRuns: Bool {
            switch self {
            case .closing, .stopping, .reqSent, .ackRcvd, .ackSent: true
            case .initial, .starting, .closed, .stopped, .opened: false
            }
        }

        /// The state's name in lower case ("reqsent", "opened"), as status
        /// replies show it: a table, since printing the case by reflection
        /// cost more than the rest of a session's listing line (issue 13).
        public var name: String {
            switch self {
            case .initial: "initial"
            case .starting: "starting"
            case .closed: "closed"
            case .stopped: "stopped"
            case .closing: "closing"
            case .stopping: "stopping"
            case .reqSent: "reqsent"
            case .ackRcvd: "ackrcvd"
            case .ackSent: "acksent"
            case .opened: "opened"
            }
        }
    }

    /// RFC 1661 §4.3, in the order of the §4.1 table's rows.
    public enum Event: CaseIterable, Sendable {
        case up, down, open, close
        case toPlus, toMinus
        case rcrPlus, rcrMinus, rca, rcn
        case rtr, rta
        case ruc, rxjPlus, rxjMinus
        case rxr
    }

    /// RFC 1661 §4.4.
    public enum Action: Sendable {
        case tlu, tld, tls, tlf
        case irc, zrc
        case scr, sca, scn, str, sta, scj, ser
    }

    /// What the caller must do with the restart timer after a step.
    public enum TimerCommand: Equatable, Sendable {
        case unchanged
        /// (Re)start it: RFC 1661 §4.1 "Only the Send-Configure-Request,
        /// Send-Terminate-Request and Zero-Restart-Count actions start or
        /// re-start the Restart timer."
        case start
        /// "The Restart timer is stopped when transitioning from any state
        /// where the timer is running to a state where the timer is not running."
        case stop
    }

    /// RFC 1661 §4.6 counters and timer; defaults are pppd's.
    public struct Limits: Equatable, Sendable {
        public var maxTerminate: Int = 2
        public var maxConfigure: Int = 10
        /// Consumed by ControlProtocol when classifying requests (Nak -> Reject).
        public var maxFailure: Int = 5
        public var restartInterval: Duration = .seconds(3)
        public init() {}
        public init(maxTerminate: Int = 2, maxConfigure: Int = 10, maxFailure: Int = 5,
                    restartInterval: Duration = .seconds(3)) {
            self.maxTerminate = maxTerminate
            self.maxConfigure = maxConfigure
            self.maxFailure = maxFailure
            self.restartInterval = restartInterval
        }
    }

    /// The result of one event.
    public struct Step: Equatable, Sendable {
        public var from: State
        public var to: State
        public var actions: [Action]
        public var timer: TimerCommand
        /// False for the table's '-' cells: the event was ignored.
        public var isLegal: Bool
    }

    public private(set) var state: State
    public private(set) var restartCounter: Int
    public var limits: Limits

    public init(limits: Limits = Limits(), state: State = .initial) {
        self.state = state
        self.limits = limits
        self.restartCounter = 0
    }

    /// RFC 1661 §4.3: a Restart timer expiry is TO+ while the counter is above
    /// zero and TO- once it is exhausted.
    public var timeoutEvent: Event { restartCounter > 0 ? .toPlus : .toMinus }

    /// Applies one event. Illegal cells ('-') leave everything unchanged; they
    /// can only come from a caller bug or a stale timer, and RFC 1661 gives no
    /// action for them, so they are reported (isLegal false) and not trapped.
    public mutating func handle(_ event: Event) -> Step {
        let from = state
        guard let (to, actions) = Self.transition(from: from, on: event) else {
            return Step(from: from, to: from, actions: [], timer: .unchanged, isLegal: false)
        }
        var timer = TimerCommand.unchanged
        for action in actions {
            switch action {
            case .irc:
                // RFC 1661 §4.4: "set to Max-Terminate or Max-Configure as
                // appropriate": Max-Terminate exactly when heading for the
                // Terminate-Request states.
                restartCounter = (to == .closing || to == .stopping) ? limits.maxTerminate : limits.maxConfigure
            case .zrc:
                restartCounter = 0
                timer = .start
            case .scr, .str:
                // Deviation (as pppd's fsm_sconfreq): the Opened row sends a
                // new Configure-Request without irc, which would leave the
                // counter at whatever the last negotiation left (often 0) and
                // give up after one timeout; such a scr initialises it first.
                if action == .scr && from == .opened { restartCounter = limits.maxConfigure }
                // RFC 1661 §4.4 scr/str: "The Restart counter is decremented
                // each time a Configure-Request [Terminate-Request] is sent."
                restartCounter = max(0, restartCounter - 1)
                timer = .start
            case .tlu, .tld, .tls, .tlf, .sca, .scn, .sta, .scj, .ser:
                break
            }
        }
        if timer == .unchanged && from.restartTimerRuns && !to.restartTimerRuns {
            timer = .stop
        }
        state = to
        return Step(from: from, to: to, actions: actions, timer: timer, isLegal: true)
    }
}
