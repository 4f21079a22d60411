// Issue 17 point 3: a bundle's rendezvous point. SHA-256 against FIPS
// 180-2's examples (one block, two blocks, the padding boundary); the
// socket path (a digest that fits sun_path whatever the name); and the
// boundary table of what the owner admits from its 0666 socket: only
// linkd, only one whole channelHandedOver with exactly its two descriptors,
// only a multilink link's record. Bind-or-connect itself (stale-socket
// takeover) is SocketTests' rendezvousBindOrConnect.
import Testing
@testable import IPC

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

@Test func sha256MatchesTheStandardsExamples() {
    #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(hex(SHA256.hash([UInt8]())) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1000)))
            == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    // 55, 56 and 64 octets: the length field fits the last block, or does not.
    for n in [55, 56, 63, 64, 119, 120] {
        #expect(SHA256.hash([UInt8](repeating: 7, count: n)).count == 32)
        #expect(SHA256.hash([UInt8](repeating: 7, count: n)) != SHA256.hash([UInt8](repeating: 7, count: n + 1)))
    }
}

@Test func bundleSocketPathIsADigestThatFitsSunPath() {
    // sha256("bundle::IP:10.97.2.2") = 3959580fc30df8d6...: its first 128 bits.
    #expect(BundleRendezvous.path(runtimeDir: "/run/ppp", name: "bundle::IP:10.97.2.2")
            == "/run/ppp/bundle/3959580fc30df8d6a1a256d9f0a67d0e")
    let longest = String(repeating: "d", count: BundleRendezvous.longestRuntimeDir)
    let longName = "bundle:" + String(repeating: "/x", count: 200) + ":null"
    let path = BundleRendezvous.path(runtimeDir: longest, name: longName)
    #expect(path.utf8.count == 107, "sun_path holds 107 octets and the NUL")
    #expect(!BundleRendezvous.digest(longName).contains("/"))
    #expect(BundleRendezvous.digest("bundle:a:null") != BundleRendezvous.digest("bundle:b:null"))
}

private let linkdUID: UInt32 = 901, authdUID: UInt32 = 902
private let peers: [UInt32: Peer] = [linkdUID: .linkd, authdUID: .authd]
private let linkd = Credentials(pid: 10, uid: linkdUID, gid: linkdUID)

private func multilinkRecord(name: String = "alice") -> ChannelRecord {
    var r = ChannelRecord(session: "ser0:1", port: "ser0")
    var v = AuthVerdict(session: "ser0:1", success: true)
    v.peerName = name
    r.verdict = v
    var m = ChannelMultilink()
    m.localMRRU = 1500
    m.peerMRRU = 1500
    m.peerDiscriminator = [3, 192, 0, 2, 9]
    r.multilink = m
    return r
}

private func transfer(_ record: ChannelRecord) throws -> [UInt8] {
    try Codec.encode(.channelHandedOver(record: record.encoded()), flags: [], callID: 0)
}

private func refusal(_ bytes: [UInt8], credentials: Credentials? = linkd, descriptors: Int = 2) -> BundleRendezvous.Refusal? {
    switch BundleRendezvous.admit(bytes[...], credentials: credentials, descriptorCount: descriptors, peers: peers) {
    case .success: nil
    case let .failure(why): why
    }
}

@Test func bundleSocketAdmitsOnlyALinkFromLinkd() throws {
    let record = multilinkRecord()
    let good = try transfer(record)
    guard case let .success((got, m)) = BundleRendezvous.admit(good[...], credentials: linkd, descriptorCount: 2, peers: peers)
    else { Issue.record("a multilink link from linkd must be admitted"); return }
    #expect(got == record && m == record.multilink)
    #expect(got.bundlePeerName == "alice")

    // Senders: none named by the kernel, a stranger, another daemon.
    #expect(refusal(good, credentials: nil) == .unknownSender(uid: nil))
    #expect(refusal(good, credentials: Credentials(pid: 1, uid: 1000, gid: 1000)) == .unknownSender(uid: 1000))
    #expect(refusal(good, credentials: Credentials(pid: 1, uid: authdUID, gid: 0)) == .notLinkd(.authd))
    // Descriptors: exactly the channel and R.
    for n in [0, 1, 3, 250] {
        guard case .undecodable = refusal(good, descriptors: n) else { Issue.record("\(n) descriptors admitted"); continue }
    }
    // Every truncation, a trailing octet, an empty datagram, one too long.
    for n in 0..<good.count {
        guard case .some = refusal(Array(good.prefix(n))) else { Issue.record("prefix \(n) admitted"); continue }
    }
    #expect(refusal(good + [0]) != nil, "a trailing octet")
    #expect(refusal([UInt8](repeating: 0xff, count: Wire.maxMessageSize + 1)) != nil)
    // Another message linkd may send: not a transfer.
    let conversation = try Codec.encode(.conversationOpened(version: 1), flags: [], callID: 0)
    #expect(refusal(conversation, descriptors: 1) == .notATransfer(.conversationOpened))
    // A record that does not decode, an ordinary session's, a bridge's.
    let junk = try Codec.encode(.channelHandedOver(record: [9, 9, 9]), flags: [], callID: 0)
    guard case .badRecord = refusal(junk) else { Issue.record("a junk record admitted"); return }
    var plain = record
    plain.multilink = nil
    #expect(refusal(try transfer(plain)) == .noMultilink(session: "ser0:1"))
    var bridge = record
    bridge.bridgeWith = "l2tp:1"
    #expect(refusal(try transfer(bridge)) == .bridged(session: "ser0:1"))
    // A failed or absent authentication bundles by discriminator alone.
    var failed = record
    failed.verdict?.success = false
    #expect(failed.bundlePeerName == "")
    failed.verdict = nil
    #expect(failed.bundlePeerName == "")
}
