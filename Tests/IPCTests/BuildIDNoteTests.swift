// The build id `pppctl upgrade --check` compares (ExecutableID, BuildIDNote):
// found in a real executable (this test's own), and a boundary table of
// headers and notes that are short, cut, or lie about their sizes.
import Foundation
import Testing
@testable import IPC

@Suite struct BuildIDNoteTests {
    /// A minimal ELF64 LE: header, one PT_NOTE program header, the note.
    static func elf(namesz: UInt32 = 4, name: [UInt8] = Array("GNU\0".utf8), descsz: UInt32 = 20, type: UInt32 = 3,
                    id: [UInt8] = (1...20).map { UInt8($0) }, phentsize: UInt16 = 56, phnum: UInt16 = 1,
                    noteSize: UInt64? = nil) -> [UInt8] {
        func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        var note = le(UInt64(namesz), 4) + le(UInt64(descsz), 4) + le(UInt64(type), 4) + name
        while note.count % 4 != 0 { note.append(0) }
        note += id
        while note.count % 4 != 0 { note.append(0) }
        var header = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1] + [UInt8](repeating: 0, count: 64 - 7)
        header.replaceSubrange(0x20..<0x28, with: le(64, 8))
        header.replaceSubrange(0x36..<0x38, with: le(UInt64(phentsize), 2))
        header.replaceSubrange(0x38..<0x3a, with: le(UInt64(phnum), 2))
        var ph = le(4, 4) + le(0, 4) + le(64 + 56, 8) + [UInt8](repeating: 0, count: 16) + le(noteSize ?? UInt64(note.count), 8)
        ph += [UInt8](repeating: 0, count: 56 - ph.count)
        return header + ph + note
    }

    @Test func syntheticNoteIsFound() throws {
        let note = try BuildIDNote.find(in: Self.elf()[...])
        #expect(note.id == (1...20).map { UInt8($0) })
        #expect(note.offset == 64 + 56 + 12 + 4)
    }

    @Test func thisTestExecutableHasOne() throws {
        let id = try #require(ExecutableID.of(path: "/proc/self/exe"))
        #expect(id.hasPrefix("build-id:") && id.count == "build-id:".count + 40, "\(id)")
        // A file without a note is named by its content's hash.
        let path = "/tmp/ppprouter-buildid-\(getpid())"
        try Data("#!/bin/sh\nexit 1\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        #expect(ExecutableID.of(path: path)?.hasPrefix("fnv1a64:") == true)
        #expect(ExecutableID.of(path: "/nonexistent/ppprouter") == nil)
    }

    static let refusals: [(String, [UInt8], BuildIDNote.Failure)] = [
        ("empty", [], .notELF),
        ("three octets", [0x7f, 0x45, 0x4c], .notELF),
        ("magic only", [0x7f, 0x45, 0x4c, 0x46], .truncated("ELF header")),
        ("not ELF", [UInt8](repeating: 0x41, count: 200), .notELF),
        ("32-bit", { var b = elf(); b[4] = 1; return b }(), .notELF),
        ("big-endian", { var b = elf(); b[5] = 2; return b }(), .notELF),
        ("header cut", Array(elf().prefix(63)), .truncated("ELF header")),
        ("program header cut", Array(elf().prefix(64 + 55)), .truncated("program headers")),
        ("entry size too small", elf(phentsize: 40), .malformed("program header entry of 40 octets")),
        ("phnum past the end", elf(phnum: 1000), .truncated("program headers")),
        ("note segment past the end", elf(noteSize: 4096), .truncated("note segment")),
        ("note cut", { let b = elf(); return Array(b.prefix(b.count - 4)) }(), .truncated("note segment")),
        ("descsz past the segment", elf(descsz: 400), .truncated("note")),
        ("namesz past the segment", elf(namesz: 0xffff_fff0), .truncated("note")),
        ("empty id", elf(descsz: 0, id: []), .malformed("build id of 0 octets")),
        ("id too long", elf(descsz: 68, id: [UInt8](repeating: 7, count: 68)), .malformed("build id of 68 octets")),
        ("another note type", elf(type: 1), .absent),
        ("another owner", elf(name: Array("GNX\0".utf8)), .absent),
    ]

    @Test(arguments: refusals.indices)
    func refusedWithATypedFailure(_ i: Int) {
        let (what, bytes, expected) = Self.refusals[i]
        do {
            let note = try BuildIDNote.find(in: bytes[...])
            Issue.record("\(what): found \(note)")
        } catch {
            #expect(error == expected, "\(what)")
        }
    }
}
