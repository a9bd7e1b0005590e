/// Why a received packet or push-pull frame was not accepted.
///
/// The transport counts drops by `reason`; none of these is ever thrown at the gossip reader.
public struct PacketOpenError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kinds of rejection, one counter each in the transport.
    public enum Reason: String, Hashable, Sendable, CaseIterable {
        /// Shorter than its own header says.
        case truncated
        /// A version byte this build does not understand (a newer or foreign sender).
        case unknownVersion
        /// Sent by a cluster with another label.
        case badLabel
        /// No installed key authenticates it: another key, or the bytes were altered.
        case wrongKey
        /// A plaintext packet while this member requires encryption.
        case unencrypted
        /// An encrypted packet while this member has no keys.
        case encryptedWithoutKeys
    }

    /// The kind of rejection.
    public let reason: Reason

    /// A sentence for logs (never contains key material).
    public let message: String

    init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}
