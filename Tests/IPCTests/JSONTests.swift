// JSON: literals and accessors, encoding (compact, pretty, escaping), round
// trips, and a boundary table of texts the strict parser must refuse with a
// given reason at a given byte offset.

import IPC
import Testing

@Suite struct JSONTests {
    @Test func literalsAndAccessors() {
        let status: JSON = [
            "version": 1,
            "name": "linkd",
            "up": true,
            "load": 0.5,
            "ports": ["eth0", "eth1"],
            "peer": nil,
            "lcp": ["mru": 1492],
        ]
        #expect(status["version"]?.int == 1)
        #expect(status["name"]?.string == "linkd")
        #expect(status["up"]?.bool == true)
        #expect(status["load"]?.double == 0.5)
        #expect(status["version"]?.double == 1.0)
        #expect(status["ports"]?.array?.count == 2)
        #expect(status["ports"]?[1]?.string == "eth1")
        #expect(status["ports"]?[2] == nil)
        #expect(status["peer"]?.isNull == true)
        #expect(status["lcp"]?["mru"]?.int == 1492)
        #expect(status["absent"] == nil)
        #expect(status.object?.keys == ["version", "name", "up", "load", "ports", "peer", "lcp"])
        #expect(JSON.int(1).string == nil && JSON.string("1").int == nil && JSON.null.object == nil)
        #expect(JSON.bool(true)["x"] == nil && JSON.array([]).bool == nil)
    }

    @Test func objectKeepsOrderAndSetsInPlace() {
        var o: JSONObject = ["b": 1, "a": 2]
        o["c"] = 3
        o["b"] = 10
        o.set("d", 4)
        o.append("e", 5)
        #expect(o.keys == ["b", "a", "c", "d", "e"])
        #expect(o["b"] == 10)
        o["a"] = nil
        #expect(o.removeValue(forKey: "c") == 3)
        #expect(o.removeValue(forKey: "zz") == nil)
        #expect(o.keys == ["b", "d", "e"])
        #expect(o.values == [10, 4, 5])
        #expect(o.count == 3 && !o.isEmpty)
        #expect(Array(o).map(\.key) == ["b", "d", "e"])
        // Repeated keys in a literal keep the first position and the last value.
        let dup = JSONObject([("k", 1), ("j", 2), ("k", 3)])
        #expect(dup.keys == ["k", "j"] && dup["k"] == 3)
        // Order is part of equality, as it is of the encoding.
        #expect(JSON.object(["a": 1, "b": 2]) != JSON.object(["b": 2, "a": 1]))
        #expect(JSON.object(["a": 1, "b": 2]) == JSON.object(["a": 1, "b": 2]))
    }

