import Crypto

/// One AES key of the keyring.
///
/// `@unchecked Sendable` because swift-crypto does not mark `SymmetricKey` `Sendable`, yet it is
/// an immutable value: its bytes are written once at creation and only read afterwards (through
/// `withUnsafeBytes` and the cipher), so sharing it between threads cannot race.
struct GossipKey: @unchecked Sendable {
    let symmetricKey: SymmetricKey

    /// Constant-time comparison, so comparing keys leaks nothing through timing.
    func isSame(as other: GossipKey) -> Bool {
        symmetricKey.withUnsafeBytes { leftBytes in
            other.symmetricKey.withUnsafeBytes { rightBytes in
                guard leftBytes.count == rightBytes.count else { return false }
                var difference: UInt8 = 0
                for index in 0..<leftBytes.count { difference |= leftBytes[index] ^ rightBytes[index] }
                return difference == 0
            }
        }
    }
}
