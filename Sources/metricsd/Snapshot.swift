// What one scrape gathered from pppinit and the daemons (their `status`,
// linkd's `sessions`, ncpd's `pools`, pppinit's components and own status),
// and its rendering as metric families. Names follow the Prometheus naming
// practice: a `ppprouter_` prefix, `_total` on counters, base units
// (`_bytes`, `_seconds`). Per-session series only with `per-session = true`.
import IPC

struct Snapshot {
    /// pppctl components' list.
    var components: [JSON] = []
    /// pppinit's own status (fd store, control socket).
    var pppinit: JSON?
    /// component name → its `status` reply.
    var statuses: [String: JSON] = [:]
    /// linkd component name → its sessions.
    var sessions: [String: [JSON]] = [:]
    /// ncpd's pools.
    var pools: [JSON] = []
    /// Every call answered before the gather timeout.
    var complete = true
    var perSession = false

    func render() -> [UInt8] {
        var e = Exposition()
        e.family("ppprouter_scrape_complete", .gauge, "1 when every daemon answered this scrape in time, else 0.",
                 [([], complete ? 1 : 0)])
        renderComponents(&e)
        renderSessions(&e)
        renderAuth(&e)
        renderPools(&e)
        renderOutcomes(&e)
        renderMux(&e)
        renderStatusFields(&e)
        return e.text
    }

    private func renderComponents(_ e: inout Exposition) {
        func per(_ key: String, _ transform: (JSON) -> Double? = { $0.double }) -> [(Exposition.Labels, Double)] {
            components.compactMap { c in
                guard let name = c["name"]?.string, let v = c[key].flatMap(transform) else { return nil }
                return ([("component", name)], v)
            }
        }
        e.family("ppprouter_component_up", .gauge, "1 while pppinit reports the component running.",
                 per("state") { $0.string == "running" ? 1 : 0 })
        e.family("ppprouter_component_restarts_total", .counter, "Restarts of the component since pppinit started.",
                 per("restarts"))
        e.family("ppprouter_component_uptime_seconds", .gauge, "Seconds since the component last became ready.",
                 per("uptime"))
        e.family("ppprouter_component_resident_memory_bytes", .gauge, "Resident memory of the component (VmRSS).",
                 per("rss_bytes"))
        e.family("ppprouter_component_open_fds", .gauge, "Open descriptors of the component.", per("fds"))
        let store = pppinit?["fd_store"]
        e.family("ppprouter_fd_store_entries", .gauge, "Deposits held in pppinit's fd store.",
                 store?["entries"]?.double.map { [([], $0)] } ?? [])
        e.family("ppprouter_fd_store_descriptors", .gauge, "Descriptors held in pppinit's fd store.",
                 store?["descriptors"]?.double.map { [([], $0)] } ?? [])
        e.family("ppprouter_control_clients", .gauge, "Open pppctl conversations on the control socket.",
                 pppinit?["control"]?["clients"]?.double.map { [([], $0)] } ?? [])
        e.family("ppprouter_control_dropped_opens_total", .counter, "Datagrams on the control socket that opened nothing.",
                 pppinit?["control"]?["dropped_opens"]?.double.map { [([], $0)] } ?? [])
    }

    /// Port name and type from each linkd's status.
    var ports: [(component: String, name: String, type: String, status: JSON)] {
        statuses.keys.sorted().compactMap { c in
            guard c.hasPrefix("linkd@"), let s = statuses[c], let port = s["port"],
                  let name = port["name"]?.string, let type = port["type"]?.string else { return nil }
            return (c, name, type, s)
        }
    }

    private func renderSessions(_ e: inout Exposition) {
        let ports = self.ports
        e.family("ppprouter_port_sessions", .gauge, "Sessions on the port (linkd's count).",
                 ports.compactMap { p in p.status["sessions"]?.double.map { ([("port", p.name), ("type", p.type)], $0) } })
        // By phase (RFC 1661 §3.2) and LCP state (§4.2), from linkd's list.
        var counts: [String: (Exposition.Labels, Double)] = [:]
        var info: [(Exposition.Labels, Double)] = []
        for p in ports {
            for s in sessions[p.component] ?? [] {
                let phase = s["phase"]?.string ?? "unknown", state = s["lcp"]?.string ?? "unknown"
                let key = "\(p.name)\u{0}\(phase)\u{0}\(state)"
                let labels: Exposition.Labels = [("port", p.name), ("type", p.type), ("phase", phase), ("state", state)]
                counts[key] = (labels, (counts[key]?.1 ?? 0) + 1)
                if perSession, let id = s["id"]?.string {
                    info.append(([("session", id), ("port", p.name), ("phase", phase), ("state", state)], 1))
                }
            }
        }
        e.family("ppprouter_sessions", .gauge, "Sessions by port, port type, phase and LCP state.",
                 counts.keys.sorted().map { counts[$0]! })
        if perSession {
            e.family("ppprouter_session_info", .gauge, "One series per session (per-session = true).", info)
        }
    }

