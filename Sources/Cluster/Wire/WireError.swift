/// Why bytes could not be decoded as a SWIM packet or push-pull state.
///
/// Decoding never changes any state: a packet is either decoded completely or rejected with this error.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable classification, used to count dropped packets by reason.
    public enum Code: String, Hashable, Sendable, CaseIterable {
        case truncated
        case unsupportedVersion
        case tooLarge
        case unknownMessageKind
        case invalidValue
        case trailingBytes
    }

    public var code: Code
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
