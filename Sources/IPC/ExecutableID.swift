// What an executable is, for `pppctl upgrade --check` (issue 20): the GNU
// build id the linker writes into an ELF note (NT_GNU_BUILD_ID, in a PT_NOTE
// segment), read from the first 64 KiB of the file where the note sits;
// a file without one is named by an FNV-1a hash of its whole content. The
// running side is read through /proc/PID/exe, which opens the inode the
// process executes even after the path was replaced on disk.
#if canImport(Glibc)
import Glibc
#endif

public enum ExecutableID {
    /// How much of the file the note is looked for in.
    public static let headLength = 64 << 10

    /// "build-id:HEX", "fnv1a64:HEX", or nil when the file cannot be read.
    public static func of(path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { _ = close(fd) }
        var head = [UInt8](repeating: 0, count: headLength)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { return nil }
        if let note = try? BuildIDNote.find(in: head[0..<n]) {
            return "build-id:" + note.id.map { paddedHex($0) }.joined()
        }
        return hash(fd).map { "fnv1a64:" + paddedHex($0) }
    }

    /// FNV-1a, 64 bits, over the whole file.
    static func hash(_ fd: Int32) -> UInt64? {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var offset = 0
        while true {
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return h }
            for b in buf[0..<n] { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            offset += n
        }
    }
}

/// The NT_GNU_BUILD_ID note of a little-endian ELF64 file (the System V ABI's
/// ELF header and program headers; the note layout of the gABI "Note
/// Section"). `offset` is where the id's bytes are in the file.
public struct BuildIDNote: Equatable, Sendable {
    public var offset: Int
    public var id: [UInt8]

    public enum Failure: Error, Equatable, Sendable {
        /// Not \x7fELF, or not 64-bit little-endian.
        case notELF
        /// A header, program header or note runs past the bytes given.
        case truncated(String)
        /// A field that cannot be (entry size too small, note sizes that overflow).
        case malformed(String)
        /// A valid ELF file without a build id note.
        case absent
    }

    static let ptNote: UInt32 = 4
    static let ntGNUBuildID: UInt32 = 3
    /// A build id longer than this is not one a linker writes (SHA-1 is 20).
    public static let maxIDLength = 64

    /// Looks through every PT_NOTE segment that lies within `bytes`.
    public static func find(in bytes: ArraySlice<UInt8>) throws(Failure) -> BuildIDNote {
        let b = Array(bytes)
        guard b.count >= 64 else { throw b.count >= 4 && b[0..<4] == [0x7f, 0x45, 0x4c, 0x46] ? .truncated("ELF header") : .notELF }
        guard b[0..<4] == [0x7f, 0x45, 0x4c, 0x46], b[4] == 2, b[5] == 1 else { throw .notELF }
        let phoff = le(b, 0x20, 8), phentsize = le(b, 0x36, 2), phnum = le(b, 0x38, 2)
        guard phentsize >= 56 else { throw .malformed("program header entry of \(phentsize) octets") }
        guard phoff <= UInt64(b.count), UInt64(b.count) - phoff >= phentsize * phnum else { throw .truncated("program headers") }
        for i in 0..<Int(phnum) {
            let ph = Int(phoff) + i * Int(phentsize)
            guard le(b, ph, 4) == UInt64(ptNote) else { continue }
            let offset = le(b, ph + 8, 8), size = le(b, ph + 0x20, 8)
            guard offset <= UInt64(b.count), UInt64(b.count) - offset >= size else { throw .truncated("note segment") }
            if let note = try notes(b, from: Int(offset), to: Int(offset + size)) { return note }
        }
        throw .absent
    }

    private static func notes(_ b: [UInt8], from start: Int, to end: Int) throws(Failure) -> BuildIDNote? {
        var at = start
        while end - at >= 12 {
            let namesz = Int(le(b, at, 4)), descsz = Int(le(b, at + 4, 4)), type = UInt32(le(b, at + 8, 4))
            let name = at + 12, desc = name + align4(namesz)
            guard namesz <= end - name, align4(namesz) <= end - name, descsz <= end - desc else { throw .truncated("note") }
            if type == ntGNUBuildID, namesz == 4, b[name..<name + 4] == [0x47, 0x4e, 0x55, 0] {
                guard descsz > 0, descsz <= maxIDLength else { throw .malformed("build id of \(descsz) octets") }
                return BuildIDNote(offset: desc, id: Array(b[desc..<desc + descsz]))
            }
            guard align4(descsz) <= end - desc else { return nil }
            at = desc + align4(descsz)
        }
        return nil
    }

    private static func align4(_ n: Int) -> Int { (n + 3) & ~3 }

    /// A little-endian field of `width` octets at `at` (the caller checked the bounds).
    private static func le(_ b: [UInt8], _ at: Int, _ width: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<width).reversed() { v = v << 8 | UInt64(b[at + i]) }
        return v
    }
}