    private func renderAuth(_ e: inout Exposition) {
        let a = statuses["authd"]
        func one(_ v: JSON?) -> [(Exposition.Labels, Double)] { v?.double.map { [([], $0)] } ?? [] }
        e.family("ppprouter_auth_started_total", .counter, "Authentications authd began.", one(a?["started"]))
        var results: [(Exposition.Labels, Double)] = []
        if let v = a?["succeeded"]?.double { results.append(([("result", "success")], v)) }
        if let v = a?["failed"]?.double { results.append(([("result", "failure")], v)) }
        e.family("ppprouter_auth_results_total", .counter, "Authentications authd finished, by result.", results)
        var sources: [(Exposition.Labels, Double)] = []
        if let v = a?["local_checks"]?.double { sources.append(([("source", "local")], v)) }
        if let v = a?["radius_checks"]?.double { sources.append(([("source", "radius")], v)) }
        e.family("ppprouter_auth_checks_total", .counter, "Credential checks, by source.", sources)
        e.family("ppprouter_accounting_requests_total", .counter, "Accounting requests authd made.",
                 one(a?["accounting_requests"]))
        let r = a?["radius"]
        e.family("ppprouter_radius_requests_total", .counter, "RADIUS requests sent (first transmissions).", one(r?["sent"]))
        e.family("ppprouter_radius_retransmissions_total", .counter, "RADIUS requests sent again.", one(r?["retransmitted"]))
        e.family("ppprouter_radius_responses_total", .counter, "RADIUS requests answered.", one(r?["answered"]))
        e.family("ppprouter_radius_timeouts_total", .counter, "RADIUS requests given up on.", one(r?["timed_out"]))
        e.family("ppprouter_radius_invalid_responses_total", .counter, "RADIUS responses dropped as invalid.", one(r?["invalid"]))
        e.family("ppprouter_radius_failovers_total", .counter, "Moves to the next RADIUS server.", one(r?["failovers"]))
        e.family("ppprouter_radius_pending_requests", .gauge, "RADIUS requests awaiting an answer.", one(r?["pending"]))
    }

    private func renderPools(_ e: inout Exposition) {
        e.family("ppprouter_pool_addresses", .gauge, "Addresses in the pool.",
                 pools.compactMap { p in p["name"]?.string.flatMap { n in p["size"]?.double.map { ([("pool", n)], $0) } } })
        e.family("ppprouter_pool_addresses_leased", .gauge, "Addresses of the pool leased to sessions.",
                 pools.compactMap { p in p["name"]?.string.flatMap { n in p["leased"]?.double.map { ([("pool", n)], $0) } } })
    }

    /// Every number a daemon reports in its status, under its path: the
    /// counters each daemon keeps (PPPoE discovery, IPC, refusals…) without
    /// a family written for each here.
    private func renderStatusFields(_ e: inout Exposition) {
        var samples: [(Exposition.Labels, Double)] = []
        for component in statuses.keys.sorted() {
            var fields: [(String, Double)] = []
            Self.numbers(statuses[component]!, path: "", into: &fields)
            for (field, v) in fields where !["pid", "uid", "uptime", "port_inode", "port_mtu"].contains(field) {
                samples.append(([("component", component), ("field", field)], v))
            }
        }
        e.family("ppprouter_daemon_status", .gauge,
                 "Each number in a daemon's status reply (pppctl call DAEMON status), by its path.", samples)
    }

    static func numbers(_ j: JSON, path: String, into out: inout [(String, Double)]) {
        switch j {
        case .int, .double: if let v = j.double { out.append((path, v)) }
        case let .bool(b): out.append((path, b ? 1 : 0))
        case let .object(o):
            for (k, v) in o { numbers(v, path: path.isEmpty ? Exposition.namePart(k) : path + "_" + Exposition.namePart(k), into: &out) }
        default: break
        }
    }
}
