// Readiness for systemd's Type=notify (sd_notify(3)): once every daemon of
// the boot is ready (or has left `starting`), pppinit sends READY=1 to the
// datagram socket named by NOTIFY_SOCKET, once, and unsets the variable so
// nothing it spawns inherits it. Without NOTIFY_SOCKET this does nothing.
#if canImport(Glibc)
import Glibc
#endif
import IPC

enum SystemdNotify {
    static func ready(status: String) {
        guard let raw = getenv("NOTIFY_SOCKET") else { return }
        let path = String(cString: raw)
        unsetenv("NOTIFY_SOCKET")
        // systemd's own socket is a path (/run/systemd/notify); an abstract
        // "@name" one (some container managers) is not reached here.
        guard path.hasPrefix("/"), let s = try? Socket.datagram() else { return }
        let message = "READY=1\nSTATUS=\(status)\nMAINPID=\(getpid())\n"
        _ = try? Socket.send(s.raw, to: path, Array(message.utf8))
    }
}
