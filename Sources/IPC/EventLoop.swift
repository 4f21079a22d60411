// The single-threaded loop every daemon and pppinit run: epoll for
// descriptors, one timerfd driven by a min-heap of deadlines, and signalfd so
// signals arrive as ordinary events (never work inside a handler).
#if canImport(Glibc)
import Glibc
#endif
import CShim

public struct IOEvents: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let readable = IOEvents(rawValue: UInt32(PPP_EPOLLIN))
    public static let writable = IOEvents(rawValue: UInt32(PPP_EPOLLOUT))
    public static let hangup = IOEvents(rawValue: UInt32(PPP_EPOLLHUP) | UInt32(PPP_EPOLLRDHUP))
    public static let error = IOEvents(rawValue: UInt32(PPP_EPOLLERR))
}

public struct TimerID: Hashable, Sendable { let value: UInt64 }

/// Monotonic nanoseconds.
public struct Instant: Comparable, Hashable, Sendable {
    public let nanoseconds: UInt64
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }
    public static func now() -> Instant { Instant(nanoseconds: ppp_monotonic_ns()) }
    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }
    public func adding(seconds: Double) -> Instant {
        Instant(nanoseconds: nanoseconds &+ UInt64(max(0, seconds) * 1e9))
    }
    public func seconds(since other: Instant) -> Double {
        nanoseconds >= other.nanoseconds ? Double(nanoseconds - other.nanoseconds) / 1e9 : 0
    }
}

public final class EventLoop {
    private let epoll: FileDescriptor
    private let timerFD: FileDescriptor
    private var handlers: [Int32: (IOEvents) -> Void] = [:]
    private var interest: [Int32: IOEvents] = [:]
    private var timers = TimerHeap()
    private var timerActions: [UInt64: () -> Void] = [:]
    private var nextTimer: UInt64 = 1
    private var armedFor: UInt64 = 0
    private var signalFD: FileDescriptor?
    private var signalHandler: ((Int32, Int32) -> Void)?
    private var running = false
    private static let eventsPerRound = 64
    private let eventFDs = UnsafeMutablePointer<Int32>.allocate(capacity: EventLoop.eventsPerRound)
    private let eventMasks = UnsafeMutablePointer<UInt32>.allocate(capacity: EventLoop.eventsPerRound)
    private var polling = false
    /// Issue 21: what runs once every handler of the round has (atRoundEnd);
    /// room kept so that registering costs no allocation.
    private var roundEnd: [() -> Void] = {
        var a = [() -> Void]()
        a.reserveCapacity(16)
        return a
    }()
    private var dispatching = 0

    public init() throws(IPCError) {
        epoll = FileDescriptor(adopting: try Errno.check("epoll_create1") { ppp_epoll_create() })
        timerFD = FileDescriptor(adopting: try Errno.check("timerfd_create") { ppp_timerfd_create() })
        let t = timerFD.raw
        try watch(t) { [unowned self] _ in self.fireTimers() }
    }

    deinit {
        eventFDs.deallocate()
        eventMasks.deallocate()
    }

    /// Registers `fd` with a handler. Hang-up and error are always reported.
    public func watch(_ fd: Int32, _ events: IOEvents = .readable, _ handler: @escaping (IOEvents) -> Void) throws(IPCError) {
        let op = handlers[fd] == nil ? Int32(PPP_EPOLL_CTL_ADD) : Int32(PPP_EPOLL_CTL_MOD)
        let ep = epoll.raw
        _ = try Errno.check("epoll_ctl") { ppp_epoll_ctl(ep, op, fd, events.rawValue | UInt32(PPP_EPOLLRDHUP)) }
        handlers[fd] = handler
        interest[fd] = events
    }

    /// Changes the interest set (e.g. add .writable while a send queue drains).
    public func modify(_ fd: Int32, _ events: IOEvents) throws(IPCError) {
        guard handlers[fd] != nil, interest[fd] != events else { return }
        let ep = epoll.raw
        _ = try Errno.check("epoll_ctl") { ppp_epoll_ctl(ep, Int32(PPP_EPOLL_CTL_MOD), fd, events.rawValue | UInt32(PPP_EPOLLRDHUP)) }
        interest[fd] = events
    }

    public func unwatch(_ fd: Int32) {
        guard handlers.removeValue(forKey: fd) != nil else { return }
        interest[fd] = nil
        _ = ppp_epoll_ctl(epoll.raw, Int32(PPP_EPOLL_CTL_DEL), fd, 0)
    }

    public func isWatching(_ fd: Int32) -> Bool { handlers[fd] != nil }

    /// Runs `action` once after `seconds`. Cancel with `cancel(_:)`.
    @discardableResult
    public func schedule(after seconds: Double, _ action: @escaping () -> Void) -> TimerID {
        let id = nextTimer
        nextTimer += 1
        let deadline = Instant.now().adding(seconds: seconds)
        timers.push(deadline: deadline.nanoseconds, id: id)
        timerActions[id] = action
        rearm()
        return TimerID(value: id)
    }

    public func cancel(_ id: TimerID) {
        // Lazy deletion: the heap entry is skipped when it surfaces.
        timerActions[id.value] = nil
    }

