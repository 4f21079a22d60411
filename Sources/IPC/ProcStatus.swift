// Reads the confinement of a process from /proc/PID/status: what `pppctl
// components` reports and what the tests check (CapEff, NoNewPrivs, Seccomp).
#if canImport(Glibc)
import Glibc
#endif

public struct ProcStatus: Equatable, Sendable {
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var capEff: UInt64 = 0
    public var noNewPrivs: Int = 0
    public var seccomp: Int = 0
    /// VmRSS, in bytes (metricsd's per-component memory).
    public var rssBytes: UInt64 = 0

    /// nil when the process is gone.
    public static func read(pid: Int32) -> ProcStatus? {
        guard let text = readFile("/proc/\(pid)/status") else { return nil }
        return parse(text)
    }

    public static func parse(_ text: String) -> ProcStatus {
        var s = ProcStatus()
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == "\t" || $0 == " " })
            guard parts.count >= 2 else { continue }
            switch parts[0] {
            case "Uid": s.uid = UInt32(parts[1]) ?? 0
            case "Gid": s.gid = UInt32(parts[1]) ?? 0
            case "CapEff": s.capEff = UInt64(parts[1], radix: 16) ?? 0
            case "NoNewPrivs": s.noNewPrivs = Int(parts[1]) ?? 0
            case "Seccomp": s.seccomp = Int(parts[1]) ?? 0
            case "VmRSS": s.rssBytes = (UInt64(parts[1]) ?? 0) * 1024  // proc(5): "kB"
            default: break
            }
        }
        return s
    }

    /// The number of open descriptors of `pid` (entries of /proc/PID/fd),
    /// nil when it cannot be read (gone, or not ours to read).
    public static func descriptorCount(pid: Int32) -> Int? {
        guard let dir = opendir("/proc/\(pid)/fd") else { return nil }
        defer { closedir(dir) }
        var n = 0
        while let e = readdir(dir) {
            let first = withUnsafeBytes(of: e.pointee.d_name) { $0[0] }
            if first != UInt8(ascii: ".") { n += 1 }
        }
        return n
    }

    /// Small text files only (/proc entries); nil on any error.
    public static func readFile(_ path: String, limit: Int = 1 << 20) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < limit {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            out.append(contentsOf: buf[0..<n])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
