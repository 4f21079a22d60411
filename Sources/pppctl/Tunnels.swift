// `pppctl tunnels`: the L2TP tunnels of every l2tp port (RFC 2661), asked of
// each linkd through pppinit; a linkd on another kind of port has none.
import ArgumentParser
import IPC

struct Tunnels: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: ControlCommand.tunnels.summary)
    @OptionGroup var options: Options

    func run() throws {
        let all = try allTunnels(try options.connect())
        if options.json { options.printDocument(.tunnels, .array(all)); return }
        var t = TextTable(["PORT", "ROLE", "ID", "PEER-ID", "PEER", "HOST", "STATE", "CALLS", "SESSIONS", "SENT", "RECEIVED",
                           "RETRANSMITTED", "ZLB", "HELLOS"])
        for x in all {
            let calls = x["calls"]?.array ?? []
            let sessions = calls.compactMap { $0["session"]?.string }.joined(separator: ",")
            t.add([x["port"]?.cell ?? "-", x["role"]?.cell ?? "-", x["id"]?.cell ?? "-", x["peer_id"]?.cell ?? "-",
                   x["peer"]?.cell ?? "-", x["host_name"]?.cell ?? "-", x["state"]?.cell ?? "-", "\(calls.count)",
                   sessions.isEmpty ? "-" : sessions, x["control_sent"]?.cell ?? "-", x["control_received"]?.cell ?? "-",
                   x["retransmitted"]?.cell ?? "-", x["zlb_sent"]?.cell ?? "-", x["hellos_sent"]?.cell ?? "-"])
        }
        print(t.render())
    }
}

/// The tunnels of every linkd (l2tp ports list theirs, others none).
private func allTunnels(_ client: ControlClient) throws(CtlFailure) -> [JSON] {
    var all: [JSON] = []
    for target in try client.linkds() {
        do {
            all += try client.daemonCall(target, .tunnels, as: TunnelsReply.self).tunnels.map { .object($0) }
        } catch {
            printError("pppctl: \(target): \(error.message)")
        }
    }
    return all
}

/// A tunnel by our id; ids are chosen per port, so two ports may share one.
private func findTunnel(_ client: ControlClient, _ id: UInt16) throws(CtlFailure) -> [JSON] {
    let found = try allTunnels(client).filter { $0["id"]?.int == Int64(id) }
    guard !found.isEmpty else { throw CtlFailure(code: .errorReply, message: "no tunnel \(id) (see pppctl tunnels)") }
    return found
}

struct TunnelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tunnel", abstract: "Show or close one L2TP tunnel.", subcommands: [Show.self, Kill.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: ControlCommand.tunnelShow.summary)
        @OptionGroup var options: Options
        @Argument(help: "Our Tunnel ID, as pppctl tunnels lists it.") var id: UInt16

        func run() throws {
            let found = try findTunnel(try options.connect(), id)
            if options.json { options.printDocument(.tunnelShow, found.count == 1 ? found[0] : .array(found)); return }
            for t in found {
                guard let o = t.object else { continue }
                for (key, value) in o where key != "calls" { print("\(key): \(value.cell)") }
                for call in t["calls"]?.array ?? [] { print("call: \(call.encoded())") }
            }
        }
    }

    struct Kill: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: ControlCommand.tunnelKill.summary)
        @OptionGroup var options: Options
        @Argument(help: "Our Tunnel ID, as pppctl tunnels lists it.") var id: UInt16

        func run() throws {
            let client = try options.connect()
            for t in try findTunnel(client, id) {
                guard let port = t["port"]?.string else { continue }
                let r = try client.daemonCall(ComponentName.linkd(port: port).description, .tunnelKill, TunnelArguments(id: id).json)
                if options.json { options.printDocument(.tunnelKill, r) } else { print("tunnel \(id) on port \(port): StopCCN sent") }
            }
        }
    }
}
