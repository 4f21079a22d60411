// A multilink bundle's named rendezvous point (issue 17 point 3;
// docs/design.md "Multilink (issue 17)", "The transfer"): the bundle's
// owner (ncpd) binds `<runtime-dir>/bundle/<digest of its name>`, bind-or-
// connect as DESIGN.md says; a linkd whose link belongs to the bundle hands
// the link's channel there with the handoff protocol. The socket is 0666 in
// a directory every local user can search, so what arrives on it is hostile
// until proven otherwise: `admit` is the whole check, pure, so it is tested
// and fuzzed without sockets.
#if canImport(Glibc)
import Glibc
#endif

public enum BundleRendezvous {
    /// The runtime dir's subdirectory for bundle sockets: pppinit creates it
    /// for ncpd's uid (ncpd cannot write the runtime dir itself).
    public static let directory = "bundle"

    /// The socket of the bundle named `name` (`bundle:<peer>:<discriminator>`):
    /// the first 128 bits of SHA-256 of its UTF-8, in hex. A name may be
    /// longer than sun_path and contain '/'; a digest is neither, and the
    /// owner still compares the full name (`admit`'s caller), so even a
    /// collision could not put a link into the wrong bundle.
    public static func path(runtimeDir: String, name: String) -> String {
        runtimeDir + "/" + directory + "/" + digest(name)
    }

    public static func digest(_ name: String) -> String {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for b in SHA256.hash(Array(name.utf8)).prefix(16) {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// sun_path holds 108 octets with the NUL: what is left for the runtime
    /// dir after "/bundle/" and 32 hex digits (pppinit refuses a longer one
    /// when a port has multilink).
    public static let longestRuntimeDir = 107 - (1 + directory.utf8.count + 1 + 32)

    /// Why a datagram on a bundle's socket was dropped (counted, not logged
    /// per datagram: any local user can send there).
    public enum Refusal: Error, Equatable, Sendable {
        /// No SCM_CREDENTIALS, or a uid that is not one of pppinit's daemons.
        case unknownSender(uid: UInt32?)
        /// A daemon, but not linkd: only linkd brings links.
        case notLinkd(Peer)
        /// Header, message or descriptor count do not check out.
        case undecodable(IPCError)
        /// A valid message, but not channelHandedOver.
        case notATransfer(MessageType)
        /// The channel record does not decode.
        case badRecord(IPCError)
        /// An ordinary session's channel: it belongs on ncpd's own rendezvous.
        case noMultilink(session: String)
        /// A bridge's channel: never a bundle's.
        case bridged(session: String)
    }

    /// What the owner of a bundle's socket makes of one datagram: the
    /// sender is linkd by the kernel's credentials (`peers` is pppinit's
    /// uid table), the bytes are exactly one channelHandedOver with its two
    /// descriptors ([channel, R]), and the record is a multilink link's.
    /// Which bundle the record belongs to is the caller's to compare (the
    /// key is PPP's, and IPC does not know PPP).
    public static func admit(_ bytes: ArraySlice<UInt8>, credentials: Credentials?, descriptorCount: Int,
                             peers: [UInt32: Peer]) -> Result<(ChannelRecord, ChannelMultilink), Refusal> {
        guard let credentials, let sender = peers[credentials.uid] else {
            return .failure(.unknownSender(uid: credentials?.uid))
        }
        guard sender == .linkd else { return .failure(.notLinkd(sender)) }
        let message: Message
        do { (_, message) = try Codec.decode(bytes, from: sender, descriptorCount: descriptorCount) } catch {
            return .failure(.undecodable(error))
        }
        guard case let .channelHandedOver(recordBytes) = message else { return .failure(.notATransfer(message.type)) }
        let record: ChannelRecord
        do { record = try ChannelRecord.decode(recordBytes) } catch { return .failure(.badRecord(error)) }
        guard record.bridgeWith.isEmpty else { return .failure(.bridged(session: record.session)) }
        guard let m = record.multilink else { return .failure(.noMultilink(session: record.session)) }
        return .success((record, m))
    }
}

extension ChannelRecord {
    /// RFC 1990 §5.1.3: the name a link's peer authenticated as, "" without
    /// (or after a failed) authentication: half of its bundle's key, the
    /// same in linkd (which finds the bundle's socket) and ncpd (which owns it).
    public var bundlePeerName: String { verdict.flatMap { $0.success ? $0.peerName : nil } ?? "" }
}
