// The supervisor's decision table and the config schema, without processes:
// restart policy (immediate, then doubling backoff, failed after a burst,
// exit 100 permanent), operator restarts, stops; and config errors that
// name file:line.
import Testing
@testable import pppinit
import IPC

// earlyExit 5: the tests below crash 1 s after ready and mean it to count.
let policy = SupervisorPolicy(burst: 5, window: 60, backoffMax: 30, readyTimeout: 10, stopTimeout: 3, earlyExit: 5)

func booted() -> Supervision {
    var s = Supervision()
    _ = s.handle(.restartRequested, now: 0, policy: policy)
    _ = s.handle(.spawned, now: 0, policy: policy)
    _ = s.handle(.ready, now: 0, policy: policy)
    return s
}

@Test func bootGoesThroughStartingToRunning() {
    var s = Supervision()
    #expect(s.handle(.restartRequested, now: 0, policy: policy) == [.spawn])
    #expect(s.handle(.spawned, now: 0, policy: policy) == [])
    #expect(s.state == .starting)
    #expect(s.handle(.ready, now: 0, policy: policy) == [.publish(.started)])
    #expect(s.state == .running)
}

@Test func crashesBackOffThenFail() {
    var s = booted()
    var delays: [Double] = []
    var t = 1.0
    while s.state != .failed {
        let actions = s.handle(.exited(permanent: false), now: t, policy: policy)
        for case let .scheduleRestart(after) in actions { delays.append(after) }
        if s.state == .backoff {
            #expect(s.handle(.backoffElapsed, now: t, policy: policy) == [.spawn])
            _ = s.handle(.spawned, now: t, policy: policy)
            #expect(s.handle(.ready, now: t, policy: policy) == [.publish(.restarted)])
        }
        t += 1
        #expect(delays.count <= 5)
    }
    // First restart at once, then doubling; the fifth crash in the window fails it.
    #expect(delays == [0, 1, 2, 4])
    #expect(s.restarts == 5)
}

@Test func backoffIsCapped() {
    let p = SupervisorPolicy(burst: 100, window: 1000, backoffMax: 30)
    var s = booted()
    var last = 0.0
    for i in 0..<12 {
        for case let .scheduleRestart(after) in s.handle(.exited(permanent: false), now: Double(i), policy: p) { last = after }
        _ = s.handle(.backoffElapsed, now: Double(i), policy: p)
        _ = s.handle(.spawned, now: Double(i), policy: p)
    }
    #expect(last == 30)
}

@Test func crashesOutsideTheWindowAreForgotten() {
    var s = booted()
    for i in 0..<20 {
        // One crash every 100 s with a 60 s window never accumulates.
        let actions = s.handle(.exited(permanent: false), now: Double(i * 100), policy: policy)
        #expect(actions.contains(.scheduleRestart(after: 0)))
        _ = s.handle(.backoffElapsed, now: Double(i * 100), policy: policy)
        _ = s.handle(.spawned, now: Double(i * 100), policy: policy)
        _ = s.handle(.ready, now: Double(i * 100), policy: policy)
    }
    #expect(s.state == .running)
}

@Test func exit100IsPermanent() {
    var s = booted()
    #expect(s.handle(.exited(permanent: true), now: 1, policy: policy) == [.publish(.exited), .publish(.failed)])
    #expect(s.state == .failed)
}

@Test func operatorRestartIsNotACrash() {
    var s = booted()
    #expect(s.handle(.restartRequested, now: 1, policy: policy) == [.restartInPlace])
    #expect(s.handle(.exited(permanent: false), now: 1, policy: policy) == [.publish(.exited), .spawn])
    #expect(s.crashes.isEmpty)
}

@Test func operatorRestartRevivesAFailedComponent() {
    var s = booted()
    _ = s.handle(.exited(permanent: true), now: 1, policy: policy)
    #expect(s.handle(.restartRequested, now: 2, policy: policy) == [.spawn])
    #expect(s.crashes.isEmpty)
}

@Test func readyTimeoutKillsAndCountsAsACrash() {
    var s = Supervision()
    _ = s.handle(.restartRequested, now: 0, policy: policy)
    _ = s.handle(.spawned, now: 0, policy: policy)
    #expect(s.handle(.readyTimedOut, now: 10, policy: policy) == [.kill])
    let a = s.handle(.exited(permanent: false), now: 10, policy: policy)
    #expect(a.contains(.scheduleRestart(after: 0)))
}

