// The keys of a `type = "l2tp"` port (RFC 2661): the role, the UDP address
// we bind (`local`, default 0.0.0.0:1701, §8.1), our Host Name, the tunnel
// secret (or one per peer under `secrets`), a LAC's LNSs in failover order
// and an LNS's accepted peers. The
// LCP, auth, NCP and bridging keys are the ones every port has.
//   [port.lns0]
//   type = "l2tp"
//   role = "lns"
//   local = "10.0.0.1:1701"
//   secret = "tunnel-secret"
//   peers = ["10.0.0.2", "10.0.0.3"]
//   proxy-lcp = true            # RFC 2661 §18: trust the LACs' proxy LCP,
//   proxy-auth = true           # and check their proxied PAP/CHAP
//   proxy-peers = ["10.0.0.2"]  # only this LAC's (empty: every peer's)
//   [port.lns0.secrets]
//   "10.0.0.3" = "its-own-secret"
import Config
import IPC

extension RouterConfig {
    static func parseL2TP(port name: String, _ r: inout TableReader, into p: inout PortSettings) throws(ConfigError) {
        var s = L2TPSettings()
        s.role = try r.enumeration("role", L2TPRole.allCases.map(\.name), default: "lns") == "lac" ? .lac : .lns
        // §8.1: the LNS listens on 1701; a LAC may use any source port, and
        // 1701 too (xl2tpd does), so the default is the same for both.
        p.local = try r.string("local", default: "0.0.0.0:1701")
        guard L2TPEndpoint(p.local) != nil else {
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'local' must be an IPv4 \"a.b.c.d:port\"")
        }
        s.hostName = try r.string("host-name", default: "")
        s.secret = try r.string("secret", default: "")
        // §4.4.3 Host Name: at least one octet; kept well inside one AVP.
        guard s.hostName.utf8.count <= 255, s.secret.utf8.count <= 255 else {
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'host-name' and 'secret' are at most 255 bytes")
        }
        s.servers = try r.stringArray("lns", default: [])
        s.peers = try r.stringArray("peers", default: [])
        for server in s.servers where L2TPEndpoint(server, defaultPort: 1701) == nil {
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': LNS '\(server)' is not an IPv4 \"a.b.c.d[:port]\"")
        }
        for peer in s.peers where L2TPEndpoint(peer, defaultPort: 1701) == nil {
            throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': peer '\(peer)' is not an IPv4 address")
        }
        switch s.role {
        case .lac:
            guard !s.servers.isEmpty, s.servers.count <= 64 else {
                throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': a LAC needs 'lns' (1 to 64 LNS addresses, tried in order)")
            }
            s.idleHold = try r.integer("idle-hold", default: s.idleHold, in: 0...86_400)
            guard s.peers.isEmpty else {
                throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'peers' is for an LNS; a LAC names its LNSs in 'lns'")
            }
        case .lns:
            guard s.servers.isEmpty else {
                throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'lns' is for a LAC; an LNS accepts tunnels (limit them with 'peers')")
            }
            s.sequenceData = try r.bool("sequence-data", default: s.sequenceData)
            // RFC 2661 §18: trust the LAC's proxy LCP (and authentication),
            // for every peer or those in `proxy-peers`.
            s.proxyLCP = try r.bool("proxy-lcp", default: false)
            s.proxyAuth = try r.bool("proxy-auth", default: false)
            s.proxyPeers = try r.stringArray("proxy-peers", default: [])
            guard s.proxyLCP || !s.proxyAuth else {
                throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': 'proxy-auth' needs 'proxy-lcp' (a renegotiated LCP authenticates again, RFC 1661 §3.5)")
            }
            for peer in s.proxyPeers where L2TPEndpoint(peer, defaultPort: 1701) == nil || (!s.peers.isEmpty && !s.peers.contains(peer)) {
                throw ConfigError(file: r.file, line: r.line, reason: "port '\(name)': proxy peer '\(peer)' is not an IPv4 address in 'peers'")
            }
        }
        s.peerSecrets = try parsePeerSecrets(port: name, &r, settings: s)
        s.helloInterval = try r.integer("hello-interval", default: s.helloInterval, in: 1...3600)
        s.maxSessions = try r.integer("max-sessions", default: s.maxSessions, in: 1...65534)
        p.l2tp = s
    }

    /// `[port.X.secrets]`: "a.b.c.d" = "secret", one per peer (RFC 2661
    /// §5.1.1 speaks of a secret shared between one LAC and one LNS; xl2tpd
    /// and accel-ppp keep one per peer too). The peer must be one this port
    /// talks to: an address in a LAC's `lns`, or in an LNS's `peers` when it
    /// has any. Peers without an entry use the port's `secret`.
    private static func parsePeerSecrets(port name: String, _ r: inout TableReader,
                                         settings s: L2TPSettings) throws(ConfigError) -> [L2TPSettings.PeerSecret] {
        guard var t = try r.table("secrets") else { return [] }
        let known = Set((s.role == .lac ? s.servers : s.peers).compactMap { L2TPEndpoint($0, defaultPort: 1701)?.address })
        var result: [L2TPSettings.PeerSecret] = []
        for peer in t.keys.sorted() {
            let secret = try t.string(peer)
            guard !peer.contains(":"), let address = L2TPEndpoint(peer, defaultPort: 1701)?.address else {
                throw ConfigError(file: r.file, line: t.line, reason: "port '\(name)': secrets: '\(peer)' is not an IPv4 address \"a.b.c.d\"")
            }
            guard (1...255).contains(secret.utf8.count) else {
                throw ConfigError(file: r.file, line: t.line, reason: "port '\(name)': secrets: the secret for \(peer) must be 1 to 255 bytes")
            }
            if s.role == .lac || !s.peers.isEmpty, !known.contains(address) {
                let list = s.role == .lac ? "'lns'" : "'peers'"
                throw ConfigError(file: r.file, line: t.line, reason: "port '\(name)': secrets: \(peer) is not in \(list)")
            }
            result.append(L2TPSettings.PeerSecret(peer: peer, secret: secret))
        }
        try t.finish()
        guard result.count <= 1024 else {
            throw ConfigError(file: r.file, line: t.line, reason: "port '\(name)': secrets: at most 1024 peers")
        }
        return result
    }
}
