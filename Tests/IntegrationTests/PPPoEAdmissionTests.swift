// Admission control at the descriptor limit (issue 13, docs/design.md "fd
// budget"): a router started under a small RLIMIT_NOFILE whose AC asks for
// more sessions than fit. pppinit says so at start and lowers the AC's
// max-sessions; the swarm's Hosts past that get no PADO (they stay in
// discovery, counted as padi_at_capacity), and every Host that was accepted
// comes up and stays up.
import Foundation
import IPC
import PPPoE
import Testing

@Suite(.serialized) struct PPPoEAdmissionTests {
    @Test(.enabled(if: isRoot)) func sessionsPastTheDescriptorBudgetGetNoPADO() throws {
        // 358 descriptors: 358 - 256 = 102 in pppinit's fd store, less the
        // AC's mux (2) = 100 sessions of one TUN unit each (issue 13 point 1;
        // before the mux a session cost 3 there).
        let limit = 358, capacity = 358 - 256 - 2, hosts = 150
        let net = try VethPair("bras0", "cpe0")
        let config = swarmConfig(sessions: hosts).replacingOccurrences(of: "max-sessions = \(hosts + 100)", with: "max-sessions = 1000")
        #expect(config.contains("max-sessions = 1000"))
        let path = writeConfig(config)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ac = try RouterUnderTest(config: path, netns: net.left.name, descriptorLimit: limit)
        defer { ac.stop() }
        let components = try ac.allRunning()
        let linkd = try #require(pid(components["linkd@access"]))
        #expect(softDescriptorLimit(linkd) == limit)
        #expect(ac.log.contains("port access: max-sessions 1000 does not fit the descriptor limit; lowered to \(capacity)"), "\(ac.log)")
        let before = ac.linkdStatus()
        #expect(int(before, "pppoe", "ac", "max_sessions") == capacity)

        let discovery = try insideNamespace(net.right.name) { try PacketSocket.open(interface: "cpe0", etherType: PacketSocket.discovery) }
        let sessionSocket = try insideNamespace(net.right.name) { try PacketSocket.open(interface: "cpe0", etherType: PacketSocket.session) }
        let swarm = PPPoESwarm(count: hosts, discoveryFD: discovery.descriptor.raw, sessionFD: sessionSocket.descriptor.raw,
                               user: "swarm", password: "many-hosts")
        // The first `capacity` Hosts fill the AC; then the rest ask. (In a
        // burst, PADOs sent while there was room can outnumber it: those
        // PADRs get a PADS with AC-System-Error, RFC 2516 §5.4, and no
        // session either.)
        try swarm.run(seconds: 90, rate: 200, window: hosts, admitting: capacity) { $0.count(.up) + $0.count(.ended) >= capacity }
        // Long enough for every refused Host to send its PADI twice, and
        // for an accepted one that was going to be dropped to be dropped.
        try swarm.run(seconds: 5, rate: 200, window: hosts) { _ in false }
        let f = swarm.figures
        #expect(swarm.count(.up) == capacity, "stages: \((0...7).map { s in swarm.count(SwarmHost.Stage(rawValue: s)!) }); \(endReasons(ac.log))")
        #expect(swarm.count(.discovering) == hosts - capacity)
        #expect(swarm.count(.ended) == 0 && f.padtReceived == 0 && f.terminateReceived == 0 && f.papRefused == 0)

        let status = ac.linkdStatus()
        let a = status?["pppoe"]?["ac"]
        #expect(int(status, "sessions") == capacity && int(a, "sessions") == capacity)
        // Every refused Host sent at least two PADIs in those seconds.
        #expect(int(a, "padi_at_capacity") >= 2 * (hosts - capacity), "\(a.map { "\($0)" } ?? "-")")
        #expect(int(a, "pads_errors") == 0)
        #expect(int(ac.call("ncpd", "status"), "sessions") == capacity)
        // The control plane answers at capacity.
        let r = try ac.ctl(["--json", "sessions"])
        #expect(r.status == 0 && ((try? JSON.parse(r.stdout))?["data"]?.array?.count ?? -1) == capacity)
        print("PPPoE admission: RLIMIT_NOFILE \(limit), \(hosts) Hosts: \(swarm.count(.up)) up, \(swarm.count(.discovering)) without a PADO; "
              + "AC pado_sent \(int(a, "pado_sent")), padi_at_capacity \(int(a, "padi_at_capacity")), pppinit \(footprint(ac.process.processIdentifier))")
    }
}
