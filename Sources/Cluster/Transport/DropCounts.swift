/// How many received packets (or push-pull frames) were dropped, by reason.
public struct DropCounts: Sendable, Hashable, CustomStringConvertible {
    /// Larger than the maximum packet (or frame) size.
    public var oversized = 0
    /// Shorter than their own header says.
    public var truncated = 0
    /// With a version byte this build does not know.
    public var unknownVersion = 0
    /// From a cluster with another label.
    public var badLabel = 0
    /// Not authenticated by any installed key.
    public var wrongKey = 0
    /// Plaintext while this member requires encryption.
    public var unencrypted = 0
    /// Encrypted while this member has no keys.
    public var encryptedWithoutKeys = 0
    /// Opened, but the reader was too far behind (the receive backlog was full).
    public var backlogFull = 0

    public init() {}

    /// The number dropped for a reason a packet failed to open.
    public subscript(reason: PacketOpenError.Reason) -> Int {
        switch reason {
        case .truncated: truncated
        case .unknownVersion: unknownVersion
        case .badLabel: badLabel
        case .wrongKey: wrongKey
        case .unencrypted: unencrypted
        case .encryptedWithoutKeys: encryptedWithoutKeys
        }
    }

    /// Everything dropped.
    public var total: Int {
        oversized + truncated + unknownVersion + badLabel + wrongKey + unencrypted + encryptedWithoutKeys + backlogFull
    }

    public var description: String {
        "oversized=\(oversized) truncated=\(truncated) unknown_version=\(unknownVersion) bad_label=\(badLabel) "
            + "wrong_key=\(wrongKey) unencrypted=\(unencrypted) encrypted_without_keys=\(encryptedWithoutKeys) "
            + "backlog_full=\(backlogFull)"
    }
}
