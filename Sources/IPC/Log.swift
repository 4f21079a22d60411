// Line logging to stderr. pppinit reads every daemon's stderr through a pipe
// and prefixes it with the component name, so lines here stay short.
#if canImport(Glibc)
import Glibc
#endif

public struct Log: Sendable {
    public enum Level: Int, Comparable, Sendable {
        case debug, info, notice, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var tag: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .notice: "notice"
            case .warning: "warning"
            case .error: "error"
            }
        }
    }
    public var threshold: Level
    public var prefix: String

    public init(prefix: String = "", threshold: Level = .info) {
        self.prefix = prefix
        self.threshold = threshold
    }

    public func callAsFunction(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= threshold else { return }
        let line = prefix.isEmpty ? "\(level.tag): \(message())\n" : "\(prefix): \(level.tag): \(message())\n"
        var bytes = Array(line.utf8)
        if bytes.count > 4096 { bytes = Array(bytes.prefix(4095)) + [10] }
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    public func info(_ m: @autoclosure () -> String) { self(.info, m()) }
    public func notice(_ m: @autoclosure () -> String) { self(.notice, m()) }
    public func warning(_ m: @autoclosure () -> String) { self(.warning, m()) }
    public func error(_ m: @autoclosure () -> String) { self(.error, m()) }
    public func debug(_ m: @autoclosure () -> String) { self(.debug, m()) }
}
