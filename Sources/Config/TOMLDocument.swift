// Entry point of the TOML reader: the TOML 1.0 subset a router config needs
// (everything but dates and times), keeping the line of every key and value
// so that a bad config is refused with "file:line: reason".

public enum TOML {
    /// Deepest nesting of tables and arrays accepted; deeper input is an
    /// error rather than a risk to the stack of the recursive parser.
    public static let maxDepth = 64

    public static func parse(_ text: String, file: String) throws(ConfigError) -> TOMLTable {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// For text read straight from a file: invalid UTF-8 is reported with its line.
    public static func parse(bytes: [UInt8], file: String) throws(ConfigError) -> TOMLTable {
        var parser = TOMLParser(bytes: bytes, file: file)
        return try parser.parseDocument()
    }
}