@Test func stopWhileRunningTerminatesAndDoesNotRestart() {
    var s = booted()
    #expect(s.handle(.stopRequested, now: 1, policy: policy) == [.terminate])
    #expect(s.handle(.exited(permanent: false), now: 1, policy: policy) == [.publish(.stopped)])
    #expect(s.state == .stopped)
    #expect(s.restarts == 0)
}

@Test func stopDuringBackoffCancelsTheRestart() {
    var s = booted()
    _ = s.handle(.exited(permanent: false), now: 1, policy: policy)
    _ = s.handle(.backoffElapsed, now: 1, policy: policy)
    _ = s.handle(.spawned, now: 1, policy: policy)
    _ = s.handle(.exited(permanent: false), now: 2, policy: policy)
    #expect(s.state == .backoff)
    #expect(s.handle(.stopRequested, now: 2, policy: policy) == [])
    #expect(s.handle(.backoffElapsed, now: 3, policy: policy) == [])
    #expect(s.state == .stopped)
}

// MARK: crash-loop policy (issue 15 point 6)

/// The defaults' policy: only a crash before ready or within 1 s of it counts.
let defaults = SupervisorPolicy()

@Test func crashesLongAfterReadyNeverFail() {
    var s = Supervision()
    _ = s.handle(.restartRequested, now: 0, policy: defaults)
    _ = s.handle(.spawned, now: 0, policy: defaults)
    _ = s.handle(.ready, now: 0.2, policy: defaults)
    var t = 0.2
    // kill -9 every 1.5 s, 1,000 times: each restart is immediate, none counts.
    for _ in 0..<1000 {
        t += 1.5
        let a = s.handle(.exited(permanent: false), now: t, policy: defaults)
        #expect(a == [.publish(.exited), .scheduleRestart(after: 0)])
        _ = s.handle(.backoffElapsed, now: t, policy: defaults)
        _ = s.handle(.spawned, now: t, policy: defaults)
        #expect(s.handle(.ready, now: t + 0.2, policy: defaults) == [.publish(.restarted)])
        t += 0.2
    }
    #expect(s.state == .running)
    #expect(s.crashes.isEmpty)
    #expect(s.earlyCrashes == 0)
    #expect(s.restarts == 1000)
}

@Test func aDaemonThatExitsAtStartFailsAfterTheBurst() {
    var s = Supervision()
    _ = s.handle(.restartRequested, now: 0, policy: defaults)
    var t = 0.0
    var exits = 0
    while s.state != .failed && exits < 100 {
        _ = s.handle(.spawned, now: t, policy: defaults)
        t += 0.1
        let a = s.handle(.exited(permanent: false), now: t, policy: defaults)
        exits += 1
        for case let .scheduleRestart(after) in a {
            t += after
            _ = s.handle(.backoffElapsed, now: t, policy: defaults)
        }
    }
    #expect(s.state == .failed)
    #expect(exits == defaults.burst)
    #expect(s.earlyCrashes == defaults.burst)
}

@Test func aCrashJustAfterReadyCounts() {
    var s = booted()
    let a = s.handle(.exited(permanent: false), now: defaults.earlyExit / 2, policy: defaults)
    #expect(a == [.publish(.exited), .scheduleRestart(after: 0)])
    #expect(s.crashes == [defaults.earlyExit / 2])
    _ = s.handle(.backoffElapsed, now: 1, policy: defaults)
    _ = s.handle(.spawned, now: 1, policy: defaults)
    // The second early crash in the window backs off.
    #expect(s.handle(.exited(permanent: false), now: 1.1, policy: defaults) == [.publish(.exited), .scheduleRestart(after: 1)])
}

@Test func anUnresponsiveDaemonIsKilled() {
    var s = booted()
    #expect(s.handle(.unresponsive, now: 30, policy: defaults) == [.publish(.unresponsive), .kill])
    #expect(s.handle(.exited(permanent: false), now: 30, policy: defaults) == [.publish(.exited), .scheduleRestart(after: 0)])
    #expect(s.crashes.isEmpty)
    // Not while starting: the ready timeout covers that.
    _ = s.handle(.backoffElapsed, now: 30, policy: defaults)
    _ = s.handle(.spawned, now: 30, policy: defaults)
    #expect(s.handle(.unresponsive, now: 40, policy: defaults) == [])
}

