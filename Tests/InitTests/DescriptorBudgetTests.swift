// The fd budget (DescriptorBudget.swift, issue 13): the per-process
// arithmetic, and how ACs asking for more than fits are lowered — at the
// boundaries (exactly fits, one over, not one session per port).
import IPC
import Testing
@testable import pppinit

@Suite struct DescriptorBudgetTests {
    static func ac(_ name: String, _ max: UInt32) -> PortSettings {
        var p = PortSettings(name: name, kind: .pppoe)
        p.pppoe.role = .ac
        p.pppoe.maxSessions = max
        return p
    }

    static func serial(_ name: String) -> PortSettings { PortSettings(name: name, kind: .tty) }

    @Test func arithmeticPerProcess() {
        // This machine's hard limit: an AC session costs its TUN unit in
        // the fd store and in ncpd (issue 13 point 1: the mux), linkd none.
        let b = DescriptorBudget(limit: 20_000)
        #expect(b.storeCapacity == 20_000 - 256 && b.storeCapacity == 19_744)
        #expect(b.ncpdCapacity == 19_744 && b.capacity == 19_744)
        // One AC: its mux costs the store 2; a serial port's session 3.
        #expect(DescriptorBudget.fixedCost([Self.ac("a", 1)]) == 2)
        #expect(DescriptorBudget.fixedCost([Self.ac("a", 1), Self.serial("s")]) == 5)
        #expect(DescriptorBudget(limit: 100).capacity == 0)
        #expect(DescriptorBudget(limit: 256).capacity == 0)
        #expect(DescriptorBudget(limit: 257).capacity == 1)
    }

    /// Issue 13: ncpd's TUN stock (TunStock.size, plus the one a refused
    /// TUNSETIFF gives back) is not per session: it is charged to the
    /// headroom, with room to spare for the rest the headroom covers.
    @Test func theTunStockFitsTheHeadroom() {
        #expect(TunStock.size + 1 <= DescriptorBudget.headroom / 8)
        #expect(TunStock.batch <= TunStock.size)
    }

    @Test func fitsUnchanged() {
        var ports = [Self.ac("a", 19_739), Self.serial("s")]
        #expect(DescriptorBudget(limit: 20_000).fit(&ports) == .fits)
        #expect(ports[0].pppoe.maxSessions == 19_739)
    }

    /// A file without ports (authd alone: `pppctl auth test`, reloads of
    /// users) fits; the mux's first budget refused it, and pppinit exited.
    @Test func noPortsFits() {
        var none: [PortSettings] = []
        #expect(DescriptorBudget(limit: 20_000).fit(&none) == .fits)
        #expect(DescriptorBudget(limit: 300).fit(&none) == .fits)
    }

    @Test func oneOverIsLowered() {
        var ports = [Self.ac("a", 19_740), Self.serial("s")]
        #expect(DescriptorBudget(limit: 20_000).fit(&ports) == .lowered(["a": (19_740, 19_739)]))
        #expect(ports[0].pppoe.maxSessions == 19_739 && ports[1].pppoe.maxSessions == 8000)
    }

    /// The default (8000) and issue 13's goal (10,000) fit this machine's
    /// 20,000 now; before the mux 6,581 did.
    @Test func theDefaultAndTenThousandFitOnThisMachine() {
        var ports = [Self.ac("a", 8000)]
        #expect(DescriptorBudget(limit: 20_000).fit(&ports) == .fits)
        var ten = [Self.ac("a", 10_000)]
        #expect(DescriptorBudget(limit: 20_000).fit(&ten) == .fits)
    }

    @Test func severalACsShareInProportion() {
        var ports = [Self.ac("a", 3000), Self.ac("b", 1000), Self.ac("c", 1)]
        // 600 - 256 = 344, less 3 muxes of 2 → 338 sessions.
        let v = DescriptorBudget(limit: 600).fit(&ports)
        #expect(ports.map(\.pppoe.maxSessions).reduce(0, +) <= 338)
        #expect(ports.map(\.pppoe.maxSessions) == [253, 84, 1])
        #expect(v == .lowered(["a": (3000, 253), "b": (1000, 84)]))
    }

    @Test func manySmallACsNeverOvershoot() {
        var ports = (0..<5).map { Self.ac("p\($0)", 2) }
        // 264 → 8, less 5 muxes: refused; 271 → 15 - 10 = 5: one each.
        #expect(DescriptorBudget(limit: 264).fit(&ports) == .refused)
        #expect(DescriptorBudget(limit: 271).fit(&ports) != .fits)
        #expect(ports.allSatisfy { $0.pppoe.maxSessions == 1 })
    }

