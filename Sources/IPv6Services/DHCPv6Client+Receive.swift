// The client's side of §16.3 and §16.10 (what makes an Advertise or Reply
// valid) and §18.2.9-§18.2.10 (what to do with it).

extension DHCPv6Client {
    mutating func receive(_ bytes: [UInt8], now: UInt64) -> [Action] {
        let datagram: UDPDatagram, m: DHCPv6Message
        do {
            (datagram, m) = try DHCPv6Message.parse(bytes)
        } catch {
            lastError = error
            counters.dropped += 1
            return []
        }
        // §16.3, §16.10: our transaction, our Client Identifier, a Server
        // Identifier, to port 546.
        guard datagram.destinationPort == DHCPv6Message.clientPort, m.transactionID == transactionID,
              m.clientID == configuration.clientID, let serverID = m.serverID else {
            counters.dropped += 1
            return []
        }
        switch (state, m.type) {
        case (.soliciting, .advertise):
            // §18.2.9: an Advertise that offers no prefix is ignored.
            guard let pd = m.iaPDs.first, pd.status == nil || pd.status == .success, !pd.prefixes.isEmpty else {
                counters.emptyAdvertisements += 1
                return []
            }
            if advertised == nil || m.preference > advertised!.preference {
                advertised = m
                server = serverID
            }
            // §18.2.1: 255 ends the wait; so does the first RT being over.
            guard m.preference == 255 || exchange.sent > 1 else { return [] }
            begin(.requesting, now: now)
            return transmitNow(now: now)
        case (.soliciting, .reply) where configuration.rapidCommit && m.hasRapidCommit:
            server = serverID
            return bind(m, now: now)
        case (.requesting, .reply), (.renewing, .reply), (.rebinding, .reply):
            server = serverID
            return bind(m, now: now)
        case (.releasing, .reply):
            state = .stopped
            nextSend = nil
            return []
        default:
            counters.dropped += 1
            return []
        }
    }

    private mutating func transmitNow(now: UInt64) -> [Action] {
        nextSend = now
        return handle(.timer, now: now)
    }

    /// §18.2.10.1: NoBinding after Renew or Rebind → Request; NoPrefixAvail
    /// (or nothing) → back to Solicit; otherwise the bindings are taken,
    /// removed when their valid lifetime is 0, and T1/T2 set (0 from the
    /// server → 0.5 and 0.8 of the shortest preferred lifetime, §18.2.4).
    private mutating func bind(_ m: DHCPv6Message, now: UInt64) -> [Action] {
        guard let pd = m.iaPDs.first(where: { $0.iaid == configuration.iaid }) else {
            counters.dropped += 1
            return []
        }
        if pd.status == .noBinding && (state == .renewing || state == .rebinding) {
            advertised = DHCPv6Message(type: .advertise, transactionID: 0,
                                       options: [.iaPD(IdentityAssociation(iaid: configuration.iaid,
                                                                           options: prefixes.map { .iaPrefix($0) }))])
            begin(.requesting, now: now)
            return transmitNow(now: now)
        }
        let offered = pd.prefixes.filter { $0.validLifetime > 0 }
        guard pd.status == nil || pd.status == .success, !offered.isEmpty else {
            let gone = state == .requesting || state == .soliciting ? [] : lost()
            begin(.soliciting, now: now)
            nextSend = now + DHCPv6Retransmission.Parameters.solicit.irt
            return gone
        }
        var actions: [Action] = []
        for p in prefixes where !offered.contains(where: { $0.prefix == p.prefix }) { actions.append(.prefixRemoved(p.prefix)) }
        prefixes = offered
        actions += offered.map { .prefixDelegated($0) }
        if let na = m.iaNAs.first(where: { $0.iaid == configuration.iaid }) {
            let given = na.addresses.filter { $0.validLifetime > 0 }
            for a in addresses where !given.contains(where: { $0.address == a.address }) { actions.append(.addressRemoved(a.address)) }
            addresses = given
            actions += given.map { .addressAssigned($0) }
        }
        let dns = m.dnsServers
        if !dns.isEmpty { actions.append(.dnsServers(dns)) }
        let shortest = UInt64(offered.map(\.preferredLifetime).min() ?? 0)
        let t1 = pd.t1 > 0 && pd.t1 <= pd.t2 ? UInt64(pd.t1) : shortest / 2
        let t2 = pd.t2 > 0 && pd.t1 <= pd.t2 ? UInt64(pd.t2) : shortest * 4 / 5
        let valid = UInt64(offered.map(\.validLifetime).max() ?? 0)
        t1At = now + t1 * Nanoseconds.perSecond
        t2At = now + max(t1, t2) * Nanoseconds.perSecond
        validUntil = now + valid * Nanoseconds.perSecond
        state = .bound
        nextSend = nil
        return actions
    }
}
