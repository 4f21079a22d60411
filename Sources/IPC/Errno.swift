// Thin syscall wrappers in the swift-system manner: retry EINTR, report EAGAIN
// as "would block" (nil), and throw a typed IPCError.system otherwise.
#if canImport(Glibc)
import Glibc
#endif

public enum Errno {
    /// strerror(3) text for an errno value.
    public static func describe(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return String(cString: s)
    }

    /// Runs `body` until it stops failing with EINTR. Returns nil on EAGAIN.
    @inline(__always)
    public static func retrying<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(IPCError) -> T? {
        while true {
            let rc = body()
            if rc >= 0 { return rc }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return nil }
            if e == EPIPE || e == ECONNRESET { throw .peerClosed }
            throw .system(call: call, errno: e)
        }
    }

    /// As `retrying`, for calls where EAGAIN cannot happen or is itself an error.
    @inline(__always)
    public static func check<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(IPCError) -> T {
        guard let v = try retrying(call, body) else { throw .system(call: call, errno: EAGAIN) }
        return v
    }
}
