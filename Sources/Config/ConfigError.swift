// The one error the Config library throws: which file, which line, and why.
// The supervisor prints it as "file:line: reason" and refuses to start, so
// every failure, from a stray byte to an unknown key, carries a line.

public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    /// 1-based line the problem is reported at.
    public let line: Int
    public let reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { "\(file):\(line): \(reason)" }
}
