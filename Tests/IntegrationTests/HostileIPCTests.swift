// Integration: a hostile local user against the real pppinit (issue 15,
// points 1–4 and 8). The attacker is scripts/hostile-ipc.py run as uid
// 65534 through setpriv; pppinit and pppctl are the real executables. Each
// test ends by checking that root's pppctl still gets an answer and that
// pppinit's log stayed small.
import Foundation
import IPC
import Testing

let nobody: UInt32 = 65534
let hasPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

/// The attacker's script, passed with -c so uid 65534 needs no access to the tree.
let hostileScript = (try? String(contentsOfFile: packageRoot + "/scripts/hostile-ipc.py", encoding: .utf8)) ?? ""

func hostileArguments(_ args: [String]) -> [String] {
    ["--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups", "/usr/bin/python3", "-c", hostileScript] + args
}

/// Runs one attack to its end as uid 65534.
func attack(_ args: [String], timeout: Double = 120) throws -> CommandResult {
    try run("/usr/bin/setpriv", hostileArguments(args), timeout: timeout)
}

/// An attack that keeps running (holding what it opened) until stopped.
final class Attacker {
    let process = Process()
    let outPath = "/tmp/ppprouter-hostile-\(getpid())-\(UInt32.random(in: 0..<UInt32.max)).out"
    init(_ args: [String]) throws {
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = hostileArguments(args)
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle.nullDevice
        try process.run()
    }
    var output: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    /// Waits (bounded) for a line starting with `word`; returns its words.
    func line(_ word: String, seconds: Double = 120) -> [String]? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let l = output.split(separator: "\n").first(where: { $0.hasPrefix(word) }) {
                return l.split(separator: " ").map(String.init)
            }
            if !process.isRunning && !output.contains(word) { return nil }
            usleep(50_000)
        }
        return nil
    }
    func stop() {
        // SIGKILL: the child may inherit a mask that blocks SIGTERM.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: outPath)
    }
}

@Suite(.serialized, .enabled(if: isRoot && hasPython, "needs root (setpriv to uid 65534) and /usr/bin/python3"))
struct HostileIPCTests {
    func router(extra: String = "") throws -> (RouterUnderTest, TempConfig) {
        let port = UInt16.random(in: 20_000...40_000)
        let cfg = try TempConfig("""
            [router]
            seccomp = "kill"
            \(extra)
            [port.udp0]
            type = "udp"
            local = "127.0.0.1:\(port)"
            remote = "127.0.0.1:\(port + 1)"
            """)
        let r = try RouterUnderTest(config: cfg.path)
        _ = try r.allRunning()
        return (r, cfg)
    }

    var control: (RouterUnderTest) -> String { { $0.runtimeDir + "/control" } }

    /// Root's pppctl answers, with every component listed.
    func rootGetsIn(_ r: RouterUnderTest, _ context: String) {
        let c = try? r.ctl(["--json", "components"])
        #expect(c?.status == 0, "root locked out \(context): \(c?.stderr ?? "no result")\n\(r.log.suffix(2000))")
        #expect((try? JSON.parse(c?.stdout ?? ""))?["data"]?.array?.count == 4)  // authd, ncpd, bridged, linkd@udp0
    }

    func lines(_ r: RouterUnderTest, _ needle: String) -> Int {
        r.log.split(separator: "\n").filter { $0.contains(needle) }.count
    }

    @Test func nonSocketDescriptorsAreRefused() throws {
        let (r, cfg) = try router()
        defer { r.stop(); cfg.remove() }
        for kind in ["pipe", "eventfd", "udp"] {
            let a = try attack(["nonsocket", kind, control(r)])
            #expect(a.status == 0 && a.stdout.contains("sent \(kind)"), "\(a.stderr)")
        }
        rootGetsIn(r, "after non-socket conversations")
        // Each refusal logged once at most (the first, then summaries); no spin.
        let refused = lines(r, "not an AF_UNIX SEQPACKET socket")
        #expect(refused >= 1 && refused <= 3, "\(r.log.suffix(3000))")
        #expect(r.log.utf8.count < 100_000, "log grew to \(r.log.utf8.count) bytes")
        #expect(try r.components()["udp0"] == nil)
        print("hostile: pipe, eventfd, UDP socket as conversations: refused; \(refused) log lines, log \(r.log.utf8.count) bytes")
    }

    @Test func oneUIDHoldingConversationsLeavesRoomForRoot() throws {
        let (r, cfg) = try router()
        defer { r.stop(); cfg.remove() }
        let attacker = try Attacker(["hold", "100", control(r), "60"])
        defer { attacker.stop() }
        let words = try #require(attacker.line("admitted"), "attacker output: \(attacker.output)")
        // "admitted A refused R silent S": its share and nothing more; the
        // rest got BUSY, or a hang-up that raced ahead of the BUSY reply.
        let admitted = Int(words[1]) ?? -1, refused = (Int(words[3]) ?? 0) + (Int(words[5]) ?? 0)
        #expect(admitted == 8, "\(words)")
        rootGetsIn(r, "while uid 65534 holds \(admitted) conversations")
        // The attacker's own uid is told why, not just hung up on.
        let own = try r.ctl(["components"], asUser: nobody)
        #expect(own.status != 0 && own.stderr.contains("already holds 8 control conversations"), "\(own.stderr)")
        // Another unprivileged uid is not locked out by the first either.
        let other = try r.ctl(["components"], asUser: 65533)
        #expect(other.status == 0, "\(other.stderr)")
        attacker.stop()
        rootGetsIn(r, "after the attacker exited")
        print("hostile: 100 conversations from uid 65534: \(admitted) admitted, \(refused) refused; root and uid 65533 got in")
    }

