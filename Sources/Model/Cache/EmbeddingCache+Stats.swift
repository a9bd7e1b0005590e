extension EmbeddingCache {
    /// The cache's size and counters at one instant.
    public struct Stats: Sendable, Hashable {
        /// Entries stored.
        public var entries: Int
        /// Bytes charged for the stored entries.
        public var bytes: Int
        /// Lookups that found an entry.
        public var hits: Int
        /// Lookups that found nothing (not counted while the cache is disabled).
        public var misses: Int
        /// Entries dropped to make room.
        public var evictions: Int
        /// The entry bound.
        public var maxEntries: Int
        /// The byte bound.
        public var maxBytes: Int

        public init(entries: Int, bytes: Int, hits: Int, misses: Int, evictions: Int, maxEntries: Int, maxBytes: Int) {
            self.entries = entries
            self.bytes = bytes
            self.hits = hits
            self.misses = misses
            self.evictions = evictions
            self.maxEntries = maxEntries
            self.maxBytes = maxBytes
        }
    }
}
