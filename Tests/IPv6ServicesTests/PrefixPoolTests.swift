// Delegated-prefix pools: carving, lowest free first, pins, exhaustion,
// freeing, and reservation after a restart.
import Testing
@testable import IPv6Services

@Suite struct PrefixPoolTests {
    @Test func carvesAllocatesAndRunsOut() throws {
        var pool = try #require(PrefixPool(name: "pd", aggregate: p("2001:db8:100::/54"), prefixLength: 56))
        #expect(pool.size == 4 && pool.available == 4)
        #expect(try pool.allocate(to: "s1") == p("2001:db8:100::/56"))
        #expect(try pool.allocate(to: "s2") == p("2001:db8:100:100::/56"))
        #expect(try pool.allocate(to: "s3") == p("2001:db8:100:200::/56"))
        #expect(try pool.allocate(to: "s4") == p("2001:db8:100:300::/56"))
        #expect(throws: PrefixPool.Refusal.exhausted) { try pool.allocate(to: "s5") }
        pool.free(p("2001:db8:100:100::/56"))
        #expect(pool.owner(of: p("2001:db8:100:100::/56")) == nil && pool.owner(of: p("2001:db8:100::/56")) == "s1")
        #expect(try pool.allocate(to: "s5") == p("2001:db8:100:100::/56"))
        #expect(pool.inUse == 4 && pool.available == 0)
    }

    @Test func pinsAreKeptForTheirUser() throws {
        var pool = try #require(PrefixPool(name: "pd", aggregate: p("2001:db8:100::/55"), prefixLength: 56))
        let ok1 = pool.pin(p("2001:db8:100::/56"), to: "alice")
        #expect(ok1)
        let ok2 = pool.pin(p("2001:db8:100::/56"), to: "bob")
        #expect(!ok2)
        let ok3 = pool.pin(p("2001:db8:200::/56"), to: "bob")
        #expect(!ok3)  // not in the pool
        #expect(pool.available == 1)
        #expect(try pool.allocate(to: "s1", user: "bob") == p("2001:db8:100:100::/56"))
        #expect(throws: PrefixPool.Refusal.exhausted) { try pool.allocate(to: "s2", user: "carol") }
        #expect(try pool.allocate(to: "s3", user: "alice") == p("2001:db8:100::/56"))
    }

    @Test func reserveAfterRestart() throws {
        var pool = try #require(PrefixPool(name: "pd", aggregate: p("2001:db8:100::/40"), prefixLength: 56))
        let ok4 = pool.reserve(p("2001:db8:1ff:ff00::/56"), for: "s1")
        #expect(ok4)
        let ok5 = pool.reserve(p("2001:db8:1ff:ff00::/56"), for: "s1")
        #expect(ok5)   // the same owner again
        let ok6 = pool.reserve(p("2001:db8:1ff:ff00::/56"), for: "s2")
        #expect(!ok6)
        let ok7 = pool.reserve(p("2001:db8:1ff:ff00::/64"), for: "s2")
        #expect(!ok7)  // wrong length
        let ok8 = pool.reserve(p("2001:db9::/56"), for: "s2")
        #expect(!ok8)
        #expect(pool.inUse == 1 && pool.size == 65536)
    }

    @Test func sizesAreBounded() {
        #expect(PrefixPool(name: "x", aggregate: p("2001:db8::/32"), prefixLength: 56)?.size == 1 << 24)
        #expect(PrefixPool(name: "x", aggregate: p("2001:db8::/32"), prefixLength: 64) == nil)
        #expect(PrefixPool(name: "x", aggregate: p("2001:db8::/56"), prefixLength: 56) == nil)
        #expect(PrefixPool(name: "x", aggregate: p("2001:db8::/56"), prefixLength: 48) == nil)
    }
}
