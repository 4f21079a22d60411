// A real FreeRADIUS (Debian's freeradius) for the RADIUS tests: its own
// config directory in /tmp (a copy of the packaged one, cut down to the
// pap/chap/mschap/files/detail modules), test users and client secret,
// listening on loopback high ports (auth PORT, acct PORT+1). Start-up waits
// at most 15 s for "Ready to process requests"; stop() kills it and removes
// the directory. `signReplies` makes it put Message-Authenticator in every
// Access-Accept and Access-Reject (what 3.2.5+ does by itself; Debian's
// 3.2.1 does it only when the reply list holds one, hence the `update
// reply`); false is a server our require-message-authenticator refuses.
import Foundation
import IPC

public let freeradiusBinary = "/usr/sbin/freeradius"
public let canRunFreeRadius = getuid() == 0 && FileManager.default.isExecutableFile(atPath: freeradiusBinary)
    && FileManager.default.fileExists(atPath: "/etc/freeradius/3.0/radiusd.conf")

public final class FreeRadius {
    public let dir: String
    public let port: UInt16
    public let secret = "t3st-secret"
    let process = Process()
    public private(set) var startup: Double = 0

    public static let users = """
        alice Cleartext-Password := "wonderland"
        \tFramed-IP-Address = 10.1.2.3,
        \tFramed-IP-Netmask = 255.255.255.0,
        \tSession-Timeout = 3600,
        \tIdle-Timeout = 600,
        \tAcct-Interim-Interval = 60,
        \tClass = "gold"
        bob Cleartext-Password := "b0b pass"
        \tReply-Message = "hello bob"
        carol Cleartext-Password := "c4rol"
        \tAcct-Interim-Interval = 1
        dave Cleartext-Password := "d4ve"
        \tAcct-Interim-Interval = 1,
        \tFramed-IPv6-Prefix = 2001:db8:77::/64,
        \tDelegated-IPv6-Prefix = 2001:db8:7700::/56
        tunnelled Cleartext-Password := "t-pass"
        \tTunnel-Type:1 = L2TP,
        \tTunnel-Medium-Type:1 = IPv4,
        \tTunnel-Server-Endpoint:1 = "10.235.0.1",
        \tTunnel-Password:1 = "radius-tunnel-pw",
        \tTunnel-Assignment-Id:1 = "grp-a",
        \tTunnel-Client-Auth-Id:1 = "lac-radius",
        \tTunnel-Server-Auth-Id:1 = "ppprouter",
        \tTunnel-Preference:1 = 20,
        \tTunnel-Type:2 = L2TP,
        \tTunnel-Medium-Type:2 = IPv4,
        \tTunnel-Server-Endpoint:2 = "10.235.0.1:1801",
        \tTunnel-Password:2 = "not-lns1-secret",
        \tTunnel-Preference:2 = 10
        plain@far.example Cleartext-Password := "p-pass"
        share1 Cleartext-Password := "s1-pass"
        \tTunnel-Type:1 = L2TP,
        \tTunnel-Medium-Type:1 = IPv4,
        \tTunnel-Server-Endpoint:1 = "10.235.0.1",
        \tTunnel-Password:1 = "radius-tunnel-pw",
        \tTunnel-Assignment-Id:1 = "grp-a"
        share2 Cleartext-Password := "s2-pass"
        \tTunnel-Type:1 = L2TP,
        \tTunnel-Medium-Type:1 = IPv4,
        \tTunnel-Server-Endpoint:1 = "10.235.0.1",
        \tTunnel-Password:1 = "radius-tunnel-pw",
        \tTunnel-Assignment-Id:1 = "grp-a"
        apart Cleartext-Password := "ap-pass"
        \tTunnel-Type:1 = L2TP,
        \tTunnel-Medium-Type:1 = IPv4,
        \tTunnel-Server-Endpoint:1 = "10.235.0.1",
        \tTunnel-Password:1 = "radius-tunnel-pw",
        \tTunnel-Assignment-Id:1 = "grp-b"
        far Cleartext-Password := "far-pass"
        \tTunnel-Type:1 = L2TP,
        \tTunnel-Medium-Type:1 = IPv4,
        \tTunnel-Server-Endpoint:1 = "10.237.0.1",
        \tTunnel-Password:1 = "lns-b-pw",
        \tTunnel-Assignment-Id:1 = "grp-c",
        \tTunnel-Client-Auth-Id:1 = "lac-b"
        silent Cleartext-Password := "sl-pass"
        \tTunnel-Type:1 = L2TP,
        \tTunnel-Medium-Type:1 = IPv4,
        \tTunnel-Server-Endpoint:1 = "10.235.0.1:1901",
        \tTunnel-Password:1 = "lns-b-pw",
        \tTunnel-Preference:1 = 10,
        \tTunnel-Type:2 = L2TP,
        \tTunnel-Medium-Type:2 = IPv4,
        \tTunnel-Server-Endpoint:2 = "10.237.0.1",
        \tTunnel-Password:2 = "lns-b-pw",
        \tTunnel-Assignment-Id:2 = "grp-d",
        \tTunnel-Client-Auth-Id:2 = "lac-b",
        \tTunnel-Preference:2 = 20

        """

