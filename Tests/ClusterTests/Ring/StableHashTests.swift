import Testing

@testable import Cluster

@Suite struct StableHashTests {
    /// Reference values from the xxHash specification's implementation (seed 0).
    @Test func matchesReferenceVectors() {
        #expect(StableHash.xxHash64("") == 0xef46_db37_51d8_e999)
        #expect(StableHash.xxHash64("a") == 0xd24e_c4f1_a98c_6e5b)
        #expect(StableHash.xxHash64("abc") == 0x44bc_2cf5_ad77_0999)
        // 39 bytes: exercises the 32-byte stripe loop and every tail step.
        #expect(StableHash.xxHash64("Nobody inspects the spammish repetition") == 0xfbce_a83c_8a37_8bf1)
    }

    @Test func everyOverloadAgrees() {
        let text = "the quick brown fox jumps over the lazy dog, twice over"
        let bytes = Array(text.utf8)
        let expected = StableHash.xxHash64(text, seed: 7)
        #expect(StableHash.xxHash64(bytes, seed: 7) == expected)
        // A lazy map has no contiguous storage: the copying path must give the same answer.
        #expect(StableHash.xxHash64(bytes.lazy.map { $0 }, seed: 7) == expected)
        #expect(StableHash.xxHash64(text, seed: 8) != expected)
    }
}
