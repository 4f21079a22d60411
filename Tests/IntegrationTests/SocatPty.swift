// A pty pair made by socat for tests that run PPP over a tty: the two
// ends are /tmp symlinks, so each router's config names a device path.
import Foundation

/// A pty pair made by socat, links removed on `stop()`.
final class SocatPty {
    let a: String, b: String
    private let process = Process()

    init() throws {
        let id = "\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        (a, b) = ("/tmp/ppprouter-pty-\(id)-a", "/tmp/ppprouter-pty-\(id)-b")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/socat")
        process.arguments = ["pty,raw,echo=0,link=\(a)", "pty,raw,echo=0,link=\(b)"]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !(FileManager.default.fileExists(atPath: a) && FileManager.default.fileExists(atPath: b)),
              Date() < deadline { usleep(20_000) }
    }

    /// SIGKILL: socat can sit in its SIGTERM handler with every signal
    /// blocked while a side is still open, and never exit; killed, it
    /// cannot remove its link= symlinks, so we do. Once only.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        for p in [a, b] { try? FileManager.default.removeItem(atPath: p) }
    }
}
