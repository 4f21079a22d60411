// AF_PACKET sockets (cshim packet.c, IPC PacketSocket) on a real veth pair in
// a network namespace of our own: binding to one interface and one
// ETHER_TYPE, the MAC and MTU read back, single and batched frames both
// ways, and no descriptor left behind.
import Foundation
import IPC
import Testing

/// A namespace holding one veth pair, removed on deinit.
final class VethNamespace {
    let name: String
    init(a: String, b: String, mtu: Int = 1500) throws {
        name = "ppptest-\(getpid())-\(UInt16.random(in: 0..<UInt16.max))"
        for args in [["netns", "add", name],
                     ["-n", name, "link", "add", a, "mtu", "\(mtu)", "type", "veth", "peer", "name", b, "mtu", "\(mtu)"],
                     ["-n", name, "link", "set", a, "up"], ["-n", name, "link", "set", b, "up"]] {
            let r = try run("/usr/sbin/ip", args)
            if r.status != 0 { throw IPCError.system(call: "ip \(args.joined(separator: " ")): \(r.stderr)", errno: 0) }
        }
    }
    deinit { _ = try? run("/usr/sbin/ip", ["netns", "del", name]) }

    /// Runs `body` with this thread in the namespace (setns), then returns
    /// to ours. Sockets keep the namespace they were made in.
    func inside<T: ~Copyable>(_ body: () throws -> T) throws -> T {
        typealias SetNS = @convention(c) (Int32, Int32) -> Int32
        guard let sym = dlsym(nil, "setns") else {  // RTLD_DEFAULT: setns(2) does not import
            throw IPCError.system(call: "dlsym(setns)", errno: 0)
        }
        let setns = unsafeBitCast(sym, to: SetNS.self)
        let home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let there = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        defer { close(home); close(there) }
        guard home >= 0, there >= 0, setns(there, 0x4000_0000) == 0 else {  // CLONE_NEWNET
            throw IPCError.system(call: "setns(\(name))", errno: errno)
        }
        defer { precondition(setns(home, 0x4000_0000) == 0, "could not return to our network namespace") }
        return try body()
    }
}

func openFDCount() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }

@Suite(.serialized) struct PacketSocketTests {
    @Test(.enabled(if: isRoot)) func framesCrossAVethPair() throws {
        let ns = try VethNamespace(a: "pa", b: "pb", mtu: 1508)
        // Counted after `ip` ran: Foundation's Process keeps descriptors of its own.
        let before = openFDCount()
        do {
            let a = try ns.inside { try PacketSocket.open(interface: "pa", etherType: PacketSocket.discovery) }
            let b = try ns.inside { try PacketSocket.open(interface: "pb", etherType: PacketSocket.discovery) }
            let bSession = try ns.inside { try PacketSocket.open(interface: "pb", etherType: PacketSocket.session) }
            #expect(a.interface.mtu == 1508 && a.interface.index > 0 && a.interface.address != b.interface.address)
            #expect(try ns.inside { try PacketSocket.mtu(of: "pb") } == 1508)

            func frame(to: UInt64, from: UInt64, type: UInt16, fill: UInt8, length: Int = 60) -> [UInt8] {
                var f = [UInt8]()
                for i in 0..<6 { f.append(UInt8(truncatingIfNeeded: to >> UInt64(40 - 8 * i))) }
                for i in 0..<6 { f.append(UInt8(truncatingIfNeeded: from >> UInt64(40 - 8 * i))) }
                f += [UInt8(type >> 8), UInt8(type & 0xff)]
                return f + [UInt8](repeating: fill, count: length - 14)
            }
            func waitReadable(_ fd: Int32) throws -> Bool { try Socket.waitReadable(fd, milliseconds: 2000) }

            // One frame, 0x8863, a to b: arrives whole on b's discovery socket only.
            let one = frame(to: b.interface.address, from: a.interface.address, type: 0x8863, fill: 0x5a, length: 1522)
            #expect(try PacketSocket.send(a.descriptor.raw, one))
            #expect(try waitReadable(b.descriptor.raw))
            var buffer = [UInt8](repeating: 0, count: 2048)
            let n = try PacketSocket.receive(b.descriptor.raw, into: &buffer)
            #expect(n == one.count && Array(buffer.prefix(one.count)) == one)
            #expect(try PacketSocket.receive(bSession.descriptor.raw, into: &buffer) == nil)
            // A frame longer than the buffer is reported as 0 (truncated).
            #expect(try PacketSocket.send(a.descriptor.raw, one))
            #expect(try waitReadable(b.descriptor.raw))
            var small = [UInt8](repeating: 0, count: 100)
            #expect(try PacketSocket.receive(b.descriptor.raw, into: &small) == 0)

            // Forty frames in batches of 32 (sendmmsg), read back the same way.
            var out = PacketBatch(capacity: 32)
            var sent = 0
            for i in 0..<40 {
                if !out.enqueue(frame(to: b.interface.address, from: a.interface.address, type: 0x8863, fill: UInt8(i), length: 60 + i)) {
                    sent += try out.flush(to: a.descriptor.raw)
                    let queued = out.enqueue(frame(to: b.interface.address, from: a.interface.address, type: 0x8863, fill: UInt8(i), length: 60 + i))
                    #expect(queued)
                }
            }
            while out.count > 0 { sent += try out.flush(to: a.descriptor.raw) }
            #expect(sent == 40)
            var inBatch = PacketBatch(capacity: 16)
            var seen: [UInt8] = []
            let deadline = Date().addingTimeInterval(3)
            while seen.count < 40 && Date() < deadline {
                _ = try waitReadable(b.descriptor.raw)
                for i in 0..<(try inBatch.receive(from: b.descriptor.raw)) {
                    let f = inBatch.frame(i)
                    #expect(f.count == 60 + Int(f.last ?? 0))
                    seen.append(f.last ?? 0)
                }
            }
            #expect(seen == (0..<40).map { UInt8($0) })
            print("packet socket: 40 frames in batches of 32/16 over veth, mtu \(a.interface.mtu)")

            #expect(throws: IPCError.self) { try ns.inside { _ = try PacketSocket.open(interface: "nosuch0", etherType: 0x8863) } }
        }
        #expect(openFDCount() == before)
    }
}
