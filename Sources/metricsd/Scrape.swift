// The HTTP side of metricsd: connections accepted on the socket pppinit
// bound, each read until its request line and header section are in
// (HTTPRequest), answered once and closed (`Connection: close`). A slow or
// silent client is closed after `idle` seconds; beyond `maxConnections` a new
// connection is closed at once. Only GET /metrics (and /) gathers.
#if canImport(Glibc)
import Glibc
#endif
import CShim
import IPC

final class ScrapeServer {
    private let listener: FileDescriptor
    private let loop: EventLoop
    private let log: Log
    /// Starts a gather; the returned object is kept until the answer is sent.
    private let gather: (@escaping (Snapshot) -> Void) -> AnyObject
    private var connections: [Int32: Connection] = [:]
    static let maxConnections = 8
    static let idle = 10.0
    /// Scrapes served, and requests refused (bad, wrong path, too many).
    private(set) var served = 0
    private(set) var refused = 0

    final class Connection {
        let fd: SharedDescriptor
        var input: [UInt8] = []
        var output: [UInt8] = []
        var sent = 0
        var timer: TimerID?
        var answering = false
        /// The scrape's Gatherer while it runs.
        var gathering: AnyObject?
        init(_ fd: consuming FileDescriptor) { self.fd = SharedDescriptor(fd) }
    }

    init(listener: consuming FileDescriptor, loop: EventLoop, log: Log,
         gather: @escaping (@escaping (Snapshot) -> Void) -> AnyObject) {
        self.listener = listener; self.loop = loop; self.log = log; self.gather = gather
    }

    func start() throws(IPCError) {
        try loop.watch(listener.raw) { [unowned self] _ in self.accept() }
    }

    private func accept() {
        for _ in 0..<16 {
            // accept4(SOCK_NONBLOCK | SOCK_CLOEXEC), through the shim (a GNU call).
            let fd = ppp_tcp_accept(listener.raw, nil, 0)
            guard fd >= 0 else { return }
            let owned = FileDescriptor(adopting: fd)
            guard connections.count < Self.maxConnections else { refused += 1; owned.close(); continue }
            let c = Connection(owned)
            connections[fd] = c
            c.timer = loop.schedule(after: Self.idle) { [unowned self] in c.timer = nil; self.close(c) }
            do { try loop.watch(fd) { [unowned self] events in self.event(c, events) } } catch { close(c) }
        }
    }

    private func event(_ c: Connection, _ events: IOEvents) {
        if events.contains(.writable) { flush(c); return }
        guard !c.answering else {
            // Anything more from the client while we answer is ignored; a hang-up ends it.
            if events.contains(.hangup) || events.contains(.error) { close(c) }
            return
        }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { read(c.fd.raw, $0.baseAddress, $0.count) }
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
        guard n > 0 else { close(c); return }
        c.input.append(contentsOf: buf[0..<n])
        switch HTTPRequest.parse(c.input[...]) {
        case .incomplete: return
        case let .malformed(why):
            refused += 1
            respond(c, status: "400 Bad Request", body: Array("\(why)\n".utf8))
        case let .request(method, target):
            let path = HTTPRequest.path(target)
            guard path == "/metrics" || path == "/" else {
                refused += 1
                respond(c, status: "404 Not Found", body: Array("metrics are at /metrics\n".utf8)); return
            }
            guard method == "GET" || method == "HEAD" else {
                refused += 1
                respond(c, status: "405 Method Not Allowed", body: Array("GET only\n".utf8), extra: "Allow: GET, HEAD\r\n"); return
            }
            c.answering = true
            c.gathering = gather { [weak self, weak c] snapshot in
                guard let self, let c, self.connections[c.fd.raw] === c else { return }
                c.gathering = nil
                self.served += 1
                let body = snapshot.render()
                self.respond(c, status: "200 OK", body: body, contentType: "text/plain; version=0.0.4; charset=utf-8",
                             headOnly: method == "HEAD")
            }
        }
    }

    private func respond(_ c: Connection, status: String, body: [UInt8],
                         contentType: String = "text/plain; charset=utf-8", extra: String = "", headOnly: Bool = false) {
        c.answering = true
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\(extra)Connection: close\r\n\r\n"
        c.output = Array(head.utf8) + (headOnly ? [] : body)
        flush(c)
    }

    private func flush(_ c: Connection) {
        while c.sent < c.output.count {
            let n = c.output[c.sent...].withUnsafeBytes { write(c.fd.raw, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN {
                do { try loop.modify(c.fd.raw, .writable) } catch { close(c) }
                return
            }
            guard n > 0 else { close(c); return }
            c.sent += n
        }
        close(c)
    }

    private func close(_ c: Connection) {
        let fd = c.fd.raw
        guard connections[fd] === c else { return }
        connections[fd] = nil
        if let t = c.timer { loop.cancel(t); c.timer = nil }
        c.gathering = nil
        loop.unwatch(fd)
        c.fd.take()?.close()
    }
}
