// Why a JSON text was refused, and at which byte. Requests from the CLI are
// untrusted input to pppinit, so every way a text can be wrong has a name
// here and the parser never traps on any of them.

public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable, CustomStringConvertible {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        /// `-`, `1.`, `1e`: a number cut short.
        case invalidNumber
        case leadingZero
        /// A fraction or exponent beyond what a Double holds, e.g. `1e400`.
        case numberOutOfRange
        case unterminatedString
        case invalidEscape
        case loneSurrogate
        case controlCharacter(UInt8)
        case invalidUTF8
        case duplicateKey(String)
        case tooDeep(limit: Int)
        case tooLong(limit: Int)
        /// Something other than whitespace after the value.
        case trailingData

        public var description: String {
            switch self {
            case .unexpectedEnd: "unexpected end of input"
            case .unexpectedByte(let b):
                (0x21...0x7E).contains(b)
                    ? "unexpected '\(Character(Unicode.Scalar(b)))'"
                    : "unexpected byte \(b)"
            case .invalidNumber: "invalid number"
            case .leadingZero: "leading zero in number"
            case .numberOutOfRange: "number out of range"
            case .unterminatedString: "unterminated string"
            case .invalidEscape: "invalid escape"
            case .loneSurrogate: "lone UTF-16 surrogate in \\u escape"
            case .controlCharacter(let b): "control character \(b) in string"
            case .invalidUTF8: "invalid UTF-8"
            case .duplicateKey(let k): "duplicate key \(k.debugDescription)"
            case .tooDeep(let limit): "nesting deeper than \(limit)"
            case .tooLong(let limit): "input longer than \(limit) bytes"
            case .trailingData: "data after the JSON value"
            }
        }
    }

    /// Byte offset from the start of the input where the problem was found.
    public let offset: Int
    public let reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "byte \(offset): \(reason)" }
}
