// `pppctl upgrade [--check]` (issue 20): asks pppinit to replace the running
// router with the executables on disk, or with --check only to say which
// components would change. The conversation crosses pppinit's own execve
// (its end of the pair is one of the descriptors it carries), so the answer
// comes from the new image.
import ArgumentParser
import IPC

struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: ControlCommand.upgrade.summary)
    @OptionGroup var options: Options
    @Flag(help: "Only list the components whose executable on disk differs from the running one.") var check = false

    func run() throws {
        // Each changed daemon restarts in turn and must become ready within
        // pppinit's ready timeout; the whole is bounded by pppinit, this
        // only keeps pppctl from waiting forever on a vanished router.
        let parts = try options.connect().call(
            .daemonCallRequested(target: "pppinit", method: UpgradeArguments.method,
                                 arguments: UpgradeArguments(check: check).json.encoded()), timeout: 600)
        guard case let .callReplied(text)? = parts.last else {
            throw CtlFailure(code: .errorReply, message: "unexpected reply \(String(describing: parts.last))")
        }
        let reply: UpgradeReply
        do { reply = try UpgradeReply(json: try JSON.parse(text)) } catch {
            throw CtlFailure(code: .errorReply, message: "unexpected reply: \(error)")
        }
        if options.json {
            options.printDocument(.upgrade, reply.json)
        } else {
            var table = TextTable(["COMPONENT", "RUNNING", "ON DISK", "RESULT"])
            for p in reply.components {
                table.add([p.name, p.running.isEmpty ? "-" : p.running, p.onDisk.isEmpty ? "-" : p.onDisk, p.result.rawValue])
            }
            print(table.render())
            print("upgrade \(reply.outcome.rawValue)" + (reply.reason.map { ": \($0)" } ?? ""))
        }
        if reply.outcome == .failed {
            throw CtlFailure(code: .errorReply, message: "upgrade failed: \(reply.reason ?? "no reason given")")
        }
    }
}
