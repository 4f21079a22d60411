// The daemon methods pppinit answers itself when pppctl names it as the
// target: `status` (its fd store and control socket, for metricsd),
// `log-level` (pppctl log-level pppinit LEVEL) and `reload` (pppctl reload:
// the whole file is checked first, and a broken one changes nothing). Its other requests have
// message types of their own (ControlServer.handle).
import Config
import IPC

extension ControlServer {
    func answerOwnCall(_ client: Client, id: UInt32, method: String, arguments: String) {
        let link = client.link
        if method == DaemonMethod.status.name {
            let status: JSON = .object([
                "name": .string("pppinit"),
                "components": .int(Int64(router.components.count)),
                "fd_store": .object(["entries": .int(Int64(router.store.entryCount)),
                                     "descriptors": .int(Int64(router.store.descriptorCount))]),
                "control": .object(["clients": .int(Int64(clientCount)), "watchers": .int(Int64(watcherCount)),
                                     "dropped_opens": .int(Int64(droppedOpens))]),
            ])
            try? link.reply(to: id, .callReplied(json: status.encoded()))
            return
        }
        if method == UpgradeArguments.method {
            guard client.admin else {
                try? link.replyError(to: id, .notPermitted, "upgrade needs root or the admin group"); return
            }
            do {
                let args = try UpgradeArguments(json: try JSON.parse(arguments.isEmpty ? "{}" : arguments))
                router.startUpgrade(client: link, callID: id, check: args.check)
            } catch let e as MethodError {
                try? link.replyError(to: id, e.code, e.reason)
            } catch {
                try? link.replyError(to: id, .badArguments, "arguments are not JSON: \(error)")
            }
            return
        }
        if method == "reload" {
            reload(client, id: id)
            return
        }
        guard method == DaemonMethod.logLevel.name else {
            try? link.replyError(to: id, .unknownMethod, "pppinit has no method '\(method)'"); return
        }
        guard client.admin else {
            try? link.replyError(to: id, .notPermitted, "'\(method)' changes state: root or the admin group only"); return
        }
        do {
            let json = try JSON.parse(arguments.isEmpty ? "{}" : arguments)
            let level = try LogLevelArguments(json: json).level
            Log.setRuntimeLevel(level)
            Log(prefix: "pppinit").notice("log level \(level.tag)")
            try? link.reply(to: id, .callReplied(json: LogLevelReply(level: level).json.encoded()))
        } catch let e as MethodError {
            try? link.replyError(to: id, e.code, e.reason)
        } catch {
            try? link.replyError(to: id, .badArguments, "arguments are not JSON: \(error)")
        }
    }

    /// Checks the config file as a start would; if it passes, says what it
    /// applies and what not (ReloadReport, one part of the answer), restarts
    /// authd, which re-reads its sections (Router.refreshAuthSettings), and
    /// answers once authd is ready again.
    private func reload(_ client: Client, id: UInt32) {
        let link = client.link
        guard client.admin else {
            try? link.replyError(to: id, .notPermitted, "reload needs root or the admin group"); return
        }
        switch router.reload() {
        case let .failure(error):
            try? link.replyError(to: id, .failed, "\(error); nothing reloaded")
        case let .success((report, c)):
            try? link.send(.callReplied(json: report.json.encoded()), flags: .more, callID: id)
            c.readyWaiters.append((link, id))
        }
    }
}
