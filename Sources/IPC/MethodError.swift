// A daemon method's failure, sent back as an error reply. In a file of its
// own so that argument checks which throw it (PartnerFailedArguments) build
// into a fuzz target without the whole runtime.

public struct MethodError: Error {
    public let code: ErrorCode
    public let reason: String
    public init(_ code: ErrorCode, _ reason: String) { self.code = code; self.reason = reason }
}
