/// A problem with gossip encryption settings (keys, label) or with sealing a packet.
///
/// Messages name the key by its position or role, never by its value: keys must not reach logs.
public struct GossipSecurityError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidKey
        case keyNotInstalled
        case removingPrimaryKey
        case invalidLabel
        case sealFailed
        case modeChange
    }

    private let code: Code

    /// What went wrong and how to fix it.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// A key is not base64 or does not decode to 16, 24 or 32 bytes.
    public static func invalidKey(_ message: String) -> GossipSecurityError {
        GossipSecurityError(.invalidKey, message)
    }
    /// `use` or `remove` named a key the keyring does not hold.
    public static func keyNotInstalled(_ message: String) -> GossipSecurityError {
        GossipSecurityError(.keyNotInstalled, message)
    }
    /// `remove` named the primary key, which would leave nothing to encrypt with.
    public static func removingPrimaryKey(_ message: String) -> GossipSecurityError {
        GossipSecurityError(.removingPrimaryKey, message)
    }
    /// A run-time key change would switch between plaintext and encrypted gossip, which changes every
    /// packet's size budget: that takes a restart.
    public static func modeChange(_ message: String) -> GossipSecurityError {
        GossipSecurityError(.modeChange, message)
    }
    /// The cluster label is too long to fit its one-byte length.
    public static func invalidLabel(_ message: String) -> GossipSecurityError {
        GossipSecurityError(.invalidLabel, message)
    }
    /// The cipher refused to seal (should not happen with a valid key).
    public static func sealFailed(_ message: String) -> GossipSecurityError {
        GossipSecurityError(.sealFailed, message)
    }

    /// True for a malformed key.
    public var isInvalidKey: Bool { code == .invalidKey }
    /// True when the named key is not in the keyring.
    public var isKeyNotInstalled: Bool { code == .keyNotInstalled }
    /// True when removing the primary key was refused.
    public var isRemovingPrimaryKey: Bool { code == .removingPrimaryKey }
    /// True for a label that cannot be used.
    public var isInvalidLabel: Bool { code == .invalidLabel }
}
