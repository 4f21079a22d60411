// `pppctl tunnels`: the L2TP tunnels of every l2tp port (RFC 2661), asked of
// each linkd through pppinit; a linkd on another kind of port has none.
import ArgumentParser
import IPC

struct Tunnels: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: ControlCommand.tunnels.summary)
    @OptionGroup var options: Options

    func run() throws {
        let client = try options.connect()
        var all: [JSON] = []
        for target in try client.linkds() {
            do {
                all += try client.daemonCall(target, .tunnels).array ?? []
            } catch {
                printError("pppctl: \(target): \(error.message)")
            }
        }
        if options.json { print(JSON.array(all).encoded()); return }
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
