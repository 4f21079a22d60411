// Integration: scripts/package-deb.sh builds a .deb of the executables just
// built; dpkg installs it into a scratch root (its own dpkg database, the
// maintainer script run chrootless with DPKG_ROOT, so the uids are created in
// the scratch root's /etc/passwd, not the host's); `pppinit --check` run
// from the installed tree passes on the shipped configuration.
import Foundation
import IPC
import Testing

@Suite(.serialized, .enabled(if: isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg-deb"),
                             "needs root and dpkg"))
struct PackageTests {
    @Test func debInstallsIntoAScratchRootAndChecksItsConfig() throws {
        let tag = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        let deb = "/tmp/ppprouter-\(tag).deb", root = "/tmp/ppprouter-root-\(tag)"
        defer { try? FileManager.default.removeItem(atPath: deb); try? FileManager.default.removeItem(atPath: root) }
        let build = try run("/usr/bin/env", ["BIN_DIR=\(binDir)", "/bin/bash", packageRoot + "/scripts/package-deb.sh", deb], timeout: 120)
        #expect(build.status == 0, "\(build.stdout)\(build.stderr)")
        let info = try run("/usr/bin/dpkg-deb", ["--field", deb, "Package", "Version"])
        #expect(info.stdout.contains("Package: ppprouter") && info.stdout.contains("Version: \(Version.release)"), "\(info.stdout)")

        for dir in ["/var/lib/dpkg/info", "/var/lib/dpkg/updates"] {
            try FileManager.default.createDirectory(atPath: root + dir, withIntermediateDirectories: true)
        }
        _ = FileManager.default.createFile(atPath: root + "/var/lib/dpkg/status", contents: nil)
        let install = try run("/usr/bin/dpkg", ["--root=\(root)", "--force-script-chrootless", "--force-not-root",
                                                "--force-depends", "--log=/dev/null", "-i", deb], timeout: 120)
        #expect(install.status == 0, "\(install.stdout)\(install.stderr)")
        let status = (try? String(contentsOfFile: root + "/var/lib/dpkg/status", encoding: .utf8)) ?? ""
        #expect(status.contains("Package: ppprouter") && status.contains("Status: install ok installed"), "\(status)")

        for path in ["/usr/sbin/pppinit", "/usr/bin/pppctl", "/usr/lib/ppprouter/metricsd", "/lib/systemd/system/ppprouter.service",
                     "/usr/lib/sysusers.d/ppprouter.conf", "/usr/lib/tmpfiles.d/ppprouter.conf",
                     "/usr/share/man/man8/pppinit.8.gz", "/usr/share/man/man8/pppctl.8.gz",
                     "/usr/share/man/man5/ppprouter.toml.5.gz", "/usr/share/bash-completion/completions/pppctl"] {
            #expect(FileManager.default.fileExists(atPath: root + path), "\(path) not installed")
        }
        let check = try run(root + "/usr/sbin/pppinit", ["--check", root + "/etc/ppprouter/ppprouter.toml"])
        #expect(check.status == 0 && check.stdout.contains(": ok"), "\(check.stdout)\(check.stderr)")
        let version = try run(root + "/usr/bin/pppctl", ["--version"])
        #expect(version.status == 0 && version.stdout.contains(Version.release))
        // The uids of the service table, made by the postinst in the scratch root only.
        let passwd = (try? String(contentsOfFile: root + "/etc/passwd", encoding: .utf8)) ?? ""
        let host = (try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? ""
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-sysusers") {
            #expect(passwd.contains("ppp-metricsd:x:61005:61005:"), "\(passwd)")
        }
        #expect(!host.contains("ppp-metricsd:x:61005") || host == passwd, "the host's /etc/passwd was changed")
        // A broken file fails the unit's ExecStartPre the same way.
        let unit = (try? String(contentsOfFile: root + "/lib/systemd/system/ppprouter.service", encoding: .utf8)) ?? ""
        #expect(unit.contains("Type=notify") && unit.contains("ExecStartPre=/usr/sbin/pppinit --check"))
    }
}