    /// `netns`: run it inside that network namespace (`ip netns exec`, which
    /// execs), where the routers under test reach it on their loopback.
    /// `port`: the authentication port (accounting is the next one); by
    /// default a random even port in 30000-40000.
    public init(netns: String? = nil, signReplies: Bool = true, port chosen: UInt16? = nil) throws {
        port = chosen ?? UInt16.random(in: 30_000...40_000) & ~1
        dir = "/tmp/ppprouter-freeradius-\(getpid())-\(port)"
        let raddb = dir + "/raddb"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/log", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
        try copyTree("/etc/freeradius/3.0", raddb)
        var conf = try String(contentsOfFile: raddb + "/radiusd.conf", encoding: .utf8)
        var lines: [String] = []
        for line in conf.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("logdir =") { lines.append("logdir = \(dir)/log") }
            else if t.hasPrefix("raddbdir =") { lines.append("raddbdir = \(raddb)") }
            else if t.hasPrefix("run_dir =") { lines.append("run_dir = \(dir)/run") }
            else if t == "user = freerad" || t == "group = freerad" { continue }  // stay root: a test directory
            else if t.hasPrefix("reject_delay =") { lines.append("\treject_delay = 0") }  // answer rejects at once
            else { lines.append(String(line)) }
        }
        conf = lines.joined(separator: "\n")
        try conf.write(toFile: raddb + "/radiusd.conf", atomically: true, encoding: .utf8)
        for sub in ["mods-enabled", "sites-enabled"] {
            for f in try fm.contentsOfDirectory(atPath: raddb + "/" + sub) { try fm.removeItem(atPath: "\(raddb)/\(sub)/\(f)") }
        }
        for m in ["always", "pap", "chap", "mschap", "files", "detail", "preprocess", "expiration", "logintime", "attr_filter"] {
            try fm.createSymbolicLink(atPath: "\(raddb)/mods-enabled/\(m)", withDestinationPath: "../mods-available/\(m)")
        }
        try """
            server default {
            listen {
            \ttype = auth
            \tipaddr = 127.0.0.1
            \tport = \(port)
            }
            listen {
            \ttype = acct
            \tipaddr = 127.0.0.1
            \tport = \(port + 1)
            }
            authorize {
            \tpreprocess
            \tchap
            \tmschap
            \tfiles
            \tpap
            }
            authenticate {
            \tAuth-Type PAP {
            \t\tpap
            \t}
            \tAuth-Type CHAP {
            \t\tchap
            \t}
            \tAuth-Type MS-CHAP {
            \t\tmschap
            \t}
            }
            preacct {
            \tpreprocess
            }
            accounting {
            \tdetail
            }
            post-auth {
            \(signReplies ? "\tupdate reply {\n\t\tMessage-Authenticator := 0x00\n\t}" : "")
            \tPost-Auth-Type REJECT {
            \t\t\(signReplies ? "update reply {\n\t\t\tMessage-Authenticator := 0x00\n\t\t}" : "ok")
            \t}
            }
            }

            """.write(toFile: raddb + "/sites-enabled/test", atomically: true, encoding: .utf8)
        try "client lo {\n\tipaddr = 127.0.0.1\n\tsecret = \(secret)\n}\n"
            .write(toFile: raddb + "/clients.conf", atomically: true, encoding: .utf8)
        try Self.users.write(toFile: raddb + "/mods-config/files/authorize", atomically: true, encoding: .utf8)
        fm.createFile(atPath: dir + "/out.log", contents: nil)
        let out = FileHandle(forWritingAtPath: dir + "/out.log")!
        // -X: foreground, one thread, full log.
        if let netns {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = ["netns", "exec", netns, freeradiusBinary, "-X", "-d", raddb]
        } else {
            process.executableURL = URL(fileURLWithPath: freeradiusBinary)
            process.arguments = ["-X", "-d", raddb]
        }
        process.standardOutput = out
        process.standardError = out
        let t0 = Date()
        try process.run()
        while Date().timeIntervalSince(t0) < 15 && process.isRunning && !output.contains("Ready to process requests") {
            usleep(20_000)
        }
        startup = Date().timeIntervalSince(t0)
        guard process.isRunning, output.contains("Ready to process requests") else {
            let log = output + (process.isRunning ? "" : "\n(exit status \(process.terminationStatus))")
            stop()
            throw FreeRadiusError(log: String(log.suffix(2000)))
        }
    }

    public var output: String { (try? String(contentsOfFile: dir + "/out.log", encoding: .utf8)) ?? "" }

    /// Everything the detail module wrote (accounting records).
    public var detail: String {
        let base = dir + "/log/radacct"
        guard let files = FileManager.default.subpaths(atPath: base) else { return "" }
        return files.sorted().compactMap { try? String(contentsOfFile: base + "/" + $0, encoding: .utf8) }.joined()
    }

    /// The `[radius]` section of a router config that uses this server for
    /// authentication and accounting.
    public var routerSection: String {
        """
        [radius]
        [[radius.server]]
        address = "127.0.0.1"
        auth-port = \(port)
        acct-port = \(port + 1)
        secret = "\(secret)"
        """
    }

    public var server: RadiusServer {
        var s = RadiusServer(address: IPv4.parse("127.0.0.1")!, secret: secret)
        s.authPort = port; s.acctPort = port + 1
        return s
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    deinit { stop() }
}

public struct FreeRadiusError: Error, CustomStringConvertible {
    public let log: String
    public var description: String { "FreeRADIUS did not start:\n\(log)" }
}

/// `cp -a`: the packaged config with its symlinks.
func copyTree(_ from: String, _ to: String) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/cp")
    p.arguments = ["-a", from, to]
    try p.run()
    p.waitUntilExit()
}
