// Issue 13: a unit name the kernel refuses with EBUSY (an earlier unit of
// that name not yet gone) makes a session take another ppp<N>, as often as
// its host allows; a name from the config is not changed, and a session
// whose host gives up ends as before. The dummy unit system plays the
// kernel (NetworkSessionTests.swift); Tests/IntegrationTests/
// UnitNameBusyTests.swift makes the name busy for real.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP
import Testing
@testable import ncpd

@Suite struct UnitNameBusyTests {
    func configurations() -> (IPCPConfiguration, IPCPConfiguration) {
        var server = IPCPConfiguration()
        server.localAddress = 0x0a00_0001; server.remoteAddress = 0x0a00_0002
        var client = IPCPConfiguration()
        client.acceptLocal = true
        return (server, client)
    }

    @Test func aBusyNameIsRetriedUnderTheNumbersTheHostGives() throws {
        let (server, client) = configurations()
        let t = NetworkSessionTests()
        let (ha, sa, hb, sb) = try t.pair({ _ in }, { _ in }, ipcpA: server, ipcpB: client) { a, _ in
            a.dummy.busy = ["ppp0", "ppp4"]
            a.renumbers = [4, 9]
        }
        t.spin(ha, hb) { sa.ipv4Open && sb.ipv4Open }
        #expect(sa.ipv4Open && sb.ipv4Open && !sa.ended)
        #expect(ha.dummy.refusedBusy == ["ppp0", "ppp4"] && ha.busyAttempts == [1, 2])
        #expect(sa.unit?.name == "ppp9" && sa.unitNumber == 9 && sa.interfaceName == "ppp9")
        #expect(ha.dummy.calls.first == "create ppp9 1500", "\(ha.dummy.calls)")
        // The deposited state names the unit the session got.
        #expect(sa.snapshot().unitNumber == 9)
        sa.end(reason: "test"); sb.end(reason: "test")
    }

    @Test func theSessionEndsWhenTheHostGivesUp() throws {
        let (server, client) = configurations()
        let t = NetworkSessionTests()
        let (ha, sa, hb, sb) = try t.pair({ _ in }, { _ in }, ipcpA: server, ipcpB: client) { a, _ in
            a.dummy.busy = ["ppp0", "ppp1"]
            a.renumbers = [1]
        }
        t.spin(ha, hb) { sa.ended }
        #expect(sa.ended && sa.unit == nil && ha.ended == ["t:1"])
        #expect(ha.dummy.refusedBusy == ["ppp0", "ppp1"] && ha.busyAttempts == [1, 2])
        sb.end(reason: "test")
    }

    /// A name from the config (`ifname`) is the operator's: not renumbered.
    @Test func aConfiguredNameIsNotRenumbered() throws {
        let (server, client) = configurations()
        let t = NetworkSessionTests()
        let (ha, sa, hb, sb) = try t.pair({ $0.ifname = "wan0" }, { _ in }, ipcpA: server, ipcpB: client) { a, _ in
            a.dummy.busy = ["wan0"]
            a.renumbers = [5]
        }
        t.spin(ha, hb) { sa.ended }
        #expect(sa.ended && ha.dummy.refusedBusy == ["wan0"] && ha.busyAttempts.isEmpty && ha.renumbers == [5])
        sb.end(reason: "test")
    }

    /// Another error than EBUSY is not a busy name: no retry.
    @Test func otherErrorsAreNotRetried() throws {
        let (server, client) = configurations()
        let t = NetworkSessionTests()
        let (ha, sa, hb, sb) = try t.pair({ _ in }, { _ in }, ipcpA: server, ipcpB: client) { a, _ in
            a.dummy.failWith = EPERM
            a.renumbers = [5]
        }
        t.spin(ha, hb) { sa.ended }
        #expect(sa.ended && ha.busyAttempts.isEmpty && ha.renumbers == [5])
        sb.end(reason: "test")
    }
}
