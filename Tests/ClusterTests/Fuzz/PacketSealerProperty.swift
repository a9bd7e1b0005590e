@testable import Cluster

/// What the packet sealer must do with any bytes at all, in plaintext and in AES-GCM mode:
/// opening never traps; a received packet that opens is then held to `WireCodecProperty`; sealing
/// the bytes and opening the result gives them back (also with only the secondary key, as during
/// a key rotation); and a sealed packet with one byte changed never opens.
///
/// One place for the property: the corpus replay test and the libFuzzer target `FuzzSealed`.
enum PacketSealerProperty {
    /// The cluster label every sealer here uses.
    static let label = "fuzz"
    /// Fixed test keys (32 and 16 bytes); they protect nothing.
    static let primaryKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    static let secondaryKey = "ZGVmZ2hpamtsbW5vcHFycw=="

    /// The first broken rule for `bytes`, or nil.
    static func violation(_ bytes: [UInt8]) -> String? {
        let plaintext: PacketSealer
        let encrypted: PacketSealer
        let secondaryOnly: PacketSealer
        do {
            plaintext = try PacketSealer(label: label)
            encrypted = try PacketSealer(keyring: Keyring(base64Keys: [primaryKey, secondaryKey]), label: label)
            secondaryOnly = try PacketSealer(keyring: Keyring(base64Keys: [secondaryKey]), label: label)
        } catch {
            return "the test sealers cannot be built: \(error)"
        }

        // As a packet received from the network.
        if let opened = try? plaintext.open(bytes) {
            guard bytes.count >= 2, opened == Array(bytes.dropFirst(2 + Int(bytes[1]))) else {
                return "plaintext open returned \(opened.count) bytes that are not the packet's body"
            }
            if let problem = WireCodecProperty.violation(opened) { return problem }
        }
        if let opened = try? encrypted.open(bytes) {
            // Only a packet sealed with one of the keys authenticates; random bytes never should.
            if let problem = WireCodecProperty.violation(opened) { return problem }
        }

        // As the plaintext of a packet this member sends.
        for sealer in [plaintext, encrypted] {
            let sealed: [UInt8]
            do {
                sealed = try sealer.seal(bytes)
            } catch {
                return "sealing \(bytes.count) bytes failed: \(error)"
            }
            guard sealed.count == bytes.count + sealer.overhead else {
                return "sealing \(bytes.count) bytes gave \(sealed.count), not \(bytes.count + sealer.overhead)"
            }
            guard (try? sealer.open(sealed)) == bytes else {
                return "a packet sealed with \(sealer.keyring) does not open to its plaintext"
            }
            guard sealer.isEncrypted else { continue }
            guard (try? secondaryOnly.open(sealed)) == nil else {
                return "a member holding only the secondary key opened a packet sealed with the primary"
            }
            var altered = sealed
            let position = Int(bytes.reduce(UInt32(7)) { $0 &* 31 &+ UInt32($1) } % UInt32(sealed.count))
            altered[position] ^= 0x01
            if (try? sealer.open(altered)) != nil {
                return "a sealed packet with byte \(position) changed still opens"
            }
        }
        let rotated = encrypted.replacingKeyring(secondaryOnly.keyring)
        if let sealed = try? rotated.seal(bytes), (try? encrypted.open(sealed)) != bytes {
            return "a packet sealed with the secondary key does not open with both keys installed"
        }
        return nil
    }
}
