// What pppinit checks before it starts anything, and all that
// `pppinit --check FILE` does (issue 19): the file parses with every value in
// range (RouterConfig.parse, which also refuses overlapping pools), the
// ports' addresses are literal, and the files it names exist and are readable, hook
// scripts executable. A start refuses on the same errors, so a check that
// passes is a start that gets past its configuration. A secrets file others
// may read is a warning, not an error (authd reads it as root either way;
// refusing would stop routers whose files were made under a 022 umask).
#if canImport(Glibc)
import Glibc
#endif
import Config
import IPC

extension RouterConfig {
    static func checked(path: String, warnings: inout [ConfigError]) throws(ConfigError) -> RouterConfig {
        let c = try load(path: path)
        warnings = try c.checkFiles()
        let unknown = Service.unknownSyscalls
        guard unknown.isEmpty else {
            throw ConfigError(file: path, line: 0, reason: "seccomp: this libseccomp does not know \(unknown)")
        }
        return c
    }

    /// Secrets files: regular and readable; a warning when others may read
    /// them (they hold passwords; pppd's chap-secrets is 0600). Hook
    /// scripts: regular and executable.
    func checkFiles() throws(ConfigError) -> [ConfigError] {
        var warnings: [ConfigError] = []
        let text = ProcStatus.readFile(file) ?? ""
        // linkd binds and connects with inet_pton, no lookups: a name such
        // as "localhost:1" would make its linkd fail at every restart.
        for p in ports where p.kind == .udp || p.kind == .tcp {
            let keys = p.kind == .udp ? [("local", p.local), ("remote", p.remote)] : [("listen", p.local), ("connect", p.remote)]
            for (key, value) in keys where !value.isEmpty && !Self.isLiteralEndpoint(value) {
                throw ConfigError(file: file, line: Self.line(of: "\"\(value)\"", in: text),
                                  reason: "port '\(p.name)': '\(key)' is ADDRESS:PORT with a literal address, e.g. \"127.0.0.1:5000\" or \"[::1]:5000\"; got \"\(value)\"")
            }
        }
        for (key, path) in [("pap-secrets", auth.papSecrets), ("chap-secrets", auth.chapSecrets)] where !path.isEmpty {
            let line = Self.line(of: key, in: text)
            var st = stat()
            guard stat(path, &st) == 0 else {
                throw ConfigError(file: file, line: line, reason: "\(key) \(path): \(Errno.describe(errno))")
            }
            guard st.st_mode & S_IFMT == S_IFREG else {
                throw ConfigError(file: file, line: line, reason: "\(key) \(path): not a regular file")
            }
            guard access(path, R_OK) == 0 else {
                throw ConfigError(file: file, line: line, reason: "\(key) \(path): not readable: \(Errno.describe(errno))")
            }
            if st.st_mode & 0o007 != 0 {
                warnings.append(ConfigError(file: file, line: line,
                                            reason: "warning: \(key) \(path): mode \(String(st.st_mode & 0o777, radix: 8)) lets others read it; chmod o-rwx"))
            }
        }
        for (event, path) in hooks.scripts.sorted(by: { $0.value < $1.value }) {
            let line = Self.line(of: path, in: text)
            var st = stat()
            guard stat(path, &st) == 0 else {
                throw ConfigError(file: file, line: line, reason: "hook \(event.name) \(path): \(Errno.describe(errno))")
            }
            guard st.st_mode & S_IFMT == S_IFREG, access(path, X_OK) == 0 else {
                throw ConfigError(file: file, line: line, reason: "hook \(event.name) \(path): not an executable file")
            }
        }
        return warnings
    }

    /// The first line that mentions `needle` (1-based), 0 if none: the
    /// settings keep values, not where they came from.
    static func line(of needle: String, in text: String) -> Int {
        for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where l.contains(needle) {
            return i + 1
        }
        return 0
    }
}

/// `pppinit --check FILE`: prints "FILE: ok" and returns 0, or
/// "file:line: reason" and returns 1.
enum ConfigCheck {
    static func run(path: String) -> Int32 {
        do {
            var warnings: [ConfigError] = []
            let c = try RouterConfig.checked(path: path, warnings: &warnings)
            for w in warnings { Sys.write(2, Array("\(w)\n".utf8)) }
            let parts = c.ports.map(\.name).joined(separator: ", ")
            Sys.write(1, Array("\(path): ok (\(c.ports.count) ports\(parts.isEmpty ? "" : ": " + parts))\n".utf8))
            return 0
        } catch {
            Sys.write(2, Array("\(error)\n".utf8))
            return 1
        }
    }
}
