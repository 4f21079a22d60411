// [metrics]: where metricsd serves the Prometheus text format. Absent: no
// metricsd runs. pppinit binds the address (Router+Metrics.swift), so it must
// be a literal IPv4 or bracketed IPv6 address with a port; no name lookups.
#if canImport(Glibc)
import Glibc
#endif
import Config
import IPC

extension RouterConfig {
    static func parseMetrics(_ root: inout TableReader) throws(ConfigError) -> MetricsdSettings? {
        guard var r = try root.table("metrics") else { return nil }
        let listen = try r.string("listen", default: "127.0.0.1:9361")
        guard isLiteralEndpoint(listen) else {
            throw ConfigError(file: r.file, line: r.line,
                              reason: "metrics: 'listen' is ADDRESS:PORT with a literal address, e.g. \"127.0.0.1:9361\" or \"[::1]:9361\"; got \"\(listen)\"")
        }
        let perSession = try r.bool("per-session", default: false)
        let timeout = try r.float("gather-timeout", default: 5, in: 0.1...60)
        try r.finish()
        return MetricsdSettings(listen: listen, perSession: perSession, gatherTimeout: timeout)
    }

    /// "a.b.c.d:port" or "[v6]:port" with a port in 1...65535.
    static func isLiteralEndpoint(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return false }
        var host = String(text[..<colon])
        var buffer = [UInt8](repeating: 0, count: 16)
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            return inet_pton(AF_INET6, host, &buffer) == 1
        }
        return inet_pton(AF_INET, host, &buffer) == 1
    }
}