    /// Blocks `signals` and delivers them through signalfd to `handler(signo, senderPID)`.
    public func handleSignals(_ signals: [Int32], _ handler: @escaping (Int32, Int32) -> Void) throws(IPCError) {
        precondition(signalFD == nil, "signals are registered once")
        let fd = try Errno.check("signalfd") { signals.withUnsafeBufferPointer { ppp_signalfd($0.baseAddress, Int32($0.count)) } }
        signalFD = FileDescriptor(adopting: fd)
        signalHandler = handler
        try watch(fd) { [unowned self] _ in self.drainSignals() }
    }

    public func stop() { running = false }

    /// Runs until `stop()`.
    public func run() {
        running = true
        while running { runOnce(timeoutMilliseconds: -1) }
    }

    /// One epoll_wait round; used by tests and by run().
    public func runOnce(timeoutMilliseconds: Int32) {
        // The loop's own event arrays: a busy data path wakes the loop per
        // few frames, and a wake-up must not cost two heap allocations. A
        // nested round (run(until:) from a handler, in tests) gets its own.
        guard !polling else {
            let fds = UnsafeMutablePointer<Int32>.allocate(capacity: Self.eventsPerRound)
            let evs = UnsafeMutablePointer<UInt32>.allocate(capacity: Self.eventsPerRound)
            defer { fds.deallocate(); evs.deallocate() }
            poll(fds, evs, timeoutMilliseconds)
            return
        }
        polling = true
        defer { polling = false }
        poll(eventFDs, eventMasks, timeoutMilliseconds)
    }

    private func poll(_ fds: UnsafeMutablePointer<Int32>, _ evs: UnsafeMutablePointer<UInt32>, _ timeout: Int32) {
        let n = ppp_epoll_wait(epoll.raw, fds, evs, Int32(Self.eventsPerRound), timeout)
        guard n > 0 else { return }
        dispatching += 1
        for i in 0..<Int(n) {
            // A handler may have unwatched a later descriptor in this batch.
            guard let h = handlers[fds[i]] else { continue }
            h(IOEvents(rawValue: evs[i]))
        }
        dispatching -= 1
        // In order; an action may register another (it runs in this round).
        var k = 0
        while k < roundEnd.count {
            roundEnd[k]()
            k += 1
        }
        roundEnd.removeAll(keepingCapacity: true)
    }

    /// Issue 21: runs `action` once the handlers of the round being
    /// dispatched have all run, before the loop waits again — so what they
    /// gathered (frames for one socket) leaves in one system call, and at
    /// low load nothing waits longer than the round it arrived in. false
    /// when no round is being dispatched: the caller acts at once. Pass the
    /// same closure each time (made once) and nothing is allocated.
    public func atRoundEnd(_ action: @escaping () -> Void) -> Bool {
        guard dispatching > 0 else { return false }
        roundEnd.append(action)
        return true
    }

    /// Runs until `condition` holds or `seconds` pass; true if it held. For
    /// start-up sequences and tests, never inside a handler.
    public func run(until condition: () -> Bool, seconds: Double) -> Bool {
        let deadline = Instant.now().adding(seconds: seconds)
        while !condition() {
            let now = Instant.now()
            if now >= deadline { return false }
            let ms = Int32(min(1000, max(1, Double(deadline.nanoseconds - now.nanoseconds) / 1e6)))
            runOnce(timeoutMilliseconds: ms)
        }
        return true
    }

    private func rearm() {
        while let top = timers.peek(), timerActions[top.id] == nil { _ = timers.pop() }
        guard let top = timers.peek() else {
            if armedFor != 0 { _ = ppp_timerfd_arm(timerFD.raw, 0); armedFor = 0 }
            return
        }
        guard top.deadline != armedFor else { return }
        let now = ppp_monotonic_ns()
        let delta = top.deadline > now ? top.deadline - now : 1
        _ = ppp_timerfd_arm(timerFD.raw, delta)
        armedFor = top.deadline
    }

    private func fireTimers() {
        var expirations: UInt64 = 0
        _ = read(timerFD.raw, &expirations, 8)
        armedFor = 0
        let now = ppp_monotonic_ns()
        while let top = timers.peek(), top.deadline <= now {
            _ = timers.pop()
            if let action = timerActions.removeValue(forKey: top.id) { action() }
        }
        rearm()
    }

    private func drainSignals() {
        guard let fd = signalFD?.raw else { return }
        while true {
            var pid: Int32 = 0
            let sig = ppp_signalfd_read(fd, &pid)
            guard sig > 0 else { return }
            signalHandler?(sig, pid)
        }
    }
}

/// Binary min-heap of (deadline, id); ties fire in scheduling order.
struct TimerHeap {
    private var items: [(deadline: UInt64, id: UInt64)] = []

    var count: Int { items.count }
    func peek() -> (deadline: UInt64, id: UInt64)? { items.first }

    private func less(_ a: Int, _ b: Int) -> Bool {
        items[a].deadline != items[b].deadline ? items[a].deadline < items[b].deadline : items[a].id < items[b].id
    }

    mutating func push(deadline: UInt64, id: UInt64) {
        items.append((deadline, id))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (deadline: UInt64, id: UInt64)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count && less(l, m) { m = l }
            if r < items.count && less(r, m) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
