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
        // This machine's hard limit: the fd store's 3 per session decides.
        let b = DescriptorBudget(limit: 20_000)
        #expect(b.storeCapacity == (20_000 - 256) / 3 && b.storeCapacity == 6581)
        #expect(b.ncpdCapacity == 9872 && b.linkdCapacity == 19_744 && b.capacity == 6581)
        #expect(DescriptorBudget(limit: 100).capacity == 0)
        #expect(DescriptorBudget(limit: 256).capacity == 0)
        #expect(DescriptorBudget(limit: 259).capacity == 1)
    }

    @Test func fitsUnchanged() {
        var ports = [Self.ac("a", 6580), Self.serial("s")]
        #expect(DescriptorBudget(limit: 20_000).fit(&ports) == .fits)
        #expect(ports[0].pppoe.maxSessions == 6580)
    }

    @Test func oneOverIsLowered() {
        var ports = [Self.ac("a", 6581), Self.serial("s")]
        #expect(DescriptorBudget(limit: 20_000).fit(&ports) == .lowered(["a": (6581, 6580)]))
        #expect(ports[0].pppoe.maxSessions == 6580 && ports[1].pppoe.maxSessions == 8000)
    }

    @Test func theDefaultIsLoweredOnThisMachine() {
        var ports = [Self.ac("a", 8000)]
        #expect(DescriptorBudget(limit: 20_000).fit(&ports) == .lowered(["a": (8000, 6581)]))
    }

    @Test func severalACsShareInProportion() {
        var ports = [Self.ac("a", 3000), Self.ac("b", 1000), Self.ac("c", 1)]
        // 600 - 256 = 344 → 114 sessions.
        let v = DescriptorBudget(limit: 600).fit(&ports)
        #expect(ports.map(\.pppoe.maxSessions).reduce(0, +) <= 114)
        #expect(ports.map(\.pppoe.maxSessions) == [85, 28, 1])
        #expect(v == .lowered(["a": (3000, 85), "b": (1000, 28)]))
    }

    @Test func manySmallACsNeverOvershoot() {
        var ports = (0..<5).map { Self.ac("p\($0)", 2) }
        // 264 → 2 sessions for 5 ports: refused; 271 → 5: one each.
        #expect(DescriptorBudget(limit: 264).fit(&ports) == .refused)
        #expect(DescriptorBudget(limit: 271).fit(&ports) != .fits)
        #expect(ports.allSatisfy { $0.pppoe.maxSessions == 1 })
    }

    @Test func refusedWhenNotOneSessionPerPort() {
        var ports = [Self.ac("a", 10), Self.serial("s"), Self.serial("t")]
        #expect(DescriptorBudget(limit: 264).fit(&ports) == .refused)
        #expect(ports[0].pppoe.maxSessions == 10)
        var none: [PortSettings] = []
        #expect(DescriptorBudget(limit: 0).fit(&none) == .refused)
    }
}
