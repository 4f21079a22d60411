// Daemon→daemon calls. Daemons cannot reach each other's init links, so a
// daemon that needs another's method sends daemonCallRequested on its own
// init link and pppinit relays it like a pppctl call — but only what this
// fixed table lists (sender, target, method), in the spirit of OpenSSH's
// monitor: the whole interface fits here. The callee sees an admin call.
import IPC

enum DaemonCalls {
    struct Entry {
        let sender: Peer
        let method: DaemonMethod
        /// Which components may be called, given the config.
        let target: @Sendable (RouterConfig, String) -> Bool
        /// Which components of `sender`'s kind may call (default: any).
        var from: @Sendable (RouterConfig, String) -> Bool = { _, _ in true }
    }

    static let table: [Entry] = [
        // A subscriber's linkd dials a session on an upstream port's linkd
        // for a bridging rule (RouterConfig+Bridge.swift).
        Entry(sender: .linkd, method: .dial, target: { config, name in config.isUpstream(component: name) }),
        // The upstream's linkd reports back that the dialled session ended
        // before the splice, so the subscriber's session ends at once
        // (linkd's PortSessions+PartnerFailure).
        Entry(sender: .linkd, method: .partnerFailed,
              target: { config, name in config.isSubscriber(component: name) },
              from: { config, name in config.isUpstream(component: name) }),
        // ncpd tells authd the IPv6 prefixes it gave a session from its
        // pools, for that session's accounting (docs/design.md, issue 18).
        Entry(sender: .ncpd, method: .sessionPrefixes, target: { _, name in name == "authd" }),
        // authd asks ncpd for them when it resumes a session's accounting
        // (its own restart or linkd's): what ncpd reported went with the
        // old slot (docs/design.md, issue 18).
        Entry(sender: .authd, method: .ncpdSessionPrefixes, target: { _, name in name == "ncpd" }),
    ]

    static func allowed(sender: Component, target: String, method: String, config: RouterConfig) -> Bool {
        guard target != sender.name else { return false }
        return table.contains {
            $0.sender == sender.peer && $0.method.name == method && $0.target(config, target) && $0.from(config, sender.name)
        }
    }
}

extension Router {
    func relayDaemonCall(from c: Component, target: String, method: String, arguments: String, callID: UInt32) {
        guard let link = c.link else { return }
        guard DaemonCalls.allowed(sender: c, target: target, method: method, config: config),
              let callee = component(named: target) else {
            log.warning("\(c.name): call of \(target) \(method) is not in the daemon call table; refused")
            try? link.replyError(to: callID, .notPermitted, "\(c.name) may not call \(method) on \(target)")
            return
        }
        relay(to: callee, method: method, arguments: arguments, admin: true, client: link, callID: callID)
    }
}
