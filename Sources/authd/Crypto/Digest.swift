// Hashes and the DES block cipher from nettle, wrapped as pure functions on
// byte arrays. Only authd links them: it is the one process that sees secrets.
import CNettle

enum Digest {
    static func md4<C: Collection>(_ data: C) -> [UInt8] where C.Element == UInt8 {
        hash(data, md4_ctx(), Int(MD4_DIGEST_SIZE), nettle_md4_init, nettle_md4_update, nettle_md4_digest)
    }

    static func md5<C: Collection>(_ data: C) -> [UInt8] where C.Element == UInt8 {
        hash(data, md5_ctx(), Int(MD5_DIGEST_SIZE), nettle_md5_init, nettle_md5_update, nettle_md5_digest)
    }

    static func sha1<C: Collection>(_ data: C) -> [UInt8] where C.Element == UInt8 {
        hash(data, sha1_ctx(), Int(SHA1_DIGEST_SIZE), nettle_sha1_init, nettle_sha1_update, nettle_sha1_digest)
    }

    /// nettle's init / update / digest sequence, the same for every hash.
    private static func hash<C: Collection, Context>(
        _ data: C, _ context: Context, _ size: Int,
        _ initialize: (UnsafeMutablePointer<Context>?) -> Void,
        _ update: (UnsafeMutablePointer<Context>?, Int, UnsafePointer<UInt8>?) -> Void,
        _ digest: (UnsafeMutablePointer<Context>?, Int, UnsafeMutablePointer<UInt8>?) -> Void
    ) -> [UInt8] where C.Element == UInt8 {
        var ctx = context
        initialize(&ctx)
        let bytes = Array(data)
        bytes.withUnsafeBufferPointer { update(&ctx, $0.count, $0.baseAddress) }
        var out = [UInt8](repeating: 0, count: size)
        out.withUnsafeMutableBufferPointer { digest(&ctx, $0.count, $0.baseAddress) }
        return out
    }

    /// RFC 2759 §8.6 DesEncrypt: one 8-octet block under a 7-octet key,
    /// expanded to 8 octets with odd parity (§9.3 shows the expansion).
    static func desEncrypt(block: [UInt8], key7: ArraySlice<UInt8>) -> [UInt8] {
        precondition(block.count == 8 && key7.count == 7)
        let key = desKey(key7)
        var ctx = des_ctx()
        // nettle reports weak keys with 0 but still schedules them; a password
        // hash may legitimately produce one, and MS-CHAPv2 must still answer.
        _ = key.withUnsafeBufferPointer { nettle_des_set_key(&ctx, $0.baseAddress) }
        var out = [UInt8](repeating: 0, count: 8)
        block.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { nettle_des_encrypt(&ctx, 8, $0.baseAddress, b.baseAddress) }
        }
        return out
    }

    /// Spreads 56 key bits over 8 octets, 7 bits each, and sets odd parity
    /// in the low bit.
    static func desKey(_ k: ArraySlice<UInt8>) -> [UInt8] {
        let b = Array(k)
        let raw: [UInt8] = [
            b[0],
            b[0] << 7 | b[1] >> 1,
            b[1] << 6 | b[2] >> 2,
            b[2] << 5 | b[3] >> 3,
            b[3] << 4 | b[4] >> 4,
            b[4] << 3 | b[5] >> 5,
            b[5] << 2 | b[6] >> 6,
            b[6] << 1,
        ]
        return raw.map { byte in
            let high = byte & 0xfe
            return high.nonzeroBitCount % 2 == 0 ? high | 1 : high
        }
    }

    /// Comparison whose time does not depend on where the inputs differ.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
