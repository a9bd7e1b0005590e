import Synchronization

/// A thread-safe LRU cache of embeddings keyed by (model name, text).
///
/// Bounded both by entry count and by bytes, where an entry costs its key's UTF-8 bytes, 4 bytes
/// per vector element and a fixed per-entry overhead (`entryOverhead`). It stores each text's
/// token count next to its vector so a cache hit can still report `usage`. `get` and `put` are
/// O(1) and take one short lock; a capacity of zero (entries or bytes) disables the cache.
public final class EmbeddingCache: Sendable {
    /// A cached embedding and the number of tokens its text had.
    public struct Entry: Sendable, Hashable {
        public var vector: [Float]
        public var tokenCount: Int

        public init(vector: [Float], tokenCount: Int) {
            self.vector = vector
            self.tokenCount = tokenCount
        }
    }

    /// Bytes charged per entry on top of its key and vector.
    public static var entryOverhead: Int { LRUStorage.entryOverhead }

    private let storage: Mutex<LRUStorage>

    /// A cache holding at most `maxEntries` entries and `maxBytes` bytes; zero (or less) in either
    /// disables it.
    public init(maxEntries: Int, maxBytes: Int) {
        storage = Mutex(LRUStorage(maxEntries: maxEntries, maxBytes: maxBytes))
    }

    /// False when a bound is zero: every `get` misses without counting and `put` stores nothing.
    public var isEnabled: Bool { storage.withLock { $0.isEnabled } }

    /// The cached entry for `text` under `model`, made most recently used; `nil` on a miss.
    public func get(model: String, text: String) -> Entry? {
        storage.withLock { $0.get(LRUStorage.Key(model: model, text: text)) }
    }

    /// Looks up several texts under one lock; the answer follows `texts`.
    public func get(model: String, texts: [String]) -> [Entry?] {
        storage.withLock { storage in
            texts.map { storage.get(LRUStorage.Key(model: model, text: $0)) }
        }
    }

    /// Stores (or replaces) `entry` for `text` under `model`, evicting least recently used entries
    /// to stay within both bounds. An entry bigger than the whole byte bound is not stored.
    public func put(model: String, text: String, entry: Entry) {
        storage.withLock { $0.put(LRUStorage.Key(model: model, text: text), entry) }
    }

    /// Stores several entries under one lock; `texts` and `entries` pair up by position (extra
    /// elements of the longer one are ignored).
    public func put(model: String, texts: [String], entries: [Entry]) {
        storage.withLock { storage in
            for (text, entry) in zip(texts, entries) {
                storage.put(LRUStorage.Key(model: model, text: text), entry)
            }
        }
    }

    /// Drops every entry; counters keep counting.
    public func removeAll() {
        storage.withLock { $0.removeAll() }
    }

    /// Sizes and counters, read under the lock.
    public var stats: Stats {
        storage.withLock { storage in
            Stats(
                entries: storage.count, bytes: storage.bytes, hits: storage.hits, misses: storage.misses,
                evictions: storage.evictions, maxEntries: storage.maxEntries, maxBytes: storage.maxBytes)
        }
    }
}
