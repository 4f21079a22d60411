// The [auth], [users.NAME] and [radius] sections: pppd's auth option names
// where pppd has one. The result goes to authd only (it carries secrets).
// A restart of authd (pppctl reload) re-reads these from the same file, so
// edited users, secrets files and RADIUS servers take effect without
// touching sessions already past the Authenticate phase.
import Config
import IPC

extension RouterConfig {
    static func parseAuth(_ root: inout TableReader) throws(ConfigError) -> AuthSettings {
        var a = AuthSettings()
        if var r = try root.table("auth") {
            a.papSecrets = try r.string("pap-secrets", default: a.papSecrets)
            a.chapSecrets = try r.string("chap-secrets", default: a.chapSecrets)
            a.chapRestart = try r.integer("chap-restart", default: a.chapRestart, in: 1...3600)
            a.chapMaxChallenge = try r.integer("chap-max-challenge", default: a.chapMaxChallenge, in: 1...1000)
            a.chapInterval = try r.integer("chap-interval", default: a.chapInterval, in: 0...86_400)
            a.papRestart = try r.integer("pap-restart", default: a.papRestart, in: 1...3600)
            a.papMaxAuthreq = try r.integer("pap-max-authreq", default: a.papMaxAuthreq, in: 1...1000)
            a.papTimeout = try r.integer("pap-timeout", default: a.papTimeout, in: 1...86_400)
            a.maxFailures = try r.integer("max-failures", default: a.maxFailures, in: 1...100)
            a.failureDelay = try r.integer("failure-delay", default: a.failureDelay, in: 0...60)
            try r.finish()
        }
        for (name, var r) in try root.namedTables("users") {
            a.users.append((name, try r.string("password")))
            try r.finish()
        }
        a.users.sort { $0.name < $1.name }
        if var r = try root.table("radius") {
            a.radiusTimeout = try r.integer("timeout", default: a.radiusTimeout, in: 1...60)
            a.radiusRetries = try r.integer("retries", default: a.radiusRetries, in: 1...10)
            a.nasIdentifier = try r.string("nas-identifier", default: a.nasIdentifier)
            a.interimInterval = try r.integer("acct-interim-interval", default: a.interimInterval, in: 0...86_400)
            a.requireMessageAuthenticator = try r.bool("require-message-authenticator", default: a.requireMessageAuthenticator)
            for var s in try r.tableArray("server") {
                let text = try s.string("address")
                guard let address = IPv4.parse(text) else {
                    throw ConfigError(file: s.file, line: s.line, reason: "RADIUS server address '\(text)' is not an IPv4 address")
                }
                var server = RadiusServer(address: address, secret: try s.string("secret"))
                server.authPort = try s.integer("auth-port", default: 1812, in: 1...65_535)
                server.acctPort = try s.integer("acct-port", default: 1813, in: 0...65_535)
                guard !server.secret.isEmpty else {
                    throw ConfigError(file: s.file, line: s.line, reason: "RADIUS server '\(text)' needs a non-empty 'secret' (RFC 2865 §3)")
                }
                a.radiusServers.append(server)
                try s.finish()
            }
            guard a.radiusServers.count <= 8 else {
                throw ConfigError(file: r.file, line: r.line, reason: "at most 8 [[radius.server]] entries")
            }
            try r.finish()
        }
        if var r = try root.table("dynamic-authorization") { try parseDynamicAuthorization(&r, into: &a) }
        return a
    }

    /// `[dynamic-authorization]`: RFC 5176's server side. pppinit binds the
    /// socket (listen, port) and hands it to authd; `[[...client]]` lists the
    /// addresses allowed to send Disconnect/CoA requests and their secrets.
    static func parseDynamicAuthorization(_ r: inout TableReader, into a: inout AuthSettings) throws(ConfigError) {
        let listen = try r.string("listen", default: "0.0.0.0")
        guard let address = IPv4.parse(listen) else {
            throw ConfigError(file: r.file, line: r.line, reason: "dynamic-authorization listen '\(listen)' is not an IPv4 address")
        }
        a.daeAddress = address
        // RFC 5176 §2.3: the Disconnect/CoA port is 3799.
        a.daePort = try r.integer("port", default: 3799, in: 1...65_535)
        a.daeEventWindow = try r.integer("event-timestamp-window", default: a.daeEventWindow, in: 0...86_400)
        for var c in try r.tableArray("client") {
            let text = try c.string("address")
            guard let ip = IPv4.parse(text) else {
                throw ConfigError(file: c.file, line: c.line, reason: "dynamic-authorization client '\(text)' is not an IPv4 address")
            }
            let secret = try c.string("secret")
            guard !secret.isEmpty else {
                throw ConfigError(file: c.file, line: c.line, reason: "dynamic-authorization client '\(text)' needs a non-empty 'secret'")
            }
            a.daeClients.append(DynamicAuthorizationClient(address: ip, secret: secret))
            try c.finish()
        }
        guard !a.daeClients.isEmpty, a.daeClients.count <= 64 else {
            throw ConfigError(file: r.file, line: r.line, reason: "[dynamic-authorization] needs 1 to 64 [[dynamic-authorization.client]] entries")
        }
        try r.finish()
    }

    /// The auth sections re-read from the config file, for an authd restart;
    /// a failure (authd keeps what it had) when the file no longer parses.
    func reloadedAuth() -> Result<AuthSettings, ConfigError> {
        do {
            return .success(try RouterConfig.load(path: file).auth)
        } catch {
            return .failure(error)
        }
    }
}
