// The JSON encoder's and parser's fast paths (issue 13, point 4: listing
// 10,000 sessions) against the simple forms they replaced, on a table of
// values: numbers written without a String, strings copied in runs, object
// literals appended without a key-by-key search, parsed strings taken from
// the input without a copy, and repeated keys found by length first and, in
// a large object, by a Set. The output must be the same octets as before.

import IPC
import Testing

@Suite struct JSONFastPathTests {
    /// The encoder before: `String(i)` for a number, escapes byte by byte.
    static func reference(_ v: JSON) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? d.description : "null"
        case .string(let s): return referenceString(s)
        case .array(let items): return "[" + items.map(reference).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.members.map { referenceString($0.key) + ":" + reference($0.value) }.joined(separator: ",") + "}"
        }
    }

    static func referenceString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static let integers: [Int64] = {
        var v: [Int64] = [0, 1, 9, 10, 11, 99, 100, 101, 1492, 65535, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        var p: Int64 = 1
        for _ in 0..<18 {
            p *= 10
            v += [p - 1, p, p + 1, -(p - 1), -p, -(p + 1)]
        }
        return v + v.filter { $0 != Int64.min }.map { -$0 }
    }()

    static let strings: [String] = [
        "", "a", "access:10000", "02:00:00:00:12:34", "discarded_before_network", "exactly 15 octs", "sixteen octets!!",
        "\"", "\\", "\"quoted\"", "back\\slash", "a\"b\\c", "\u{00}", "\u{01}\u{1f}", "\u{7f}", "tab\there", "line\nbreak",
        "\r\n\t\u{08}\u{0C}", "\u{0B}\u{1B}", "é", "ünïcödé", "日本語", "🙂 emoji", "mixed \"é\" \\ \u{1}end\u{1f}",
        String(repeating: "x", count: 300), String(repeating: "\"", count: 40), String(repeating: "aé\n", count: 50),
    ]

    @Test func integersAsBefore() throws {
        for i in Self.integers {
            let v = JSON.int(i)
            #expect(v.encoded() == String(i), "\(i)")
            #expect(v.encodedCount == String(i).utf8.count, "\(i)")
            #expect(try JSON.parse(v.encoded()) == v)
        }
    }

    @Test func stringsAsBefore() throws {
        for s in Self.strings {
            let v = JSON.string(s)
            #expect(v.encoded() == Self.referenceString(s), "\(s.debugDescription)")
            #expect(v.encodedCount == Self.referenceString(s).utf8.count, "\(s.debugDescription)")
            #expect(v.encoded(pretty: true) == v.encoded())
            #expect(try JSON.parse(v.encoded()) == v, "\(s.debugDescription)")
            // Escaped forms the encoder never writes read the same.
            let escaped = "\"" + s.unicodeScalars.map { u in
                let hex = String(u.value, radix: 16)
                return u.value < 0x10000 ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex : String(u)
            }.joined() + "\""
            #expect(try JSON.parse(escaped) == v, "\(escaped)")
        }
    }

    /// A session-like object: nested objects, every kind of value, keys as
    /// keys and as values.
    static func session(_ i: Int) -> JSON {
        var o: JSONObject = [
            "id": .string("access:\(i)"), "phase": "network", "vlan": nil, "age": .double(Double(i) / 10),
            "up": .double(-0.0), "nan": .double(.nan), "ok": true, "no": false, "list": [1, "two", nil, [], [:]],
        ]
        o["counters"] = .object(JSONObject(Self.integers.prefix(40).enumerated().map { ("counter_\($0.offset)", JSON.int($0.element)) }))
        o["texts"] = .object(JSONObject(Self.strings.enumerated().map { ("\($0.element)\($0.offset)", JSON.string($0.element)) }))
        return .object(o)
    }

    @Test func documentsAsBefore() throws {
        for i in [0, 1, 9999, -5] {
            let v = Self.session(i)
            #expect(v.encoded() == Self.reference(v))
            #expect(v.encodedCount == v.encoded().utf8.count)
            let back = try JSON.parse(v.encoded())
            // NaN is written null; everything else comes back as it was.
            #expect(back.encoded() == v.encoded())
            #expect(back["texts"] == v["texts"] && back["counters"] == v["counters"] && back["list"] == v["list"])
        }
        let list = JSON.array((0..<50).map(Self.session))
        #expect(list.encoded() == Self.reference(list))
        #expect(try JSON.parse(list.encoded(), maxLength: 1 << 24).encoded() == list.encoded())
    }

    @Test func literalWithARepeatedKeyKeepsFirstPlaceLastValue() {
        let o: JSONObject = ["a": 1, "bb": 2, "a": 3, "cc": 4, "bb": 5]
        #expect(o.keys == ["a", "bb", "cc"])
        #expect(o.values == [3, 5, 4])
        #expect(o == JSONObject([("a", 1), ("bb", 2), ("a", 3), ("cc", 4), ("bb", 5)]))
        // Same length, other text: not a repeat.
        let p: JSONObject = ["ab": 1, "ba": 2, "aa": 3]
        #expect(p.keys == ["ab", "ba", "aa"] && p["ba"] == 2 && p["bb"] == nil)
        let one: JSONObject = ["only": 1]
        #expect(one.keys == ["only"])
    }

    /// Repeats found at the same offset with few keys (compared) and many
    /// (a Set past JSONParser.linearKeyCheck), also inside nested values.
    @Test func repeatedKeysRefusedAtTheirOffset() {
        for count in [1, 2, 31, 32, 33, 100] {
            for repeatOf in Set([0, count / 2, count - 1]) {
                var text = "{"
                for k in 0..<count { text += "\"key\(k)\":{\"in\":[\(k),{\"key\(k)\":1}]}," }
                let offset = text.utf8.count
                text += "\"key\(repeatOf)\":0}"
                #expect(throws: JSONError(offset: offset, reason: .duplicateKey("key\(repeatOf)"))) { try JSON.parse(text) }
                let fine = text.replacingOccurrences(of: "\"key\(repeatOf)\":0}", with: "\"other\":0}")
                #expect((try? JSON.parse(fine))?.object?.count == count + 1, "\(count)")
            }
        }
        // The same key in sibling and nested objects is no repeat.
        #expect((try? JSON.parse(#"[{"a":{"a":{"a":1}}},{"a":2}]"#)) != nil)
    }

    /// An error inside nested containers leaves nothing behind for the next
    /// parse (the member and element stacks belong to one parse).
    @Test func errorsInsideNestedValuesAsBefore() throws {
        let cases: [(String, Int, JSONError.Reason)] = [
            (#"[{"a":[1,{"b":"x\u"}]}]"#, 18, .invalidEscape),
            (#"{"a":{"b":"é"#, 10, .unterminatedString),
            ("{\"a\":\"\u{01}\"}", 6, .controlCharacter(1)),
            (#"{"a":[1,2,{"c":"d"},]}"#, 20, .unexpectedByte(UInt8(ascii: "]"))),
            (#"{"ab":1,"ba":2,"ab":3}"#, 15, .duplicateKey("ab")),
            (#"{"a\"b":1,"a\"b":2}"#, 10, .duplicateKey("a\"b")),
        ]
        for (text, offset, reason) in cases {
            #expect(throws: JSONError(offset: offset, reason: reason), "\(text)") { try JSON.parse(text) }
        }
        #expect(try JSON.parse(#"{"a\"b":1,"a\u0022b2":2}"#).object?.keys == ["a\"b", "a\"b2"])
        #expect(throws: JSONError.self) { try JSON.parse([0x22, 0xC3, 0x22]) }
    }
}

extension JSONFastPathTests {
    /// Items of many sizes, some larger than a page.
    static func item(_ i: Int) -> JSONObject {
        ["id": .string("p:\(i)"), "pad": .string(String(repeating: "x", count: (i * 37) % 200)), "n": .int(Int64(i)),
         "esc": .string(i % 3 == 0 ? "a\"b\n" : "")]
    }

    /// A daemon's pages encoded as it goes are the pages it built before,
    /// octet for octet, wherever a page breaks and however many are asked.
    @Test func encodedPagesAreThePagesAsBefore() {
        for budget in [10, 50, 100, 300, 1000, JSONPages.budget] {
            for count in [0, 1, 2, 7, 50, 300] {
                for from in Set([0, 1, 5, count]) where from <= count {
                    for parts in [0, 1, 2, 3, 16] {
                        let before = SessionListing.pages(count: count, from: from, parts: parts, budget: budget, Self.item)
                        let now = SessionListing.encodedPages(count: count, from: from, parts: parts, budget: budget, Self.item)
                        #expect(now == before.map { $0.json.encoded() }, "budget \(budget) count \(count) from \(from) parts \(parts)")
                    }
                }
            }
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard let r = firstRange(of: target) else { return self }
        return String(self[..<r.lowerBound]) + replacement + String(self[r.upperBound...])
    }
}
