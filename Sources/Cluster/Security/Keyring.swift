import Crypto
import Foundation

/// The AES keys gossip is sealed with: the primary (first) key encrypts, every key is tried to
/// decrypt.
///
/// Rotation without losing members, as in memberlist: `install` the new key everywhere (it
/// decrypts but does not yet encrypt), then `use` it everywhere (it encrypts; members not yet
/// switched still decrypt it), then `remove` the old key everywhere. A value type: the transport
/// swaps in a new keyring as a whole.
///
/// Key material never appears in `description`, `debugDescription`, `dump` or error messages.
public struct Keyring: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Keys in order: `keys[0]` is the primary.
    private(set) var keys: [GossipKey]

    /// An empty keyring: gossip is not encrypted (the cluster label is still checked).
    public init() {
        keys = []
    }

    /// A keyring from `cluster.gossip_keys`: base64 keys of 16, 24 or 32 bytes, the first one
    /// primary. Duplicates are ignored.
    public init(base64Keys: [String]) throws(GossipSecurityError) {
        keys = []
        for (position, text) in base64Keys.enumerated() {
            let key = try Self.parse(text, describedAs: "gossip key #\(position + 1)")
            if !keys.contains(where: { $0.isSame(as: key) }) { keys.append(key) }
        }
    }

    /// The number of keys; zero means plaintext mode.
    public var count: Int { keys.count }

    /// True when gossip is not encrypted.
    public var isEmpty: Bool { keys.isEmpty }

    /// The key that encrypts, if any.
    var primary: SymmetricKey? { keys.first?.symmetricKey }

    /// Adds a key that decrypts but does not encrypt; installing a key already present does nothing.
    public mutating func install(base64Key: String) throws(GossipSecurityError) {
        let key = try Self.parse(base64Key, describedAs: "the key to install")
        if !keys.contains(where: { $0.isSame(as: key) }) { keys.append(key) }
    }

    /// Makes an installed key the primary (encrypting) key.
    public mutating func use(base64Key: String) throws(GossipSecurityError) {
        let key = try Self.parse(base64Key, describedAs: "the key to use")
        guard let position = keys.firstIndex(where: { $0.isSame(as: key) }) else {
            throw .keyNotInstalled("the key to use is not installed; install it on every member first")
        }
        keys.remove(at: position)
        keys.insert(key, at: 0)
    }

    /// Removes a secondary key; removing a key that is not installed does nothing.
    public mutating func remove(base64Key: String) throws(GossipSecurityError) {
        let key = try Self.parse(base64Key, describedAs: "the key to remove")
        guard let position = keys.firstIndex(where: { $0.isSame(as: key) }) else { return }
        guard position != 0 else {
            throw .removingPrimaryKey("the key to remove is the primary key; use another key first")
        }
        keys.remove(at: position)
    }

    public var description: String { "Keyring(\(keys.count) key\(keys.count == 1 ? "" : "s"))" }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["count": keys.count]) }

    private static func parse(_ text: String, describedAs name: String) throws(GossipSecurityError) -> GossipKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: trimmed) else {
            throw .invalidKey("\(name) is not valid base64 (generate one with `openssl rand -base64 32`)")
        }
        guard [16, 24, 32].contains(bytes.count) else {
            throw .invalidKey(
                "\(name) decodes to \(bytes.count) bytes; AES keys must be 16, 24 or 32 bytes "
                    + "(generate one with `openssl rand -base64 32`)"
            )
        }
        return GossipKey(symmetricKey: SymmetricKey(data: bytes))
    }
}
