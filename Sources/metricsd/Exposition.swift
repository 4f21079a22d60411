// The Prometheus text exposition format, version 0.0.4 (the format
// `promtool check metrics` reads): per family one `# HELP` and one `# TYPE`
// line, then its samples, `name{label="value",…} number`. Written here rather
// than with swift-prometheus: metricsd renders a snapshot once per scrape and
// keeps no registry, the format is a few rules, and daemons use no Foundation.

struct Exposition {
    enum Kind: String {
        case counter, gauge, histogram
    }

    typealias Labels = [(String, String)]

    private(set) var text: [UInt8] = []
    private var families: Set<String> = []

    /// One family and all its samples (a family's samples must be together).
    /// A name written twice is a programming error.
    mutating func family(_ name: String, _ kind: Kind, _ help: String, _ samples: [(Labels, Double)]) {
        precondition(Self.isName(name) && families.insert(name).inserted, "metric family \(name)")
        append("# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n")
        for (labels, value) in samples { sample(name, labels, value) }
    }

    /// A histogram from cumulative bucket counts (upper bound → count of
    /// observations at or below it), their sum and count.
    mutating func histogram(_ name: String, _ help: String, labels: Labels = [],
                            buckets: [(Double, UInt64)], sum: Double, count: UInt64) {
        precondition(Self.isName(name) && families.insert(name).inserted, "metric family \(name)")
        append("# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) histogram\n")
        for (bound, n) in buckets { sample(name + "_bucket", labels + [("le", Self.number(bound))], Double(n)) }
        sample(name + "_bucket", labels + [("le", "+Inf")], Double(count))
        sample(name + "_sum", labels, sum)
        sample(name + "_count", labels, Double(count))
    }

    private mutating func sample(_ name: String, _ labels: Labels, _ value: Double) {
        var line = name
        if !labels.isEmpty {
            line += "{" + labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
        }
        append(line + " " + Self.number(value) + "\n")
    }

    private mutating func append(_ s: String) { text.append(contentsOf: s.utf8) }

    /// Integers without a fraction; the format's spellings of the rest.
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 9.0e15 { return String(Int64(v)) }
        return v.description
    }

    /// Label values escape backslash, double quote and line feed.
    static func escapeLabel(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// HELP text escapes backslash and line feed.
    static func escapeHelp(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// [a-zA-Z_:][a-zA-Z0-9_:]*
    static func isName(_ s: String) -> Bool {
        guard let first = s.utf8.first, !(first >= 48 && first <= 57) else { return false }
        return s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 58 }
    }

    /// A status field path made a name part: anything else becomes "_".
    static func namePart(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map {
            ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") ? $0 : "_"
        }))
    }
}