    @Test(arguments: [
        (JSON.null, "null"),
        (true, "true"),
        (-9223372036854775808, "-9223372036854775808"),
        (0.1, "0.1"),
        (1e20, "1e+20"),
        (-0.0, "-0.0"),
        (.double(.infinity), "null"),
        (.double(-.infinity), "null"),
        (.double(.nan), "null"),
        ("q\"b\\s/ \u{08}\u{0C}\n\r\t\u{00}\u{1F}\u{7F}é😀", #""q\"b\\s/ \b\f\n\r\t\u0000\u001f\#u{7F}é😀""#),
        ([], "[]"),
        ([:], "{}"),
        ([1, [2, [3]], ["k": []]], #"[1,[2,[3]],{"k":[]}]"#),
        (["z": 1, "a": ["b": "c"]], #"{"z":1,"a":{"b":"c"}}"#),
    ] as [(JSON, String)])
    func encodesCompactly(_ value: JSON, _ text: String) {
        #expect(value.encoded() == text)
        #expect(value.description == text)
    }

    @Test func encodesPrettily() {
        let value: JSON = ["name": "linkd", "ports": ["eth0", 1], "empty": [], "none": [:], "nested": ["a": ["b": true]]]
        #expect(value.encoded(pretty: true) == """
            {
              "name": "linkd",
              "ports": [
                "eth0",
                1
              ],
              "empty": [],
              "none": {},
              "nested": {
                "a": {
                  "b": true
                }
              }
            }
            """)
        #expect(JSON.int(3).encoded(pretty: true) == "3")
    }

    @Test(arguments: [
        "null", "true", "false", "0", "-0", "42", "-17", "9223372036854775807", "-9223372036854775808",
        "0.5", "-1.25e-7", "1e+300", "\"\"", "\"hello\"", "\"\\u0000 \\\" \\\\ é 😀\"",
        "[]", "{}", "[1,\"a\",null,[true,{}]]", "{\"b\":1,\"a\":{\"c\":[1.5,2]}}",
    ])
    func roundTrips(_ text: String) throws {
        let value = try JSON.parse(text)
        #expect(try JSON.parse(value.encoded()) == value)
        #expect(try JSON.parse(value.encoded(pretty: true)) == value)
    }

    @Test func parsesValues() throws {
        #expect(try JSON.parse(" \t\r\n[ 1 , \"x\" ]\n ") == [1, "x"])
        #expect(try JSON.parse("9223372036854775807") == .int(.max))
        #expect(try JSON.parse("-9223372036854775808") == .int(.min))
        #expect(try JSON.parse("9223372036854775808") == .double(9223372036854775808.0))
        #expect(try JSON.parse("-9223372036854775809") == .double(-9223372036854775809.0))
        #expect(try JSON.parse("1.0") == .double(1.0))
        #expect(try JSON.parse("1E2") == .double(100))
        #expect(try JSON.parse("1e-400") == .double(0))
        #expect(try JSON.parse(#""\/\b\f\n\r\t\u00e9\uD83D\uDE00""#) == .string("/\u{08}\u{0C}\n\r\té😀"))
        #expect(try JSON.parse(Array("\"ü\"".utf8)) == "ü")
        #expect(try JSON.parse(Array("[1]".utf8)[...]) == [1])
        #expect(try JSON.parse(#"{"a":{"b":[]}}"#)["a"]?["b"] == [])
    }

    @Test(arguments: [
        ("", 0, JSONError.Reason.unexpectedEnd),
        ("   ", 3, .unexpectedEnd),
        ("-", 1, .invalidNumber),
        ("-a", 1, .invalidNumber),
        ("+1", 0, .unexpectedByte(UInt8(ascii: "+"))),
        ("01", 0, .leadingZero),
        ("-00", 0, .leadingZero),
        ("1.", 2, .invalidNumber),
        (".5", 0, .unexpectedByte(UInt8(ascii: "."))),
        ("1e", 2, .invalidNumber),
        ("1e+", 3, .invalidNumber),
        ("1e400", 0, .numberOutOfRange),
        ("-1e400", 0, .numberOutOfRange),
        ("0x10", 1, .trailingData),
        ("tru", 3, .unexpectedEnd),
        ("nul1", 3, .unexpectedByte(UInt8(ascii: "1"))),
        ("True", 0, .unexpectedByte(UInt8(ascii: "T"))),
        ("\"abc", 0, .unterminatedString),
        ("\"abc\\", 5, .unterminatedString),
        ("\"\\x\"", 1, .invalidEscape),
        ("\"\\u12G4\"", 5, .invalidEscape),
        ("\"\\u12", 5, .unterminatedString),
        ("\"\\uD800\"", 1, .loneSurrogate),
        ("\"\\uD800\\u0041\"", 1, .loneSurrogate),
        ("\"\\uDC00\"", 1, .loneSurrogate),
        ("\"a\u{01}\"", 2, .controlCharacter(1)),
        ("\"a\nb\"", 2, .controlCharacter(0x0A)),
        ("\"\t\"", 1, .controlCharacter(0x09)),
        ("[1,]", 3, .unexpectedByte(UInt8(ascii: "]"))),
        ("[,1]", 1, .unexpectedByte(UInt8(ascii: ","))),
        ("[1 2]", 3, .unexpectedByte(UInt8(ascii: "2"))),
        ("[1", 2, .unexpectedEnd),
        ("{\"a\":1,}", 7, .unexpectedByte(UInt8(ascii: "}"))),
        ("{\"a\" 1}", 5, .unexpectedByte(UInt8(ascii: "1"))),
        ("{a:1}", 1, .unexpectedByte(UInt8(ascii: "a"))),
        ("{\"a\":1,\"a\":2}", 7, .duplicateKey("a")),
        ("{\"a\":1", 6, .unexpectedEnd),
        ("1 2", 2, .trailingData),
        ("{} x", 3, .trailingData),
        ("nullnull", 4, .trailingData),
        ("\u{FEFF}1", 0, .unexpectedByte(0xEF)),
    ])
    func rejects(_ text: String, _ offset: Int, _ reason: JSONError.Reason) {
        #expect(throws: JSONError(offset: offset, reason: reason)) { try JSON.parse(text) }
    }

    @Test(arguments: [
        [0x22, 0xC3, 0x28, 0x22],              // bad continuation byte
        [0x22, 0xC0, 0x80, 0x22],              // overlong NUL
        [0x22, 0xED, 0xA0, 0x80, 0x22],        // UTF-8-encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xFF, 0x22],                    // never valid
        [0x22, 0xE2, 0x82],                    // truncated at end of input
    ] as [[UInt8]])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        #expect(throws: JSONError(offset: 1, reason: .invalidUTF8)) { try JSON.parse(bytes) }
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        #expect(try JSON.parse(ok).encoded() == ok)
        let deep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        #expect(throws: JSONError(offset: 32, reason: .tooDeep(limit: 32))) { try JSON.parse(deep) }
        let objects = String(repeating: "{\"a\":", count: 4) + "1" + String(repeating: "}", count: 4)
        #expect(try JSON.parse(objects, maxDepth: 4)["a"]?["a"]?["a"]?["a"] == 1)
        #expect(throws: JSONError(offset: 15, reason: .tooDeep(limit: 3))) { try JSON.parse(objects, maxDepth: 3) }
        // Far beyond what the stack would survive without the cap.
        #expect(throws: JSONError(offset: 32, reason: .tooDeep(limit: 32))) {
            try JSON.parse(String(repeating: "[", count: 1_000_000))
        }
    }

    @Test func lengthLimit() throws {
        let text = "\"" + String(repeating: "a", count: 98) + "\""
        #expect(try JSON.parse(text, maxLength: 100).string?.count == 98)
        #expect(throws: JSONError(offset: 100, reason: .tooLong(limit: 100))) { try JSON.parse(text + " ", maxLength: 100) }
        #expect(throws: JSONError(offset: 1 << 20, reason: .tooLong(limit: 1 << 20))) {
            try JSON.parse([UInt8](repeating: 0x20, count: (1 << 20) + 1))
        }
    }

    @Test func errorDescriptions() {
        #expect(JSONError(offset: 3, reason: .unexpectedByte(UInt8(ascii: "x"))).description == "byte 3: unexpected 'x'")
        #expect(JSONError(offset: 0, reason: .unexpectedByte(0xFF)).description == "byte 0: unexpected byte 255")
        #expect(JSONError(offset: 7, reason: .duplicateKey("a")).description == "byte 7: duplicate key \"a\"")
    }

    /// encodedCount (how JSONPages measures a page's items) is the length
    /// of encoded(), escapes and all, for every kind of value.
    @Test(arguments: [
        JSON.null, .bool(true), .bool(false), .int(0), .int(-9_223_372_036_854_775_807), .int(42),
        .double(0.1), .double(-0.0), .double(1e20), .double(.nan), .double(.infinity),
        .string(""), .string("plain"), .string("quote \" backslash \\ tab \t nl \n cr \r bs \u{08} ff \u{0C}"),
        .string("\u{01}\u{1F}\u{00}"), .string("é ü 漢 🙂"), .array([]), .object([:]),
        .array([.int(1), .string("a"), .null, .array([.bool(true)])]),
        .object(["id": .string("access:1"), "n": .int(3), "sub": .object(["x\u{02}": .array([.double(2.5)])])]),
    ])
    func encodedCountIsTheEncodedLength(_ value: JSON) {
        #expect(value.encodedCount == value.encoded().utf8.count, "\(value.encoded())")
    }
}
