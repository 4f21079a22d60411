// fuzz-modules: CShim IPC PPP
// libFuzzer target: what a multilink bundle's rendezvous point (issue 17
// point 3; ncpd's BundleSocket, 0666 in the runtime dir) makes of a hostile
// datagram. The first byte picks the sender's uid and the descriptor count;
// the rest is the datagram. IPC's BundleRendezvous.admit must not trap; what
// it admits must be a channelHandedOver from linkd with two descriptors and a
// multilink record, and the bundle key computed from it as ncpd computes it
// must name a socket path of fixed shape. A second pass wraps the input as
// the record of a well-formed transfer, so the record decoder is reached
// on every run.
import IPC
import PPP

private let peers: [UInt32: Peer] = [1: .linkd, 2: .authd, 3: .ncpd]

@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print(value) }  // keeps the results alive
}

private func check(_ bytes: ArraySlice<UInt8>, uid: UInt32?, descriptors: Int) {
    let credentials = uid.map { Credentials(pid: 1, uid: $0, gid: $0) }
    switch BundleRendezvous.admit(bytes, credentials: credentials, descriptorCount: descriptors, peers: peers) {
    case let .success((record, m)):
        guard uid == 1, descriptors == 2, record.multilink == m, record.bridgeWith.isEmpty else {
            fatalError("admitted a datagram it must refuse")
        }
        // ncpd's key and linkd's socket path for it.
        if let key = try? MultilinkBundleKey(peerName: record.bundlePeerName, discriminatorOption: m.peerDiscriminator) {
            let path = BundleRendezvous.path(runtimeDir: "/run/ppp", name: key.rendezvousName)
            guard path.utf8.count == "/run/ppp/bundle/".utf8.count + 32 else { fatalError("path \(path)") }
            consume(path.utf8.count)
        }
    case let .failure(why):
        consume("\(why)".utf8.count)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let selector = bytes.first else { return 0 }
    let uid: UInt32? = selector & 3 == 0 ? nil : UInt32(selector & 3)
    let descriptors = Int(selector >> 2) % 4
    check(bytes.dropFirst(), uid: uid, descriptors: descriptors)
    if let wrapped = try? Codec.encode(.channelHandedOver(record: Array(bytes.dropFirst())), flags: [], callID: 0) {
        check(wrapped[...], uid: 1, descriptors: 2)
    }
    return 0
}
