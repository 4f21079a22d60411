// ncpd: takes sessions' channels from linkd at the Network phase (DESIGN.md
// "The handoff") and runs the network side of each: IPCP/IPv6CP, one TUN
// unit per session, addresses and routes via rtnetlink, the IP data path.
// The order is DaemonRuntime.run's.
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class Ncpd: Daemon {
    static let peer = Peer.ncpd
    let units: LinuxUnits?
    let channels: Channels

    static func settings(_ bytes: [UInt8]) throws(IPCError) -> NcpdSettings {
        bytes.isEmpty ? NcpdSettings() : try NcpdSettings.decode(bytes)
    }

    init(runtime rt: DaemonRuntime, settings: NcpdSettings) {
        // The rtnetlink socket is opened before the drop; CAP_NET_ADMIN, kept, is
        // what lets us create TUN units and set addresses and routes later.
        let units: LinuxUnits?
        do { units = try LinuxUnits(loop: rt.loop) } catch {
            rt.log.error("rtnetlink: \(error); sessions will be refused a unit")
            units = nil
        }
        self.units = units
        // Issue 13: one request carries as many as this pppinit opens at once.
        units?.batch = Int(settings.tunBatch)
        units?.log = rt.log
        // Where /dev/net/tun is 0600 our uid cannot open it after the drop: pppinit
        // opens it for us (tunRequested) and we keep a few in stock.
        units?.requestDescriptors = { [unowned rt] count in
            do {
                try rt.link.call(.tunRequested(count: UInt8(count)), onReply: { r in
                    var got = 0
                    if case .descriptorsReturned = r.message, (1...count).contains(r.descriptors.count) {
                        got = r.descriptors.count
                        for i in 0..<got { units?.stocked(r.descriptors.take(i)) }
                    }
                    units?.answered(asked: count, got: got)
                }, onFailure: { e in
                    units?.answered(asked: count, got: 0)
                    rt.log.warning("pppinit did not open /dev/net/tun: \(e)")
                })
            } catch {
                units?.answered(asked: count, got: 0)
            }
        }
        let channels = Channels(runtime: rt, settings: settings, units: units)
        self.channels = channels
        rt.registerEncodedParts(.ncpdSessions) { arguments, _ throws(MethodError) in
            // Thousands of sessions do not fit one reply: pppctl asks in
            // pages, several to a call (PageArguments.parts), each item
            // encoded once, straight into its page (issue 13, point 4).
            let a = try PageArguments(json: arguments)
            guard let from = a.from else { return [channels.listing.json.encoded()] }
            let ids = channels.sessionIDsInOrder
            return SessionListing.encodedPages(count: ids.count, from: from, parts: a.parts ?? 1) {
                channels.sessions[ids[$0]]?.json() ?? [:]
            }
        }
        rt.register(.pools) { _, _ in
            // IPv6 pools (objects with "prefix") follow the IPv4 ones.
            var r = channels.pools.reply
            r.ipv6 = (channels.ipv6?.json().array ?? []).compactMap(\.object)
            return r.json
        }
        rt.ownStatus = {
            var s = NcpdStatus()
            (s.sessions, s.refused, s.ended, s.resumed) = (channels.sessions.count, channels.refused, channels.ended, channels.resumed)
            (s.pools, s.rendezvousDropped) = (settings.pools.count, rt.rendezvousDropped)
            s.unitWaits = units?.waits ?? 0
            s.waitingForUnit = units?.waitingNow ?? 0
            s.unitDeleteBatches = units?.retirement.batches ?? 0
            s.unitsIPv6Off = units?.ipv6Off ?? 0
            s.unitsIPv6OffFailed = units?.ipv6OffFailed ?? 0
            (s.unitNamesBusy, s.unitsFailedBusy) = (channels.unitNamesBusy, channels.unitsFailedBusy)
            (s.tunRequests, s.tunDescriptorsRequested) = (units?.tunRequests ?? 0, units?.tunRequested ?? 0)
            if let o = units?.offloads {
                (s.unitsOffload, s.unitsVnetOnly, s.unitsOffloadRefused) = (o.withOffloads, o.headerOnly, o.headerRefused)
                s.offloadFlags = Int(o.lastFlags)
            }
            channels.bundles.count(into: &s)
            s.mux = channels.muxes.json
            return .ncpd(s)
        }
        rt.register(.bundles) { _, _ in channels.bundles.reply.json }
        rt.register(.ncpdSessionPrefixes) { arguments, _ throws(MethodError) in try channels.prefixes(arguments) }
        rt.onShutdown = {
            channels.endAll(reason: "ncpd stopping")
            units?.retirement.flush()
        }
    }

    var servesRendezvous: Bool { true }
    func arrived(_ arrival: inout RendezvousArrival) { channels.arrived(&arrival) }

    /// Sessions a previous ncpd left in the fd store (it was killed or
    /// restarted): their channels and units come back and they carry on.
    func dropped(restored: [RestoredEntry]) { channels.resume(restored) }

    func started() {
        guard let units else { return }
        let probe = open("/dev/net/tun", O_RDWR | O_CLOEXEC)
        if probe >= 0 { _ = close(probe) } else { units.topUp() }
    }
}

DaemonRuntime.run(Ncpd.self)
