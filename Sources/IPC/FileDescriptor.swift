// Owned descriptors. A FileDescriptor is move-only: it closes exactly once,
// either when consumed by close()/release() or when it goes out of scope.
// A received message's descriptors live in a Descriptors value until taken.
#if canImport(Glibc)
import Glibc
#endif

public struct FileDescriptor: ~Copyable {
    public let raw: Int32

    public init(adopting raw: Int32) { self.raw = raw }

    /// Gives up ownership without closing (e.g. before exec placement).
    public consuming func release() -> Int32 {
        let r = raw
        discard self
        return r
    }

    public consuming func close() {
        _ = Glibc.close(raw)
        discard self
    }

    /// A second owned descriptor for the same open file (F_DUPFD_CLOEXEC).
    public func duplicate() throws(IPCError) -> FileDescriptor {
        let r = raw
        let n = try Errno.check("fcntl(F_DUPFD_CLOEXEC)") { fcntl(r, F_DUPFD_CLOEXEC, 3) }
        return FileDescriptor(adopting: n)
    }

    deinit { _ = Glibc.close(raw) }
}

/// The descriptors that arrived with one message. Every one not taken is
/// closed when this value ends, so a handler that ignores them leaks nothing.
public struct Descriptors: ~Copyable {
    private var raws: [Int32]

    public init(adopting raws: [Int32]) { self.raws = raws }
    public static func none() -> Descriptors { Descriptors(adopting: []) }

    public var count: Int { raws.count }

    /// Takes ownership of descriptor `index`; taking it twice is a programmer error.
    public mutating func take(_ index: Int) -> FileDescriptor {
        let r = raws[index]
        precondition(r >= 0, "descriptor \(index) already taken")
        raws[index] = -1
        return FileDescriptor(adopting: r)
    }

    /// Descriptor `index` without taking it (to check its kind first);
    /// nil when out of range or already taken.
    public func raw(_ index: Int) -> Int32? {
        guard raws.indices.contains(index), raws[index] >= 0 else { return nil }
        return raws[index]
    }

    /// Closes every descriptor not yet taken.
    public mutating func closeAll() {
        for r in raws where r >= 0 { _ = Glibc.close(r) }
        raws = []
    }

    deinit { for r in raws where r >= 0 { _ = Glibc.close(r) } }
}

/// A descriptor kept in a collection (dictionaries need copyable values):
/// a reference that owns one FileDescriptor and closes it when the last
/// reference goes.
public final class SharedDescriptor {
    private var fd: FileDescriptor?
    public init(_ fd: consuming FileDescriptor) { self.fd = .some(fd) }
    public var raw: Int32 { fd?.raw ?? -1 }
    /// Moves the descriptor out; later calls return nil.
    public func take() -> FileDescriptor? {
        let taken = fd.take()
        return taken
    }
}
