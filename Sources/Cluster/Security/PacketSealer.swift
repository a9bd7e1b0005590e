import Crypto
import Foundation

/// Seals gossip packets and push-pull frames for the wire, and opens what peers sent.
///
/// Layout of a sealed packet (all versions start with the same two header fields):
///
///     version (1 byte) | label length L (1 byte) | label (L bytes) | body
///
/// - version 1, plaintext: body is the packet itself. Used when the keyring is empty.
/// - version 2, AES-GCM: body is `nonce (12) | ciphertext | tag (16)`, sealed with the keyring's
///   primary key under a fresh random nonce, with the whole header (version, length, label) as
///   associated data, so changing any byte, the label included, fails authentication.
///
/// The label travels in clear in both modes, as memberlist's label header does, so a packet from
/// a cluster with another label is reported as `badLabel` rather than as a key problem.
/// A member with keys rejects plaintext packets, and a member without keys rejects encrypted
/// ones: mixing modes is a configuration error that should show up in the drop counters.
public struct PacketSealer: Sendable {
    /// The version byte of a plaintext packet.
    static let plaintextVersion: UInt8 = 1
    /// The version byte of an AES-GCM packet.
    static let aesGCMVersion: UInt8 = 2
    /// Bytes of the random nonce.
    static let nonceSize = 12
    /// Bytes of the authentication tag.
    static let tagSize = 16
    /// The longest label the one-byte length can carry.
    public static let maxLabelLength = 255

    /// The keys; empty means plaintext mode.
    public let keyring: Keyring

    /// The cluster label every packet carries and must match.
    public let label: String

    private let header: [UInt8]

    /// A sealer for one cluster. The label is any string of at most 255 UTF-8 bytes (empty is
    /// allowed and still checked: it differs from every non-empty label).
    public init(keyring: Keyring = Keyring(), label: String = "") throws(GossipSecurityError) {
        let labelBytes = Array(label.utf8)
        guard labelBytes.count <= Self.maxLabelLength else {
            throw .invalidLabel(
                "the cluster label is \(labelBytes.count) bytes of UTF-8; at most \(Self.maxLabelLength) are allowed"
            )
        }
        self.keyring = keyring
        self.label = label
        let version = keyring.isEmpty ? Self.plaintextVersion : Self.aesGCMVersion
        self.header = [version, UInt8(labelBytes.count)] + labelBytes
    }

    /// The same label with another keyring (for key rotation).
    public func replacingKeyring(_ keyring: Keyring) -> PacketSealer {
        // The label was validated when `self` was made, so this cannot fail; fall back to `self`
        // rather than trap if that ever changed.
        (try? PacketSealer(keyring: keyring, label: label)) ?? self
    }

    /// True when packets are encrypted.
    public var isEncrypted: Bool { !keyring.isEmpty }

    /// Bytes `seal` adds to a plaintext: the header, plus nonce and tag when encrypting. The core
    /// budgets its packets to `maxPacketSize - overhead`.
    public var overhead: Int { header.count + (isEncrypted ? Self.nonceSize + Self.tagSize : 0) }

    /// The packet to put on the wire for `plaintext`.
    public func seal(_ plaintext: some Collection<UInt8>) throws(GossipSecurityError) -> [UInt8] {
        guard let key = keyring.primary else { return header + plaintext }
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.seal(Array(plaintext), using: key, nonce: AES.GCM.Nonce(), authenticating: header)
        } catch {
            throw .sealFailed("AES-GCM refused to seal a \(plaintext.count)-byte packet: \(error)")
        }
        var packet = header
        packet.reserveCapacity(overhead + plaintext.count)
        box.nonce.withUnsafeBytes { packet.append(contentsOf: $0) }
        packet.append(contentsOf: box.ciphertext)
        packet.append(contentsOf: box.tag)
        return packet
    }

    /// The plaintext of a packet a peer sealed, or why it is not acceptable.
    public func open(_ packet: [UInt8]) throws(PacketOpenError) -> [UInt8] {
        guard packet.count >= 2 else {
            throw PacketOpenError(.truncated, "packet of \(packet.count) bytes is shorter than its header")
        }
        let version = packet[0]
        guard version == Self.plaintextVersion || version == Self.aesGCMVersion else {
            throw PacketOpenError(.unknownVersion, "packet has unknown version byte \(version)")
        }
        let bodyStart = 2 + Int(packet[1])
        guard packet.count >= bodyStart else {
            throw PacketOpenError(.truncated, "packet of \(packet.count) bytes ends inside its label")
        }
        guard packet[2..<bodyStart].elementsEqual(header[2...]) else {
            throw PacketOpenError(.badLabel, "packet is from a cluster with another label")
        }
        if version == Self.plaintextVersion {
            guard keyring.isEmpty else {
                throw PacketOpenError(.unencrypted, "plaintext packet refused: this member requires encryption")
            }
            return Array(packet[bodyStart...])
        }
        guard !keyring.isEmpty else {
            throw PacketOpenError(.encryptedWithoutKeys, "encrypted packet refused: this member has no gossip keys")
        }
        let nonceEnd = bodyStart + Self.nonceSize
        guard packet.count >= nonceEnd + Self.tagSize else {
            throw PacketOpenError(
                .truncated, "encrypted packet of \(packet.count) bytes is too short for nonce and tag")
        }
        let tagStart = packet.count - Self.tagSize
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: packet[bodyStart..<nonceEnd]),
                ciphertext: packet[nonceEnd..<tagStart],
                tag: packet[tagStart...]
            )
        } catch {
            throw PacketOpenError(.truncated, "encrypted packet has a malformed nonce or tag")
        }
        let associatedData = packet[0..<bodyStart]
        for key in keyring.keys {
            if let plaintext = try? AES.GCM.open(box, using: key.symmetricKey, authenticating: associatedData) {
                return Array(plaintext)
            }
        }
        throw PacketOpenError(.wrongKey, "no installed gossip key authenticates the packet (another key, or altered)")
    }
}
