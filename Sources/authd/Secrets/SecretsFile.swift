// pppd-compatible pap-secrets / chap-secrets: one entry per line,
// "client server secret [address ...]", '#' comments, single or double
// quotes, backslash escapes, '*' as a wildcard for client or server, and '-'
// as the only address meaning "no address allowed" (pppd(8), AUTHENTICATION).
// authd reads these as root before dropping privileges.

struct SecretEntry: Equatable {
    var client: String
    var server: String
    var secret: String
    /// Addresses the client may use; empty means any, ["-"] means none.
    var addresses: [String]
    var line: Int
}

struct SecretsError: Error, Equatable, CustomStringConvertible {
    var line: Int
    var reason: String
    var description: String { "line \(line): \(reason)" }
}

struct SecretsFile: Equatable {
    var entries: [SecretEntry]

    static func parse(_ text: String) throws(SecretsError) -> SecretsFile {
        var entries: [SecretEntry] = []
        var lineNumber = 0
        // Split on the byte: Swift's "\r\n" is one Character and would not split on "\n".
        for raw in text.utf8.split(separator: 10, omittingEmptySubsequences: false) {
            lineNumber += 1
            let words = try Self.words(Array(raw), line: lineNumber)
            if words.isEmpty { continue }
            guard words.count >= 3 else {
                throw SecretsError(line: lineNumber, reason: "an entry needs client, server and secret")
            }
            if words[2].hasPrefix("@") {
                // pppd reads the secret from that file; we refuse rather than read an arbitrary path.
                throw SecretsError(line: lineNumber, reason: "secrets read from a file (@path) are not supported")
            }
            entries.append(SecretEntry(client: words[0], server: words[1], secret: words[2],
                                       addresses: Array(words.dropFirst(3)), line: lineNumber))
        }
        return SecretsFile(entries: entries)
    }

    /// Splits one line into words with pppd's quoting and escapes.
    static func words(_ line: [UInt8], line number: Int) throws(SecretsError) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        var inWord = false
        var quote: UInt8? = nil
        var bytes = line
        if bytes.last == 13 { bytes.removeLast() }  // CRLF files
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if let q = quote {
                if c == q { quote = nil } else if c == 92 {  // backslash
                    i += 1
                    guard i < bytes.count else { throw SecretsError(line: number, reason: "backslash at end of line") }
                    current.append(unescape(bytes[i]))
                } else {
                    current.append(c)
                }
            } else if c == 35 && !inWord {  // '#' at a word's start: comment to the end of the line (pppd's getword)
                break
            } else if c == 32 || c == 9 {
                if inWord { words.append(String(decoding: current, as: UTF8.self)); current = []; inWord = false }
            } else if c == 34 || c == 39 {
                quote = c
                inWord = true
            } else if c == 92 {
                i += 1
                guard i < bytes.count else { throw SecretsError(line: number, reason: "backslash at end of line") }
                current.append(unescape(bytes[i]))
                inWord = true
            } else {
                current.append(c)
                inWord = true
            }
            i += 1
        }
        if quote != nil { throw SecretsError(line: number, reason: "unterminated quote") }
        if inWord { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    private static func unescape(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "n"): 10
        case UInt8(ascii: "t"): 9
        case UInt8(ascii: "r"): 13
        case UInt8(ascii: "s"): 32
        default: c
        }
    }

    /// The secret for `client` talking to `server`, as pppd chooses it: an
    /// exact client and server beat a wildcard; the first of equals wins.
    func lookup(client: String, server: String) -> SecretEntry? {
        var best: (score: Int, entry: SecretEntry)?
        for e in entries {
            let c = e.client == client ? 2 : (e.client == "*" ? 1 : 0)
            let s = e.server == server ? 2 : (e.server == "*" ? 1 : 0)
            guard c > 0, s > 0 else { continue }
            let score = c * 4 + s
            if best == nil || score > best!.score { best = (score, e) }
        }
        return best?.entry
    }
}
