// pppinit's state record across its re-execution (issue 20): round trip,
// the fixtures (version 1, which the previous release writes and this one
// must still read, and version 2, this release's, with the event sequence
// number), and a boundary table of records the new image refuses with a typed error
// instead of adopting descriptors it cannot account for.
import Foundation
import TestSupport
import Testing
@testable import IPC

@Suite struct InitStateRecordTests {
    static let sample = InitStateRecord(
        generation: 2, control: 5,
        components: [
            .init(name: "authd", pid: 101, link: 7, logPipe: 8, rendezvous: 6, listener: 9, state: "running", want: "up",
                  restarts: 1, earlyCrashes: 0, readyAt: 5_000_000_000, startedAt: 5_000_000_001, lastExit: "exit 0"),
            .init(name: "linkd@udp0", pid: 102, link: 10, logPipe: 11, state: "running", want: "up",
                  executablePath: "/run/ppprouter/upgrade/linkd"),
            .init(name: "bridged", state: "failed", want: "up", restarts: 5, earlyCrashes: 5, lastExit: "exit 1"),
        ],
        entries: [
            .init(component: "linkd@udp0", key: "port", record: [6, 1, 2, 3], descriptors: [12]),
            .init(component: "linkd@udp0", key: "session:1", record: [3, 0xff], descriptors: [13, 14]),
            .init(component: "authd", key: "counters", record: [], descriptors: []),
        ],
        clients: [.init(fd: 15, pid: 4242, uid: 0, gid: 0, admin: true, reader: true),
                  .init(fd: 16, pid: 4243, uid: 1000, gid: 1000, admin: false, reader: true, watchCall: 9)],
        upgrade: .init(client: 15, callID: 3, copies: "/run/ppprouter/upgrade", pending: ["linkd@udp0"],
                       reply: UpgradeReply(outcome: .done, components: [
                           .init(name: "pppinit", running: "build-id:aa", onDisk: "build-id:bb", result: .upgraded),
                           .init(name: "linkd@udp0", running: "build-id:cc", onDisk: "build-id:dd", result: .changes),
                       ])))

    /// Version 2: the last event's sequence number, carried so that
    /// `pppctl watch` numbers on across an upgrade.
    static let sampleV2 = { var r = sample; r.eventSeq = 4711; return r }()

    @Test func roundTrip() throws {
        let bytes = Self.sampleV2.encoded()
        #expect(bytes[0] == InitStateRecord.version)
        #expect(try InitStateRecord.decode(bytes) == Self.sampleV2)
        #expect(try InitStateRecord.decode(Self.sample.encoded()) == Self.sample)
        #expect(Self.sample.descriptors.sorted() == [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
        let bare = InitStateRecord(generation: 0, control: 3, components: [], entries: [], clients: [], upgrade: nil)
        #expect(try InitStateRecord.decode(bare.encoded()) == bare)
    }

    /// Version 1, the previous release's bytes: read when an upgrade from
    /// that release executes this pppinit. It has no event sequence
    /// number, so events number from 1 again, as they did.
    @Test func recordOfThePreviousRelease() throws {
        let fixture = try recordFixture("pppinit-state")
        #expect(fixture[0] == 1)
        #expect(try InitStateRecord.decode(fixture) == Self.sample)
    }

    /// This release's bytes (version 2): the next release's pppinit reads
    /// them when it is the image an upgrade from this one executes.
    @Test func recordOfThisRelease() throws {
        let fixture = try recordFixture("pppinit-state-v2")
        #expect(Self.sampleV2.encoded() == fixture)
        #expect(try InitStateRecord.decode(fixture) == Self.sampleV2)
    }

    static func mutated(_ change: (inout InitStateRecord) -> Void) -> [UInt8] {
        var r = sampleV2
        change(&r)
        return r.encoded()
    }

