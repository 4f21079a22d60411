// A daemon's own copy of what it has in pppinit's fd store: per key the
// latest record and the numbers of the descriptors it deposited, in deposit
// order. When pppinit dies, the store dies with it; the daemon re-deposits
// from here to the next pppinit (docs/design.md, issue 20 point 2).
//
// No descriptor is duplicated for this: a deposit is always a duplicate of
// a descriptor the daemon keeps using (DESIGN.md "fd store"), so the mirror
// names the daemon's live ones, and with thousands of sessions a second
// copy of each would halve what fits under the descriptor limit. What a
// number named when it was deposited (device and inode) is kept with it:
// a descriptor the daemon closed without withdrawing, its number reused
// since, is not sent under the old key.
#if canImport(Glibc)
import Glibc
#endif

public struct DepositMirror {
    public struct Held: Equatable {
        public var fd: Int32
        public var device: UInt64
        public var inode: UInt64
    }

    public struct Entry: Equatable {
        public var key: String
        public var record: [UInt8]
        public var descriptors: [Held]
    }

    private var entries: [String: (order: Int, entry: Entry)] = [:]
    private var nextOrder = 0

    public init() {}

    public var count: Int { entries.count }

    /// Replaces any entry under the same key (the fd store's semantics);
    /// false if a descriptor cannot be fstat'ed (it is not open).
    @discardableResult
    public mutating func deposit(key: String, record: [UInt8], descriptors: [Int32]) -> Bool {
        var held: [Held] = []
        for fd in descriptors {
            guard let id = Self.identity(fd) else { return false }
            held.append(Held(fd: fd, device: id.device, inode: id.inode))
        }
        entries[key] = (nextOrder, Entry(key: key, record: Self.exact(record), descriptors: held))
        nextOrder += 1
        return true
    }

    /// The record in an array of its own length. One built by appending
    /// (ByteWriter) has room for up to twice its octets, and the mirror
    /// keeps one per session for the session's life: at 10,000 sessions
    /// a 300-octet record in a 528-octet array was ~230 octets of RSS per
    /// session in linkd and again in ncpd (issue 13, point 5).
    static func exact(_ record: [UInt8]) -> [UInt8] {
        guard record.capacity - record.count > 32 else { return record }
        return [UInt8](unsafeUninitializedCapacity: record.count) { buffer, n in
            n = buffer.initialize(from: record).1
        }
    }

    public mutating func withdraw(key: String) {
        entries[key] = nil
    }

    /// Every entry in deposit order, split into those whose descriptors
    /// still name what was deposited and the keys of those that do not.
    public func live() -> (entries: [Entry], stale: [String]) {
        var ok: [Entry] = [], stale: [String] = []
        for (_, held) in entries.sorted(by: { $0.value.order < $1.value.order }) {
            let e = held.entry
            if e.descriptors.allSatisfy({ d in Self.identity(d.fd).map { $0 == (d.device, d.inode) } ?? false }) {
                ok.append(e)
            } else {
                stale.append(e.key)
            }
        }
        return (ok, stale)
    }

    /// fstat(2)'s device and inode of `fd`, nil if it is not open.
    static func identity(_ fd: Int32) -> (device: UInt64, inode: UInt64)? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }
}
