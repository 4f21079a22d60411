// One entry of a daemon's seccomp allowlist: a syscall, allowed always or only
// when some of its arguments match. Arguments that are integers (a socket's
// family, an ioctl's request, open flags) can be checked by the filter;
// pointers (a path, a sockaddr) cannot, which is why a rule never names one.

/// A syscall allowed after the drop; `conditions` must all hold (libseccomp
/// ANDs the comparisons of one rule; several rules for one name are ORed).
public struct SyscallRule: Sendable, Hashable, CustomStringConvertible {
    /// `argument & mask == value` on the raw 64-bit argument register.
    public struct Condition: Sendable, Hashable {
        public let argument: UInt8
        public let mask: UInt64
        public let value: UInt64

        public init(argument: UInt8, mask: UInt64 = .max, value: UInt64) {
            self.argument = argument; self.mask = mask; self.value = value
        }
    }

    public let name: String
    public let conditions: [Condition]

    /// The most arguments a syscall has, so the most conditions one rule needs.
    public static let maxArguments: UInt8 = 6

    public init(_ name: String, _ conditions: [Condition] = []) {
        self.name = name; self.conditions = conditions
    }

    /// `name` only when argument `index` equals `value`.
    public static func when(_ name: String, argument index: UInt8, is value: UInt64) -> SyscallRule {
        SyscallRule(name, [Condition(argument: index, value: value)])
    }

    public var description: String {
        conditions.isEmpty ? name : name + "(" + conditions.map { c in
            c.mask == .max ? "a\(c.argument) == \(c.value)" : "a\(c.argument) & 0x\(String(c.mask, radix: 16)) == \(c.value)"
        }.joined(separator: ", ") + ")"
    }
}

/// The argument values the service table names (linux/socket.h, linux/if_tun.h,
/// linux/sockios.h, asm-generic/fcntl.h), so IPC stays free of those headers.
public enum SyscallArgument {
    public static let afUnix: UInt64 = 1
    public static let afInet: UInt64 = 2
    public static let afInet6: UInt64 = 10
    public static let afNetlink: UInt64 = 16
    /// socket(2)'s type without SOCK_NONBLOCK/SOCK_CLOEXEC.
    public static let socketTypeMask: UInt64 = 0xf
    public static let sockStream: UInt64 = 1
    /// _IOW('T', 202, int)
    public static let tunSetIff: UInt64 = 0x4004_54ca
    /// _IOW('T', 208, unsigned int), _IOW('T', 216, int), _IOR('T', 210, unsigned int)
    public static let tunSetOffload: UInt64 = 0x4004_54d0
    public static let tunSetVnetHeaderSize: UInt64 = 0x4004_54d8
    public static let tunGetIff: UInt64 = 0x8004_54d2
    public static let siocGifIndex: UInt64 = 0x8933
    /// sendmmsg's flags from CShim's ppp_send_batch (PPP_SEND_BATCH_FLAGS):
    /// MSG_DONTWAIT | MSG_NOSIGNAL.
    public static let sendBatchFlags: UInt64 = 0x4040
    /// SIOCOUTQ (= TIOCOUTQ): octets a socket has sent that its peer has
    /// not read yet (issue 17: a bundle link's channel backlog).
    public static let siocOutq: UInt64 = 0x5411
    /// O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_DIRECTORY | O_PATH | O_TMPFILE:
    /// with value O_RDWR, an open may only read and write a file that exists.
    public static let openModeMask: UInt64 = 0x3 | 0x40 | 0x200 | 0x400 | 0x1_0000 | 0x20_0000 | 0x40_0000
    public static let oRdwr: UInt64 = 2
}
