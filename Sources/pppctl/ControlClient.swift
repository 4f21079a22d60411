// pppctl's side of the control socket: connect to the rendezvous, hand
// pppinit one end of a fresh SEQPACKET pair, then make calls on it and wait
// for their parts with the same event loop the daemons use.
import IPC

enum CtlExit: Int32 {
    case ok = 0, errorReply = 1, usage = 2, unreachable = 3
}

struct CtlFailure: Error {
    let code: CtlExit
    let message: String
}

final class ControlClient {
    let loop: EventLoop
    let link: Link
    /// Why pppinit turned the conversation away (its BUSY answer to the
    /// opening, call id 0), shown instead of a bare hang-up.
    private var refusal: String?

    init(socketPath: String) throws(CtlFailure) {
        do {
            loop = try EventLoop()
            let rendezvous = try Rendezvous.connect(socketPath)
            let pair = try Socket.seqpacketPair()
            let open = try Codec.encode(.controlOpened(version: Wire.version), flags: [], callID: 0)
            guard try Socket.send(rendezvous.raw, open, descriptors: [pair.second.raw]) else {
                throw IPCError.system(call: "sendmsg", errno: 11)
            }
            link = Link(pair.first, remote: .pppinit, loop: loop)
        } catch {
            throw CtlFailure(code: .unreachable, message: "cannot reach the router at \(socketPath): \(error)")
        }
        link.onUnmatchedReply = { [unowned self] r in
            if r.callID == 0, case let .errorReplied(_, reason) = r.message { self.refusal = reason }
        }
        do { try link.start() } catch {
            throw CtlFailure(code: .unreachable, message: "cannot reach the router at \(socketPath): \(error)")
        }
    }

    /// Makes one call and collects every reply part until the final one.
    /// `onPart` sees each part as it arrives (for streams such as watch).
    func call(_ m: Message, timeout: Double? = 15, until stop: (() -> Bool)? = nil,
              onPart: ((Message, CallFlags) -> Void)? = nil) throws(CtlFailure) -> [Message] {
        var parts: [Message] = []
        var done = false
        var failure: CtlFailure?
        do {
            try link.call(m, timeout: timeout, onReply: { r in
                parts.append(r.message)
                onPart?(r.message, r.flags)
                if r.isFinal { done = true }
            }, onFailure: { [unowned self] e in
                let message = self.refusal.map { "pppinit refused the conversation: \($0)" } ?? "\(e)"
                failure = CtlFailure(code: e == .peerClosed ? .unreachable : .errorReply, message: message)
                done = true
            })
        } catch {
            // Hung up on before the call went out: its reason may be waiting.
            loop.runOnce(timeoutMilliseconds: 0)
            throw CtlFailure(code: .unreachable, message: refusal.map { "pppinit refused the conversation: \($0)" } ?? "\(error)")
        }
        while !done && !(stop?() ?? false) { loop.runOnce(timeoutMilliseconds: 200) }
        if let failure { throw failure }
        if case let .errorReplied(code, reason)? = parts.last {
            throw CtlFailure(code: .errorReply, message: "\(code): \(reason)")
        }
        return parts
    }

    /// The JSON of a call whose reply is one callReplied part.
    func callJSON(_ m: Message) throws(CtlFailure) -> JSON {
        let parts = try call(m)
        guard case let .callReplied(json)? = parts.last else {
            if case .acknowledged? = parts.last { return .null }
            throw CtlFailure(code: .errorReply, message: "unexpected reply \(String(describing: parts.last))")
        }
        do { return try JSON.parse(json) } catch {
            throw CtlFailure(code: .errorReply, message: "reply is not JSON: \(error)")
        }
    }
}
