/// Why member metadata could not be encoded or decoded.
///
/// Decoding bytes from the network returns one of these for any malformed input; it never traps.
public struct MetadataError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case tooLarge
        case invalidValue
        case malformed
        case unsupportedVersion
    }

    private let code: Code

    /// What is wrong, naming the field concerned.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The encoding would exceed `MemberMetadata.maxEncodedSize`.
    static func tooLarge(_ message: String) -> MetadataError { MetadataError(.tooLarge, message) }
    /// A field holds a value the format cannot carry (for example a negative count).
    static func invalidValue(_ message: String) -> MetadataError { MetadataError(.invalidValue, message) }
    /// The bytes are truncated, garbled, or miss a required field.
    static func malformed(_ message: String) -> MetadataError { MetadataError(.malformed, message) }
    /// The format version byte is 0 (never written by any version).
    static func unsupportedVersion(_ message: String) -> MetadataError { MetadataError(.unsupportedVersion, message) }

    /// True when the value is too large to encode.
    public var isTooLarge: Bool { code == .tooLarge }
    /// True when a field cannot be encoded.
    public var isInvalidValue: Bool { code == .invalidValue }
    /// True when bytes could not be decoded.
    public var isMalformed: Bool { code == .malformed || code == .unsupportedVersion }
}
