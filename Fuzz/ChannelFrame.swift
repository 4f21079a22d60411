// fuzz-modules: CShim IPC PPP
// libFuzzer target: the channel path every frame between daemons takes —
// bridged's splice, linkd's relay and ncpd's data path read frames with
// IPC's ChannelPump and take them apart with PPP's ChannelFrame. The input is
// a list of length-prefixed datagrams, sent over a real SOCK_SEQPACKET
// socketpair (one per input, so a datagram is a datagram as the kernel keeps
// it) and drained as the splice drains a leg; each frame is decoded, a
// Protocol-Reject read out of LCP frames, and the decoded parts must be
// exactly the datagram's octets again.
#if canImport(Glibc)
import Glibc
#endif
import IPC
import PPP

final class Pair {
    var fds: [Int32] = [-1, -1]
    init?() {
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds) == 0 else { return nil }
    }
    deinit { close(fds[0]); close(fds[1]) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let pair = Pair() else { fatalError("socketpair: \(errno)") }
    // Datagrams: a 2-octet length (at most 2 KiB) then that many octets.
    var sent: [[UInt8]] = []
    var at = 0
    while at + 2 <= input.count && sent.count < 16 {
        let length = min(Int(input[at]) << 8 | Int(input[at + 1]), 2048, input.count - at - 2)
        let datagram = Array(input[(at + 2)..<(at + 2 + length)])
        at += 2 + length
        // A zero-length datagram reads as end-of-file on SEQPACKET; the
        // daemons never send one, and the pump treats it as the close.
        guard !datagram.isEmpty else { continue }
        let result = datagram.withUnsafeBytes { ChannelPump.send(pair.fds[0], $0) }
        guard result == .sent else { fatalError("send: \(result)") }
        sent.append(datagram)
    }
    var buffer = [UInt8](repeating: 0, count: 4096)
    var received = 0
    let end = ChannelPump.drain(pair.fds[1], into: &buffer, batch: 64) { n, bytes in
        precondition(received < sent.count && Array(bytes[0..<n]) == sent[received], "frame \(received) changed on the way")
        received += 1
        // Issue 21: the frames that are not PPP frames, by their marker.
        let kind = bytes.withUnsafeBytes { ChannelFrame.kind(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        switch kind {
        case .superPacket:
            if let proto = try? bytes.withUnsafeBytes({ b throws(PPPError) in try ChannelFrame.superPacket(UnsafeRawBufferPointer(rebasing: b[0..<n])) }) {
                precondition(n > ChannelFrame.superPacketHeaderLength && proto.rawValue == UInt16(bytes[2]) << 8 | UInt16(bytes[3]),
                             "super-packet misread")
            }
            return true
        case .capability:
            if let flags = try? bytes.withUnsafeBytes({ b throws(PPPError) in try ChannelFrame.capability(UnsafeRawBufferPointer(rebasing: b[0..<n])) }) {
                precondition(flags.isSubset(of: .known) && flags.rawValue == bytes[3] & ChannelOffload.known.rawValue,
                             "capability misread")
            }
            return true
        case .invalid:
            precondition((try? ChannelFrame.decode(bytes[0..<n])) == nil, "an invalid frame decoded")
            return true
        case .ppp: break
        }
        guard let (proto, information) = try? ChannelFrame.decode(bytes[0..<n]) else { return true }
        var rebuilt = [UInt8](repeating: 0, count: 2)
        rebuilt.withUnsafeMutableBytes { ChannelFrame.writeHeader(proto, into: $0) }
        precondition(rebuilt + information == Array(bytes[0..<n]), "decode lost octets")
        if proto.rawValue == 0xc021, let (rejected, data) = ChannelFrame.protocolReject(information) {
            precondition(data.startIndex >= information.startIndex && data.endIndex <= information.endIndex,
                         "Protocol-Reject data outside the frame")
            precondition(rejected.rawValue == UInt16(bytes[6]) << 8 | UInt16(bytes[7]), "rejected protocol misread")
        }
        return true
    }
    precondition(end == .drained && received == sent.count, "drain ended \(end) after \(received) of \(sent.count)")
    return 0
}
