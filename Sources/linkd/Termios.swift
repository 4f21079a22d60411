// Puts a serial line or pty into the mode PPP needs: raw 8-bit bytes, no echo,
// no line discipline processing, the configured speed, and modem control and
// flow control as configured (pppd's `local` and `crtscts`). Done as root
// before the privilege drop, so the sandbox never needs termios ioctls.
#if canImport(Glibc)
import Glibc
#endif
import IPC

enum Termios {
    /// termios speeds are symbolic constants, not numbers.
    static let speeds: [(UInt32, speed_t)] = [
        (50, speed_t(B50)), (75, speed_t(B75)), (110, speed_t(B110)), (134, speed_t(B134)),
        (150, speed_t(B150)), (200, speed_t(B200)), (300, speed_t(B300)), (600, speed_t(B600)),
        (1200, speed_t(B1200)), (1800, speed_t(B1800)), (2400, speed_t(B2400)), (4800, speed_t(B4800)),
        (9600, speed_t(B9600)), (19200, speed_t(B19200)), (38400, speed_t(B38400)),
        (57600, speed_t(B57600)), (115_200, speed_t(B115200)), (230_400, speed_t(B230400)),
        (460_800, speed_t(B460800)), (500_000, speed_t(B500000)), (576_000, speed_t(B576000)),
        (921_600, speed_t(B921600)), (1_000_000, speed_t(B1000000)), (1_152_000, speed_t(B1152000)),
        (1_500_000, speed_t(B1500000)), (2_000_000, speed_t(B2000000)), (2_500_000, speed_t(B2500000)),
        (3_000_000, speed_t(B3000000)), (3_500_000, speed_t(B3500000)), (4_000_000, speed_t(B4000000)),
    ]

    /// cfmakeraw (8N1, no echo, no ICANON/ISIG, no input/output processing),
    /// then speed, CLOCAL and CRTSCTS; VMIN 1/VTIME 0 so a read returns what
    /// has arrived (the descriptor is non-blocking anyway).
    static func makeRaw(_ fd: Int32, _ settings: PortSettings) throws(IPCError) {
        var t = termios()
        _ = try Errno.check("tcgetattr(\(settings.device))") { tcgetattr(fd, &t) }
        cfmakeraw(&t)
        t.c_cflag |= tcflag_t(CREAD)
        if settings.localLine { t.c_cflag |= tcflag_t(CLOCAL) } else { t.c_cflag &= ~tcflag_t(CLOCAL) }
        // HUPCL: dropping DTR on close hangs up a modem, as pppd leaves it.
        t.c_cflag |= tcflag_t(HUPCL)
        if settings.crtscts { t.c_cflag |= tcflag_t(CRTSCTS) } else { t.c_cflag &= ~tcflag_t(CRTSCTS) }
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard let speed = speeds.first(where: { $0.0 == settings.speed })?.1 else {
            throw .invalid(callID: 0, reason: "speed \(settings.speed) is not a termios speed")
        }
        _ = cfsetispeed(&t, speed)
        _ = cfsetospeed(&t, speed)
        _ = try Errno.check("tcsetattr(\(settings.device))") { tcsetattr(fd, TCSANOW, &t) }
        // Whatever sat in the buffers belongs to an earlier user of the line.
        _ = tcflush(fd, TCIOFLUSH)
    }
}
