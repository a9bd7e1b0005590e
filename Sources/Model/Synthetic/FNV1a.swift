/// 64-bit FNV-1a: a tiny hash that is the same in every process and on every run, unlike
/// `Hasher`, which is seeded per process.
struct FNV1a: Sendable {
    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    private(set) var value = FNV1a.offsetBasis

    mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    /// Feeds the four bytes of `word`, least significant first, so the hash does not depend on the
    /// machine's byte order.
    mutating func combine(_ word: Int32) {
        let bits = UInt32(bitPattern: word)
        combine(UInt8(truncatingIfNeeded: bits))
        combine(UInt8(truncatingIfNeeded: bits >> 8))
        combine(UInt8(truncatingIfNeeded: bits >> 16))
        combine(UInt8(truncatingIfNeeded: bits >> 24))
    }
}