    static let refusals: [(String, [UInt8])] = {
        let good = sampleV2.encoded()
        return [
            ("empty", []),
            ("version only", [InitStateRecord.version]),
            ("another version", [InitStateRecord.version + 1] + good.dropFirst()),
            ("version 0", [0] + good.dropFirst()),
            ("truncated by one", Array(good.dropLast())),
            ("truncated in half", Array(good.prefix(good.count / 2))),
            ("trailing octet", good + [0]),
            ("control on stdin", mutated { $0.control = 0 }),
            ("control negative", mutated { $0.control = -1 }),
            ("link on stderr", mutated { $0.components[0].link = 2 }),
            ("pid zero", mutated { $0.components[0].pid = 0 }),
            ("pid negative", mutated { $0.components[0].pid = -5 }),
            ("empty component name", mutated { $0.components[0].name = "" }),
            ("empty state", mutated { $0.components[0].state = "" }),
            ("empty executable path", mutated { $0.components[1].executablePath = "" }),
            ("descriptor named twice", mutated { $0.entries[0].descriptors = [7] }),
            ("client is the control socket", mutated { $0.clients[0].fd = 5 }),
            ("caller not a client", mutated { $0.upgrade?.client = 99 }),
            ("empty copies directory", mutated { $0.upgrade?.copies = "" }),
            ("empty pending name", mutated { $0.upgrade?.pending = [""] }),
            ("too many descriptors in an entry", mutated { $0.entries[0].descriptors = (0..<254).map { 100 + $0 } }),
            ("too many components", Array(good.prefix(17)) + [0x00, 0x00, 0x10, 0x01]),
            // Version 1's layout: no 8 octets of sequence number after the generation.
            ("version 2 without its sequence number", [2] + Array(good[1..<5]) + Array(good[13...])),
            ("version 1 with a sequence number", [1] + good.dropFirst()),
            ("too many entries", countPatched(good, at: entriesCountOffset(good), to: UInt32(InitStateRecord.maxEntries + 1))),
            ("boolean octet 2", booleanPatched(good)),
        ]
    }()

    /// The entries count sits after the components; find it by encoding the
    /// prefix that precedes it.
    static func entriesCountOffset(_ good: [UInt8]) -> Int {
        let noEntries = mutated { $0.entries = []; $0.clients = []; $0.upgrade = nil }
        return noEntries.count - 4 - 4 - 1
    }

    static func countPatched(_ b: [UInt8], at i: Int, to n: UInt32) -> [UInt8] {
        var b = b
        b[i] = UInt8(n >> 24); b[i + 1] = UInt8(n >> 16 & 0xff); b[i + 2] = UInt8(n >> 8 & 0xff); b[i + 3] = UInt8(n & 0xff)
        return b
    }

    /// The first component's "has a pid" flag (after version, generation,
    /// event sequence number, control, count, and the name) set to 2.
    static func booleanPatched(_ b: [UInt8]) -> [UInt8] {
        var b = b
        b[1 + 4 + 8 + 4 + 4 + 2 + 5] = 2
        return b
    }

    @Test(arguments: refusals.indices)
    func refusedWithATypedError(_ i: Int) {
        let (what, bytes) = Self.refusals[i]
        do {
            let r = try InitStateRecord.decode(bytes)
            Issue.record("\(what): accepted as \(r)")
        } catch {
            // Typed: IPCError, never a crash.
            if case .invalid = error {} else { Issue.record("\(what): \(error)") }
        }
    }

    @Test func upgradeReplyRoundTripAndRefusals() throws {
        let reply = Self.sample.upgrade!.reply
        #expect(try UpgradeReply(json: reply.json) == reply)
        let failed = UpgradeReply(outcome: .failed, reason: "linkd@a did not come up", components: [])
        #expect(try UpgradeReply(json: try JSON.parse(failed.json.encoded())) == failed)
        for bad: JSON in [[:], ["outcome": "done"], ["outcome": "maybe", "components": []],
                          ["outcome": "done", "components": [["name": "x"]]],
                          ["outcome": "done", "components": [], "extra": 1],
                          ["outcome": "done", "components": [], "reason": 5],
                          ["outcome": "done", "components": [["name": "", "running": "", "on_disk": "", "result": "upgraded"]]],
                          ["outcome": "done", "components": [["name": "a", "running": "", "on_disk": "", "result": "later"]]]] {
            #expect(throws: MethodError.self, "\(bad.encoded())") { try UpgradeReply(json: bad) }
        }
        #expect(try UpgradeArguments(json: [:]) == UpgradeArguments(check: false))
        #expect(try UpgradeArguments(json: ["check": true]) == UpgradeArguments(check: true))
        for bad: JSON in [["check": 1], ["force": true], ["x"]] {
            #expect(throws: MethodError.self, "\(bad.encoded())") { try UpgradeArguments(json: bad) }
        }
    }
}
