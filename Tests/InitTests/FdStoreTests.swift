// The fd store: deposits per component and key, replacement closes the old
// descriptors, withdrawal, the per-component bound, and removeAll.
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import pppinit
import IPC

func socketDescriptors(_ n: Int) throws -> [SharedDescriptor] {
    var out: [SharedDescriptor] = []
    for _ in 0..<n { out.append(SharedDescriptor(try Socket.datagram())) }
    return out
}

@Test func depositsAreKeptPerComponentInOrder() throws {
    let store = FdStore()
    #expect(store.deposit("linkd@a", key: "s1", record: [1], descriptors: try socketDescriptors(1)))
    #expect(store.deposit("linkd@a", key: "s2", record: [2], descriptors: try socketDescriptors(2)))
    #expect(store.deposit("ncpd", key: "s1", record: [3], descriptors: try socketDescriptors(1)))
    #expect(store.list("linkd@a").map(\.key) == ["s1", "s2"])
    #expect(store.list("ncpd").map(\.entry.record) == [[3]])
    #expect(store.descriptorCount == 4)
}

@Test func replacingAKeyClosesTheOldDescriptors() throws {
    let store = FdStore()
    let old = try socketDescriptors(1)
    let raw = old[0].raw
    #expect(store.deposit("authd", key: "k", record: [1], descriptors: old))
    #expect(fcntl(raw, F_GETFD) >= 0)
    _ = consume old
    #expect(store.deposit("authd", key: "k", record: [2], descriptors: try socketDescriptors(1)))
    #expect(store.list("authd").map(\.entry.record) == [[2]])
    #expect(store.descriptorCount == 1)
    #expect(fcntl(raw, F_GETFD) < 0 || store.list("authd")[0].entry.descriptors[0].raw == raw)
}

@Test func withdrawAndRemoveAll() throws {
    let store = FdStore()
    _ = store.deposit("bridged", key: "pair1", record: [], descriptors: try socketDescriptors(2))
    #expect(!store.withdraw("bridged", key: "nope"))
    #expect(store.withdraw("bridged", key: "pair1"))
    #expect(store.count("bridged") == 0)
    _ = store.deposit("bridged", key: "pair2", record: [], descriptors: try socketDescriptors(2))
    store.removeAll()
    #expect(store.descriptorCount == 0)
    #expect(store.list("bridged").isEmpty)
}

@Test func perComponentBoundIsEnforced() throws {
    let store = FdStore(maxDescriptorsPerComponent: 3)
    #expect(store.deposit("ncpd", key: "a", record: [], descriptors: try socketDescriptors(2)))
    #expect(!store.deposit("ncpd", key: "b", record: [], descriptors: try socketDescriptors(2)))
    #expect(store.deposit("linkd@x", key: "b", record: [], descriptors: try socketDescriptors(2)))
}

@Test func replacingMovesAnEntryToTheEndAndThousandsStayCheap() throws {
    let store = FdStore()
    #expect(store.deposit("ncpd", key: "s1", record: [1], descriptors: []))
    #expect(store.deposit("ncpd", key: "s2", record: [2], descriptors: []))
    #expect(store.deposit("ncpd", key: "s1", record: [3], descriptors: []))
    #expect(store.list("ncpd").map(\.key) == ["s2", "s1"])
    // ncpd deposits and withdraws per session: thousands in any order.
    for i in 0..<5000 { _ = store.deposit("ncpd", key: "k\(i)", record: [], descriptors: []) }
    for i in stride(from: 4999, through: 0, by: -1) { #expect(store.withdraw("ncpd", key: "k\(i)")) }
    #expect(store.count("ncpd") == 2 && store.descriptorCount == 0)
}