@Test func controlSlotsAreSharedPerUIDWithRoomForRoot() {
    var a = ControlAdmission()
    var admitted = 0
    // One unprivileged uid tries 100 conversations: it gets its share.
    for _ in 0..<100 where a.admit(uid: 65534, admin: false) == nil { admitted += 1 }
    #expect(admitted == a.perUID)
    #expect(a.admit(uid: 65534, admin: false) == .uidShare(a.perUID))
    // Many unprivileged uids together stop short of the reserve.
    var others = 0
    for uid in UInt32(1000)..<1100 where a.admit(uid: uid, admin: false) == nil { others += 1 }
    #expect(admitted + others == a.capacity - a.reserved)
    #expect(a.admit(uid: 2000, admin: false) == .reservedForAdmin)
    // Root and an admin still get in, up to the capacity.
    #expect(a.admit(uid: 0, admin: true) == nil)
    #expect(a.admit(uid: 1500, admin: true) == nil)
    var root = 2
    while a.admit(uid: 0, admin: true) == nil { root += 1 }
    #expect(a.total == a.capacity)
    #expect(root == a.reserved)
    #expect(a.admit(uid: 0, admin: true) == .full)
    a.release(uid: 65534)
    #expect(a.admit(uid: 65534, admin: false) == .reservedForAdmin)
    a.release(uid: 0)
    #expect(a.admit(uid: 0, admin: true) == nil)
    // Releasing what was never held changes nothing.
    let before = a
    a.release(uid: 4242)
    #expect(a == before)
}

// MARK: config

@Test func minimalConfigParses() throws {
    let c = try RouterConfig.parse("""
        [router]
        admin-group = 100
        [port.udp0]
        type = "udp"
        local = "127.0.0.1:1"
        [daemons.authd]
        uid = 70000
        """, file: "r.toml")
    #expect(c.adminGroup == 100)
    #expect(c.ports.map(\.name) == ["udp0"])
    #expect(c.identities["authd"] == DaemonIdentity(uid: 70000, gid: 70000))
    #expect(c.identities["ncpd"]?.uid == 61003)
    #expect(c.seccomp == .kill)
}

@Test func sessionKeysFollowPPPD() throws {
    let c = try RouterConfig.parse("""
        [port.u]
        type = "udp"
        local = "127.0.0.1:1"
        mru = 1492
        asyncmap = "0x000a0000"
        lcp-echo-interval = 10
        lcp-echo-failure = 4
        lcp-restart = 2
        lcp-max-configure = 5
        require-chap = true
        persist = true
        holdoff = 7
        maxfail = 0
        [port.d]
        type = "udp"
        local = "127.0.0.1:2"
        """, file: "r.toml")
    let p = c.ports[0]
    #expect(p.mru == 1492 && p.asyncMap == 0x000a_0000)
    #expect(p.echoInterval == 10 && p.echoFailure == 4 && p.lcpRestart == 2 && p.lcpMaxConfigure == 5)
    #expect(!p.noauth && p.requireCHAP && !p.requirePAP, "require-chap implies auth")
    #expect(p.persist && p.holdoff == 7 && p.maxfail == 0)
    // pppd's defaults.
    let d = c.ports[1]
    #expect(d.mru == 1500 && d.asyncMap == 0 && d.echoInterval == 0 && d.echoFailure == 0)
    #expect(d.lcpRestart == 3 && d.lcpMaxConfigure == 10 && d.noauth && !d.persist)
    #expect(d.holdoff == 30 && d.maxfail == 10)
}

