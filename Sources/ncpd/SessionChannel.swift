// Where one session's frames go back to linkd (issue 13 point 1): its own
// channel (DESIGN.md "Channels"; multilink links, and every session of a
// linkd that does not use the mux), or linkd's mux under the handle linkd
// chose (docs/design.md "Fewer descriptors per session"). The session's code
// sends through this and never asks which.
#if canImport(Glibc)
import Glibc
#endif
import IPC

final class SessionChannel {
    /// The dedicated channel's end; nil on the mux.
    private var own: FileDescriptor?
    let mux: MuxEndpoint?
    let handle: UInt32

    init(dedicated fd: consuming FileDescriptor) {
        own = .some(fd)
        mux = nil
        handle = 0
        // Room for a burst of TUN packets towards linkd even where
        // net.core.wmem_max held linkd's setting down (CAP_NET_ADMIN goes beyond it).
        if let raw = own?.raw { Socket.setSendBuffer(raw, bytes: Socket.channelSendBuffer, force: true) }
    }

    init(mux: MuxEndpoint, handle: UInt32) {
        own = nil
        self.mux = mux
        self.handle = handle
    }

    /// linkd closed the session on the mux: nothing to send it back.
    private var closedByLinkd = false

    func peerClosed() { closedByLinkd = true }

    /// The dedicated channel's descriptor (to watch, to deposit); nil on the mux.
    var dedicated: Int32? { own?.raw }
    /// The same, -1 on the mux.
    var raw: Int32 { own?.raw ?? -1 }

    func send(protocol proto: UInt16, information: UnsafeRawBufferPointer) -> ChannelSend {
        if let raw = own?.raw { return ChannelPump.send(raw, protocol: proto, information: information) }
        guard let mux else { return .gone(EBADF) }
        return Self.result(mux.send(handle: handle, protocol: proto, information: information))
    }

    /// A whole channel frame (Protocol field or marker first).
    func send(_ frame: UnsafeRawBufferPointer) -> ChannelSend {
        if let raw = own?.raw { return ChannelPump.send(raw, frame) }
        guard let mux else { return .gone(EBADF) }
        return Self.result(mux.send(handle: handle, frame))
    }

    /// A frame waiting on the mux is as good as sent: it goes out in turn.
    static func result(_ r: MuxSend) -> ChannelSend {
        switch r {
        case .sent, .queued: return .sent
        case .full: return .full
        case .gone(let e): return .gone(e)
        }
    }

    /// The session is over here: linkd sees the hang-up of its channel, or
    /// a session-close on the mux (`reason`).
    func close(loop: EventLoop, reason: String) {
        if let raw = own?.raw {
            loop.unwatch(raw)
            // linkd sees the hang-up now, whoever still holds this object.
            _ = shutdown(raw, Int32(SHUT_RDWR))
            own = nil
        } else if let mux, mux.isOpen, !closedByLinkd {
            mux.forget(handle)
            mux.send(.close(handle: handle, reason: reason))
        }
    }
}