    @Test func udpSocketsAsConversationsDoNotHoldSlots() throws {
        let (r, cfg) = try router()
        defer { r.stop(); cfg.remove() }
        let a = try attack(["udp", "64", control(r)])
        #expect(a.status == 0 && a.stdout.contains("sent 64"), "\(a.stderr)")
        rootGetsIn(r, "after 64 UDP sockets were passed and the sender exited")
        // Non-root uids too: no slot was taken.
        let other = try r.ctl(["components"], asUser: nobody)
        #expect(other.status == 0, "\(other.stderr)")
    }

    @Test func aClientThatNeverReadsIsClosed() throws {
        let (r, cfg) = try router()
        defer { r.stop(); cfg.remove() }
        let a = try attack(["flood", control(r)], timeout: 300)
        let words = a.stdout.split(separator: " ").map(String.init)
        #expect(words.count == 3 && words[2].hasPrefix("closed"), "flood: \(a.stdout) \(a.stderr)")
        // pppinit logs the close after it closed the socket, so the attacker
        // can see the hang-up before the line is written: wait for it (bounded).
        for _ in 0..<100 where lines(r, "bytes of replies unread") == 0 { usleep(50_000) }
        #expect(lines(r, "bytes of replies unread") == 1, "\(r.log.suffix(2000))")
        rootGetsIn(r, "after the flood")
        print("hostile: a client that never reads sent \(words.count > 1 ? words[1] : "?") calls before pppinit closed it")
    }

    @Test func junkDatagramsMakeABoundedLog() throws {
        let (r, cfg) = try router()
        defer { r.stop(); cfg.remove() }
        let before = r.log.utf8.count
        let started = Date()
        for path in [control(r), r.runtimeDir + "/ncpd"] {
            let a = try attack(["junk", "10000", path], timeout: 300)
            #expect(a.status == 0 && a.stdout.contains("sent 10000"), "\(path): \(a.stderr)")
        }
        // pppinit takes datagrams in order: root's open is read after the junk.
        rootGetsIn(r, "after 20,000 junk datagrams")
        var dropped: Int64 = 0
        let deadline = Date().addingTimeInterval(60)
        while dropped < 10_000 && Date() < deadline {
            let s = try r.ctl(["call", "ncpd", "status"])
            dropped = (try? JSON.parse(s.stdout))?["rendezvous_dropped"]?.int ?? 0
            if dropped < 10_000 { usleep(100_000) }
        }
        #expect(dropped == 10_000, "ncpd counted \(dropped) of 10,000")
        let elapsed = Date().timeIntervalSince(started)
        // The first of each kind, then at most one summary per 10 s per
        // source: bounded by the flood's own duration, not by a clock.
        let allowed = 2 * (2 + Int(elapsed / 10))
        let junkLines = lines(r, "control: dropped") + lines(r, "rendezvous: dropped")
        #expect(junkLines <= allowed, "\(junkLines) lines for 20,000 junk datagrams:\n\(r.log.suffix(3000))")
        let grown = r.log.utf8.count - before
        print("hostile: 20,000 junk datagrams in \(Int(elapsed)) s: \(junkLines) log lines, log grew \(grown) bytes")
    }

    @Test func anIdleConversationIsClosed() throws {
        let (r, cfg) = try router(extra: "control-idle-timeout = 2")
        defer { r.stop(); cfg.remove() }
        let a = try attack(["idle", control(r)], timeout: 320)
        #expect(a.stdout.hasPrefix("closed"), "idle conversation: \(a.stdout) \(a.stderr)")
        #expect(lines(r, "idle 2 s") == 1, "\(r.log.suffix(2000))")
        rootGetsIn(r, "after the idle conversation")
    }

    @Test func readGroupRestrictsReads() throws {
        let (r, cfg) = try router(extra: "read-group = 4242")
        defer { r.stop(); cfg.remove() }
        let denied = try r.ctl(["components"], asUser: nobody)
        #expect(denied.status != 0)
        #expect(denied.stderr.contains("read group"), "\(denied.stderr)")
        let call = try r.ctl(["call", "ncpd", "status"], asUser: nobody)
        #expect(call.status != 0)
        let member = try run("/usr/bin/setpriv", ["--reuid=\(nobody)", "--regid=4242", "--clear-groups",
                                                   binDir + "/pppctl", "--runtime-dir", r.runtimeDir, "components"])
        #expect(member.status == 0, "\(member.stderr)")
        rootGetsIn(r, "with a read group")
    }
}
