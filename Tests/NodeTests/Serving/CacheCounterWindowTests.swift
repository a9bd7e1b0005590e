import Testing

@testable import Node

@Suite struct CacheCounterWindowTests {
    @Test func countsSinceTheLastAdvance() {
        var window = CacheCounterWindow()
        #expect(window.counters(hits: 0, misses: 0) == (0, 0))
        #expect(window.counters(hits: 30, misses: 10) == (40, 30))
        window.advance(hits: 30, misses: 10)
        #expect(window.counters(hits: 30, misses: 10) == (0, 0))
        #expect(window.counters(hits: 31, misses: 15) == (6, 1))
    }

    /// Counters that went backwards (a different cache, say) give zero rather than negative counts.
    @Test func neverNegative() {
        var window = CacheCounterWindow()
        window.advance(hits: 100, misses: 100)
        #expect(window.counters(hits: 50, misses: 120) == (20, 0))
        #expect(window.counters(hits: 0, misses: 0) == (0, 0))
    }

    /// Metadata carries at most 2^31-1 lookups; hits never exceed lookups after clamping.
    @Test func clampsToWhatMetadataCarries() {
        let window = CacheCounterWindow()
        let limit = Int(Int32.max)
        #expect(window.counters(hits: limit, misses: 5) == (limit, limit))
        #expect(window.counters(hits: 3, misses: Int.max) == (limit, 3))
        #expect(window.counters(hits: Int.max, misses: Int.max) == (limit, limit))
    }
}
