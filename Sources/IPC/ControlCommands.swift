// pppctl's commands as data: each command's synopsis, what it does, and the
// daemon methods it calls, whose admin flags (Methods.swift) say whether it
// is for root and the admin group only. pppctl takes its help text from
// here and the README's pppctl block is `ControlCommand.usage`, word for
// word (a test compares both).

public enum ControlCommand: CaseIterable, Sendable {
    case components, sessions, sessionShow, sessionKill, tunnels, tunnelShow, tunnelKill, bundles, bundleShow, bridge, unbridge, restart, call, watch, authTest, reload, logLevel, upgrade

    /// The words that name it and its arguments, as the README shows them.
    public var synopsis: String {
        switch self {
        case .components: "components [--wait S]"
        case .sessions: "sessions [--port P] [--user NAME] [--state S] [--ip ADDR] [--mac MAC] [--interface IF] [--columns C,…|all] [--sort C [--reverse]]"
        case .sessionShow: "session show ID"
        case .sessionKill: "session kill ID | --port P | --user NAME | --state S | --ip ADDR | --mac MAC | --interface IF | --all"
        case .tunnels: "tunnels"
        case .tunnelShow: "tunnel show ID"
        case .tunnelKill: "tunnel kill ID"
        case .bundles: "bundles"
        case .bundleShow: "bundle show NAME | ID"
        case .bridge: "bridge A B"
        case .unbridge: "unbridge ID"
        case .restart: "restart NAME"
        case .call: "call DAEMON METHOD [JSON]"
        case .watch: "watch [--count N] [--timeout S]"
        case .authTest: "auth test USER [--method pap|chap|mschapv2|eap] [--server NAME]"
        case .reload: "reload"
        case .logLevel: "log-level NAME debug|info|notice|warning|error"
        case .upgrade: "upgrade [--check]"
        }
    }

    /// The daemon methods it calls (through pppinit).
    public var calls: [DaemonMethod] {
        switch self {
        case .components, .restart, .watch, .reload, .call, .upgrade: []
        case .sessions: [.linkdSessions, .ncpdSessions, .splices]
        case .sessionShow: [.linkdSessions, .ncpdSessions, .splices, .authdSessions]
        case .sessionKill: [.linkdSessions, .sessionKill]
        case .tunnels, .tunnelShow: [.tunnels]
        case .tunnelKill: [.tunnels, .tunnelKill]
        case .bridge: [.linkdSessions, .bridge]
        case .bundles, .bundleShow: [.bundles]
        case .unbridge: [.linkdUnbridge]
        case .authTest: [.authTest]
        case .logLevel: [.logLevel]
        }
    }

    /// Root or the admin group only: a method it calls needs admin, or it
    /// restarts a component (pppinit's own check).
    public var needsAdmin: Bool {
        self == .restart || self == .reload || self == .upgrade || calls.contains { $0.needsAdmin }
    }

    /// What it does; pppctl's help shows it as the command's abstract.
    public var summary: String {
        let text: String = switch self {
        case .components: "List the daemons pppinit supervises: name, pid, uid, state, restarts, uptime, CapEff, NoNewPrivs, Seccomp; waits (--wait S, default 10) until none is starting, so every daemon shown is past its privilege drop."
        case .sessions: "List every port's PPP sessions, by default id (PORT:N), port, transport, user, phase, the peer's address, up time and octets in/out (fits 120 columns); --columns chooses among those and MAC, calling station, LCP state, auth method, interface, IPCP/IPv6CP states, our address, DNS, IPv6 prefixes, frame/packet counters, average rates, bridge, reason; only those whose port, peer name, phase or LCP state, IPv4 address, MAC (calling_station) and interface match the selectors given; sorted by any column."
        case .sessionShow: "Show one session with what linkd, ncpd, bridged and authd know of it: negotiated options both ways, magic numbers, counters, errors, interface, IPCP/IPv6CP and addresses, IP counters, bridge, authentication and accounting."
        case .sessionKill: "Terminate sessions (LCP Terminate-Request): one by id, or every one that matches all the selectors given, saying how many matched and were killed (non-zero exit when none matched)."
        case .tunnels: "List every l2tp port's tunnels (RFC 2661): port, our and the peer's Tunnel IDs, the peer's address and host name, state, calls and the linkd sessions on them, control messages sent and received, retransmissions, ZLB acks, HELLOs."
        case .tunnelShow: "Show one tunnel by our Tunnel ID: its peer, state, Ns/Nr, counters and each call (ids both ways, sequencing, data counters, linkd session)."
        case .tunnelKill: "Close one tunnel with a StopCCN (RFC 2661 §5.7); every call in it ends, and so do their sessions."
        case .bundles: "List ncpd's RFC 1990 multilink bundles: name (peer name and endpoint discriminator), the session running the NCPs and its interface, MRRU and sequence format each way, member links (session, MRU, weight, fragments each way), reassembly counters (reassembled, lost, out of order, discarded)."
        case .bundleShow: "Show one bundle, by its name or the id of its session or of one of its links: MRRUs and sequence formats, each link's MRU, weight and fragments each way, every reassembly counter."
        case .bridge: "Splice two sessions held on bridge = \"manual\" ports."
        case .unbridge: "End a bridged session; bridged closes its partner, which ends too."
        case .restart: "Restart one component, keeping its sessions; answers once it is ready again."
        case .call: "Call a daemon's method with JSON arguments, e.g. `pppctl call ncpd status` (admin only for methods that change state)."
        case .watch: "Stream events: " + EventKind.allCases.map(\.rawValue).joined(separator: ", ") + "."
        case .authTest: "Check USER's password against authd's sources, no link needed; the password is read from stdin."
        case .logLevel: "Set the level of one component's log (pppinit, authd, linkd@PORT…) until it restarts."
        case .upgrade: "Replace the running router with the executables now on disk, keeping every session: pppinit re-executes itself, then each changed daemon restarts onto its new executable, one at a time; one that fails to come up is rolled back to its old executable and the upgrade stops there. With --check, only list which components would change (ELF build id, or a hash of the file)."
        case .reload: "Check the config file (a broken one changes nothing: exit 1 with file:line: reason), make authd re-read [auth], [users.*], [radius] and the secrets files (restarts authd; sessions past authentication stay up), start an added port's linkd, stop a removed one's (its sessions end: 'port removed'), restart a changed one's in place (its sessions resume), restart ncpd for added pools and metricsd for [metrics], and name every other section that changed and needs a restart of the router; SIGHUP to pppinit does the same."
        }
        return needsAdmin ? String(text.dropLast()) + " (admin only)." : text
    }

    /// The README's pppctl block.
    public static var usage: String {
        var lines = ["pppctl [--runtime-dir DIR | --socket PATH] [--json] <command>"]
        let column = 27, width = 100
        for c in allCases {
            var words = c.summary.split(separator: " ").map(String.init)
            var line = "  " + c.synopsis
            if line.count + 1 > column {
                lines.append(line)
                line = ""
            }
            while !words.isEmpty {
                line += String(repeating: " ", count: max(column - line.count, 0))
                var first = true
                while let w = words.first, first || line.count + 1 + w.count <= width {
                    line += (first ? "" : " ") + w
                    first = false
                    words.removeFirst()
                }
                lines.append(line)
                line = ""
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
