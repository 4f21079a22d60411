// The pid file and /proc/PID/stat readers pppinit adopts daemons by (issue
// 20 point 2): boundary tables, our own process as /proc shows it, and the
// deposit mirror a daemon re-deposits from.
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import IPC

struct ProcessStartTests {
    static let statLine = "4242 (linkd) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0"

    @Test(arguments: [
        (statLine, UInt8(ascii: "S"), UInt64(987_654)),
        // A command name with spaces and parentheses: fields count from the last ')'.
        ("7 (a) b (c) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0", UInt8(ascii: "Z"), UInt64(55)),
    ])
    func statParses(_ line: String, _ state: UInt8, _ start: UInt64) {
        let parsed = ProcessStart.parseStat(Array(line.utf8)[...])
        #expect(parsed?.state == state)
        #expect(parsed?.startTime == start)
    }

    @Test(arguments: [
        "",                                   // empty
        "4242 linkd S 1",                     // no ')'
        "4242 (linkd) S 1 2 3",               // short: no field 22
        "4242 (linkd) SS 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654", // state of two letters
        "4242 (linkd) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98x654", // not a number
        "4242 (linkd) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 99999999999999999999", // over 64 bits
    ])
    func statRefused(_ line: String) {
        #expect(ProcessStart.parseStat(Array(line.utf8)[...]) == nil)
    }

    @Test(arguments: [
        ("4242 987654\n", ProcessStart(pid: 4242, startTime: 987_654) as ProcessStart?),
        ("4242 987654", ProcessStart(pid: 4242, startTime: 987_654)),
        ("", nil), ("4242", nil), ("4242 ", nil), (" 987654", nil), ("4242 987654 1", nil),
        ("4242  987654", nil), ("4242 987654\n\n", nil), ("0 5", nil), ("2147483648 5", nil),
        ("-1 5", nil), ("4242 18446744073709551616", nil), ("42a 5", nil), ("0042 5", nil), ("42 05", nil),
        ("42 0", ProcessStart(pid: 42, startTime: 0)),
    ])
    func pidFile(_ text: String, _ expected: ProcessStart?) {
        #expect(ProcessStart.parse(fileText: Array(text.utf8)[...]) == expected)
    }

    @Test func pidFileRoundTrip() {
        let p = ProcessStart(pid: Int32.max, startTime: UInt64.max)
        #expect(ProcessStart.parse(fileText: Array(p.fileText.utf8)[...]) == p)
    }

    @Test func ourOwnProcess() throws {
        let me = try #require(ProcessStart.current())
        #expect(me.pid == getpid())
        #expect(me.startTime > 0)
        #expect(ProcessStart.live(pid: getpid()) == me, "the start time does not change")
        #expect(ProcessStart.live(pid: 0) == nil)
        #expect(ProcessStart.live(pid: -1) == nil)
    }

    @Test func mirrorKeepsTheLatestDepositInOrder() throws {
        var m = DepositMirror()
        let a = try Socket.seqpacketPair(), b = try Socket.seqpacketPair()
        let ok1 = m.deposit(key: "port", record: [1], descriptors: [a.first.raw]); #expect(ok1)
        let ok2 = m.deposit(key: "s1", record: [2], descriptors: [b.first.raw, b.second.raw]); #expect(ok2)
        let ok3 = m.deposit(key: "port", record: [3], descriptors: [a.first.raw]); #expect(ok3)  // replaces, moves to the end
        let ok4 = m.deposit(key: "s2", record: [4], descriptors: []); #expect(ok4)
        m.withdraw(key: "s2")
        let (live, stale) = m.live()
        #expect(live.map(\.key) == ["s1", "port"])
        #expect(live.map(\.record) == [[2], [3]])
        #expect(stale.isEmpty)
        let bad = m.deposit(key: "bad", record: [], descriptors: [-1]); #expect(!bad, "not open")
        #expect(m.count == 2)
    }

    /// Issue 13, point 5: a record built by appending keeps its spare room
    /// for the session's life unless the mirror keeps its own copy.
    @Test func mirrorKeepsARecordWithoutItsSpareRoom() {
        var m = DepositMirror()
        var record: [UInt8] = []
        record.reserveCapacity(1024)
        for i in 0..<300 { record.append(UInt8(truncatingIfNeeded: i)) }
        let small: [UInt8] = [1, 2, 3]
        _ = m.deposit(key: "s1", record: record, descriptors: [])
        _ = m.deposit(key: "s2", record: small, descriptors: [])
        let (live, _) = m.live()
        #expect(live.map(\.record) == [record, small])
        #expect(live[0].record.capacity < 400, "capacity \(live[0].record.capacity) for 300 octets")
    }

    @Test func mirrorDropsADescriptorClosedAndReused() throws {
        var m = DepositMirror()
        var raw: Int32 = -1
        do {
            let p = try Socket.seqpacketPair()
            raw = p.first.raw
            let ok5 = m.deposit(key: "s1", record: [], descriptors: [raw]); #expect(ok5)
        }
        // The pair closed; the number now names something else, or nothing.
        let q = try Socket.seqpacketPair()
        _ = q.first.raw
        let (live, stale) = m.live()
        #expect(live.isEmpty)
        #expect(stale == ["s1"])
    }
}
