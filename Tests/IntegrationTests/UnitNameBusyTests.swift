// Issue 13: a TUN name ncpd picks for a session may still belong to an
// interface on its way out (an ended session's unit while pppinit still
// holds a copy of its descriptor, or a previous ncpd's). TUNSETIFF then
// says EBUSY, and the session used to end ("cannot create unit ppp0").
// Here the test holds ppp0 and ppp1 itself in the router's namespace (a
// TUN attached to our descriptor is what the kernel calls busy), and two
// PPPoE subscribers must still come up, on other units, with the two busy
// names counted in ncpd's status.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import IPC
import Testing

/// A TUN named `name` in namespace `netns`, attached to the descriptor
/// returned (closing it deletes the interface).
func holdTun(_ name: String, in netns: String) throws -> Int32 {
    try insideNamespace(netns) {
        // The TUN's namespace is the one it is opened in.
        let fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw TestFailure("open /dev/net/tun: errno \(errno)") }
        var ifreq = [UInt8](repeating: 0, count: 40)
        for (i, b) in name.utf8.enumerated() { ifreq[i] = b }
        ifreq[16] = 0x01; ifreq[17] = 0x10  // IFF_TUN | IFF_NO_PI
        let rc = ifreq.withUnsafeMutableBytes { ioctl(fd, 0x4004_54ca, $0.baseAddress!) }
        guard rc == 0 else { let e = errno; close(fd); throw TestFailure("TUNSETIFF \(name): errno \(e)") }
        return fd
    }
}

@Suite(.serialized) struct UnitNameBusyTests {
    @Test(.enabled(if: isRoot)) func busyUnitNamesAreSkippedNotFatal() throws {
        let n = 2
        let net = try VethPair("bras0", "cpe0")
        let path = writeConfig(swarmConfig(sessions: n))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let held = try ["ppp0", "ppp1"].map { try holdTun($0, in: net.left.name) }
        defer { held.forEach { _ = close($0) } }
        let ac = try RouterUnderTest(config: path, netns: net.left.name)
        defer { ac.stop() }
        let swarm = try PPPoESwarm.onCPE(net, count: n)
        try swarm.run(seconds: 30, rate: 100, window: n) { $0.count(.up) + $0.count(.ended) == n }
        #expect(swarm.count(.up) == n, "why sessions ended: \(endReasons(ac.log))")
        let status = ac.call("ncpd", "status")
        #expect(int(status, "sessions") == n && int(status, "unit_names_busy") == 2 && int(status, "units_failed_busy") == 0,
                "\(status.map { "\($0)" } ?? "no status")")
        // Each session has a unit of its own, none of the held names.
        let listed = (try? JSON.parse(try ac.ctl(["--json", "sessions"]).stdout))?["data"]?.array ?? []
        let names = Set(listed.compactMap { $0["interface"]?.string })
        #expect(names.count == n && names.isDisjoint(with: ["ppp0", "ppp1"]), "\(listed)")
        #expect(!ac.log.contains("cannot create unit"), "\(ac.log)")
    }
}
