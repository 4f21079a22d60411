// fuzz-modules: CShim IPC
// libFuzzer target for the two readers pppinit adopts daemons by (issue 20
// point 2): a pid file's "PID STARTTIME" and a /proc/PID/stat line. The
// first input byte picks the reader. Properties: nothing traps; a pid file
// that reads is written back as the same text (less an absent newline) and
// reads again to the same value; a stat line that reads has a state of one
// octet other than a space.
import IPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let selector = bytes.first else { return 0 }
    let input = bytes.dropFirst()
    if selector & 1 == 0 {
        guard let p = ProcessStart.parse(fileText: input) else { return 0 }
        precondition(p.pid > 0, "a pid file read a pid of \(p.pid)")
        let text = Array(p.fileText.utf8)
        precondition(ProcessStart.parse(fileText: text[...]) == p, "\(p) does not read back")
        // Canonical: each value has one text (no signs, no leading zeros).
        let withNewline = input.last == 10 ? Array(input) : Array(input) + [10]
        precondition(withNewline == text, "\(p): \(Array(input)) is not its own text")
    } else {
        guard let s = ProcessStart.parseStat(input) else { return 0 }
        precondition(s.state != UInt8(ascii: " "), "a state of a space")
    }
    return 0
}
