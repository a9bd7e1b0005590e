/// The embedding cache's lookups and hits since the node last published its load, derived from the
/// cache's cumulative counters (which only grow: emptying the cache keeps them counting).
///
/// A value type with no clock: the node moves the window forward each time it publishes, so the
/// counters in gossip always cover the stretch since the previous publication.
struct CacheCounterWindow: Sendable, Hashable {
    private var baselineHits = 0
    private var baselineMisses = 0

    init() {}

    /// The lookups and hits since the last `advance`, given the cache's cumulative `hits` and
    /// `misses`, clamped to what member metadata carries (at most 2^31-1 lookups, never more hits
    /// than lookups).
    func counters(hits: Int, misses: Int) -> (lookups: Int, hits: Int) {
        let newHits = max(0, hits - baselineHits)
        let newMisses = max(0, misses - baselineMisses)
        let (sum, overflow) = newHits.addingReportingOverflow(newMisses)
        let lookups = overflow ? Int(Int32.max) : min(sum, Int(Int32.max))
        return (lookups, min(newHits, lookups))
    }

    /// Starts a new window at the cache's cumulative `hits` and `misses`.
    mutating func advance(hits: Int, misses: Int) {
        baselineHits = hits
        baselineMisses = misses
    }
}