@Test func authAndNetworkKeysFollowPPPD() throws {
    let c = try RouterConfig.parse("""
        [pool.subscribers]
        range = "10.0.0.10-10.0.0.99"
        [port.u]
        type = "udp"
        local = "127.0.0.1:1"
        require-mschap-v2 = true
        require-eap = true
        refuse-pap = true
        user = "alice"
        remotename = "isp"
        name = "bras"
        address = ":10.0.0.2"
        ip-pool = "subscribers"
        ifname = "ppp-u"
        ipv6 = true
        defaultroute = true
        usepeerdns = true
        ms-dns = ["192.0.2.53"]
        [port.c]
        type = "udp"
        local = "127.0.0.1:2"
        noip = true
        noipdefault = true
        """, file: "r.toml")
    let p = c.ports[0]
    #expect(p.requiredMethods == [.eapMD5, .msChapV2] && !p.noauth)
    #expect(!p.accepts(.pap) && p.accepts(.chapMD5))
    #expect(p.user == "alice" && p.remoteName == "isp" && p.localName == "bras")
    #expect(p.network.localAddress == 0 && p.network.remoteAddress == 0x0a00_0002)
    #expect(p.network.pool == "subscribers" && p.network.ifname == "ppp-u")
    #expect(p.network.ipv4 && p.network.ipv6 && p.network.defaultRoute && !p.network.defaultRoute6)
    #expect(p.network.usePeerDNS && p.network.dns == [0xc000_0235])
    let q = c.ports[1]
    #expect(!q.network.ipv4 && q.network.noIPDefault && q.noauth)
}

@Test(arguments: [
    ("[router]\nbogus = 1\n", "r.toml:2: unknown key"),
    ("[router]\nseccomp = \"off\"\n", "r.toml:2:"),
    ("[port.p]\ntype = \"serial\"\n", "r.toml:2:"),
    ("[port.p]\ntype = \"tty\"\n", "r.toml:1:"),
    ("[port.t]\ntype = \"tcp\"\n", "needs exactly one of 'listen' or 'connect'"),
    ("[daemons.sshd]\nuid = 5\n", "unknown daemon 'sshd'"),
    ("[port.s]\ntype = \"tty\"\ndevice = \"/dev/x\"\nspeed = 12345\n", "not a termios speed"),
    ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nasyncmap = \"xyz\"\n", "8 hex digits"),
    ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nmru = 64\n", "r.toml:4:"),
    ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nrequire-pap = true\nnoauth = true\n", "contradicts"),
    ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nlcp-echo-intervall = 1\n", "unknown key"),
    ("[daemons.authd]\nuid = 0\n", "r.toml:2:"),
    ("[supervisor]\nrestart-burst = 0\n", "r.toml:2:"),
    ("x = \n", "r.toml:1:"),
    ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\naddress = \"10.0.0.1\"\n", "\"local:remote\""),
    ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\naddress = \"10.0.0.1:10.0.0.256\"\n", "not an IPv4 address"),
    ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nms-dns = [\"1.1.1.1\", \"8.8.8.8\", \"9.9.9.9\"]\n", "at most two"),
    ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nifname = \"a/b\"\n", "interface name"),
    ("[port.u]\ntype = \"udp\"\nlocal = \"a:1\"\nrequire-eap = true\nnoauth = true\n", "contradicts"),
    ("[nonsense]\n", "r.toml:1: unknown key"),
])
func badConfigNamesFileAndLine(_ text: String, _ expected: String) {
    do {
        _ = try RouterConfig.parse(text, file: "r.toml")
        Issue.record("accepted: \(text)")
    } catch {
        #expect(error.description.contains(expected), "\(error.description)")
    }
}

@Test func portSettingsRoundTrip() throws {
    var p = PortSettings(name: "ser", kind: .tty)
    p.device = "/dev/ttyS1"; p.speed = 57600; p.crtscts = true; p.localLine = false
    p.mru = 1492; p.asyncMap = 0x000a_0000; p.echoInterval = 5; p.echoFailure = 3
    p.lcpRestart = 2; p.lcpMaxConfigure = 7; p.noauth = false; p.requirePAP = true; p.requireCHAP = true
    p.persist = true; p.holdoff = 4; p.maxfail = 0
    p.requireMSCHAPv2 = true; p.refuseEAP = true; p.user = "alice"; p.remoteName = "isp"; p.localName = "bras"
    p.network.remoteAddress = 0x0a000002; p.network.ipv6 = true; p.network.dns = [0x01010101]
    #expect(try PortSettings.decode(p.encoded()) == p)
    var bytes = p.encoded()
    bytes.append(0)
    #expect(throws: IPCError.self) { try PortSettings.decode(bytes) }
    #expect(throws: IPCError.self) { try PortSettings.decode(Array(p.encoded().dropLast())) }
}