    @Test func refusedWhenNotOneSessionPerPort() {
        var ports = [Self.ac("a", 10), Self.serial("s"), Self.serial("t")]
        // 264 → 8: the AC's mux (2) and two serial sessions (3 each) leave none.
        #expect(DescriptorBudget(limit: 264).fit(&ports) == .refused)
        #expect(ports[0].pppoe.maxSessions == 10)
        var none: [PortSettings] = []
        #expect(DescriptorBudget(limit: 0).fit(&none) == .refused)
    }

    /// Issue 13: an AC whose sessions bridge rules may send to bridged is
    /// charged 4 store descriptors per session (its channel end and leg,
    /// and the upstream session's), 5 over a TCP upstream (each dial's
    /// connection), 2 when bridged by hand; one without rules stays at 1.
    @Test func bridgingACsAreChargedWhatABridgedSessionCosts() throws {
        let c = try RouterConfig.parse("""
            [port.plain]
            type = "pppoe"
            interface = "eth0"
            role = "ac"
            [port.bras]
            type = "pppoe"
            interface = "eth1"
            role = "ac"
            [port.bras2]
            type = "pppoe"
            interface = "eth2"
            role = "ac"
            [port.hand]
            type = "pppoe"
            interface = "eth3"
            role = "ac"
            bridge = "manual"
            [port.up]
            type = "pppoe"
            interface = "eth9"
            upstream = true
            user = "lac"
            [port.upt]
            type = "tcp"
            connect = "127.0.0.1:5"
            upstream = true
            [[bridge]]
            realm = "far.example"
            port = "bras"
            upstream = "up"
            [[bridge]]
            peer-name = "bob"
            port = "bras2"
            upstream = "upt"
            """, file: "r.toml")
        #expect(DescriptorBudget.bridging(c) == ["bras": 4, "bras2": 5, "hand": 2])
        // A rule for every port (no `port`) takes in the plain AC too.
        let all = try RouterConfig.parse("""
            [port.plain]
            type = "pppoe"
            interface = "eth0"
            role = "ac"
            [port.up]
            type = "pppoe"
            interface = "eth9"
            upstream = true
            user = "lac"
            [[bridge]]
            realm = "far.example"
            upstream = "up"
            """, file: "r.toml")
        #expect(DescriptorBudget.bridging(all) == ["plain": 4])
    }

    /// The arithmetic with a bridging AC: 20,000 - 256 = 19,744, less the
    /// mux (2) and the upstream port's session (3) = 19,739 descriptors,
    /// at 4 each 4,934 sessions (at 1 each it would have been 19,739).
    @Test func aBridgingACIsLoweredToWhatItsDescriptorsAllow() {
        let up = PortSettings(name: "up", kind: .pppoe)
        var ports = [Self.ac("bras", 10_000), up]
        #expect(DescriptorBudget(limit: 20_000).fit(&ports) == .fits)
        #expect(DescriptorBudget(limit: 20_000).fit(&ports, bridged: ["bras": 4]) == .lowered(["bras": (10_000, 4_934)]))
        #expect(ports[0].pppoe.maxSessions == 4_934)
        // Exactly fits, and one over.
        var exact = [Self.ac("bras", 4_934), up]
        #expect(DescriptorBudget(limit: 20_000).fit(&exact, bridged: ["bras": 4]) == .fits)
        var over = [Self.ac("bras", 4_935), up]
        #expect(DescriptorBudget(limit: 20_000).fit(&over, bridged: ["bras": 4]) == .lowered(["bras": (4_935, 4_934)]))
    }

    /// A bridging AC and a plain one share the room by descriptors: each
    /// gets the same fraction of what it asked for.
    @Test func bridgingAndPlainACsShareByDescriptors() {
        var ports = [Self.ac("bras", 1000), Self.ac("plain", 1000)]
        // 600 - 256 - 2 muxes of 2 = 340 descriptors; asked 4,000 + 1,000.
        let v = DescriptorBudget(limit: 600).fit(&ports, bridged: ["bras": 4])
        #expect(ports.map(\.pppoe.maxSessions) == [68, 68])
        #expect(4 * 68 + 68 <= 340)
        #expect(v == .lowered(["bras": (1000, 68), "plain": (1000, 68)]))
        // Not one bridged session fits: 262 - 256 - 2 = 4 < 5 over TCP.
        var one = [Self.ac("bras", 10)]
        #expect(DescriptorBudget(limit: 262).fit(&one, bridged: ["bras": 5]) == .refused)
        #expect(DescriptorBudget(limit: 263).fit(&one, bridged: ["bras": 5]) == .lowered(["bras": (10, 1)]))
    }
}
