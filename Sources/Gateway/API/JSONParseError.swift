/// Why a body is not the JSON it should be, and the byte offset where the parser gave up.
public struct JSONParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Zero-based offset into the body of the first byte that could not be accepted.
    public var offset: Int
    /// What was wrong there.
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte \(offset)" }
}
