import Testing

@testable import Model

private func entry(_ value: Float, dimension: Int = 4, tokens: Int = 3) -> EmbeddingCache.Entry {
    EmbeddingCache.Entry(vector: [Float](repeating: value, count: dimension), tokenCount: tokens)
}

private func key(_ text: String, model: String = "m") -> LRUStorage.Key {
    LRUStorage.Key(model: model, text: text)
}

@Suite struct EmbeddingCacheTests {
    @Test func evictsTheLeastRecentlyUsedEntry() {
        var storage = LRUStorage(maxEntries: 3, maxBytes: .max)
        storage.put(key("a"), entry(1))
        storage.put(key("b"), entry(2))
        storage.put(key("c"), entry(3))
        #expect(storage.keysByRecency.map(\.text) == ["c", "b", "a"])
        #expect(storage.get(key("a")) == entry(1))
        #expect(storage.keysByRecency.map(\.text) == ["a", "c", "b"])
        storage.put(key("d"), entry(4))
        #expect(storage.keysByRecency.map(\.text) == ["d", "a", "c"])
        #expect(storage.get(key("b")) == nil)
        #expect(storage.evictions == 1)
    }

    @Test func replacingAnEntryUpdatesItAndMakesItRecent() {
        var storage = LRUStorage(maxEntries: 3, maxBytes: .max)
        storage.put(key("a"), entry(1))
        storage.put(key("b"), entry(2))
        let before = storage.bytes
        storage.put(key("a"), entry(9, dimension: 6))
        #expect(storage.keysByRecency.map(\.text) == ["a", "b"])
        #expect(storage.get(key("a")) == entry(9, dimension: 6))
        #expect(storage.bytes == before + 2 * MemoryLayout<Float>.size)
        #expect(storage.count == 2 && storage.evictions == 0)
    }

    @Test func keepsWithinTheByteBound() {
        let cost = LRUStorage.cost(of: key("a"), entry(1))
        #expect(cost == 1 + 1 + 16 + LRUStorage.entryOverhead)
        var storage = LRUStorage(maxEntries: 100, maxBytes: 2 * cost + cost / 2)
        storage.put(key("a"), entry(1))
        storage.put(key("b"), entry(2))
        #expect(storage.bytes == 2 * cost)
        storage.put(key("c"), entry(3))
        #expect(storage.keysByRecency.map(\.text) == ["c", "b"])
        #expect(storage.bytes == 2 * cost)
        // A bigger entry pushes out as many old ones as it needs.
        storage.put(key("d"), entry(4, dimension: 4 + (cost + 3) / 4))
        #expect(storage.keysByRecency.map(\.text) == ["d"])
        #expect(storage.evictions == 3)
        #expect(storage.bytes <= storage.maxBytes)
    }

    @Test func growingAnEntryInPlaceEvictsOthers() {
        let cost = LRUStorage.cost(of: key("a"), entry(1))
        var storage = LRUStorage(maxEntries: 100, maxBytes: 3 * cost)
        storage.put(key("a"), entry(1))
        storage.put(key("b"), entry(2))
        storage.put(key("c"), entry(3))
        storage.put(key("a"), entry(1, dimension: 4 + cost / 4))
        #expect(storage.keysByRecency.map(\.text) == ["a", "c"])
        #expect(storage.bytes <= storage.maxBytes)
    }

    @Test func anEntryBiggerThanTheWholeBoundIsNotStored() {
        let cost = LRUStorage.cost(of: key("a"), entry(1))
        var storage = LRUStorage(maxEntries: 10, maxBytes: cost)
        storage.put(key("a"), entry(1))
        storage.put(key("b"), entry(2, dimension: 100))
        #expect(storage.keysByRecency.map(\.text) == ["a"])
        storage.put(key("a"), entry(1, dimension: 100))
        #expect(storage.count == 0 && storage.bytes == 0)
        #expect(storage.get(key("a")) == nil)
    }

    @Test func freedSlotsAreReused() {
        var storage = LRUStorage(maxEntries: 4, maxBytes: .max)
        for index in 0..<1000 {
            storage.put(key("text \(index)"), entry(Float(index)))
        }
        #expect(storage.count == 4)
        #expect(storage.slotCount == 4)
        #expect(storage.evictions == 996)
        #expect(storage.keysByRecency.map(\.text) == ["text 999", "text 998", "text 997", "text 996"])
    }

    @Test func countsHitsMissesAndEvictions() {
        let cache = EmbeddingCache(maxEntries: 2, maxBytes: 1 << 20)
        #expect(cache.get(model: "m", text: "a") == nil)
        cache.put(model: "m", text: "a", entry: entry(1))
        cache.put(model: "m", text: "b", entry: entry(2))
        #expect(cache.get(model: "m", text: "a") == entry(1))
        cache.put(model: "m", text: "c", entry: entry(3))
        #expect(cache.get(model: "m", texts: ["a", "b", "c"]) == [entry(1), nil, entry(3)])
        let stats = cache.stats
        #expect(stats.hits == 3 && stats.misses == 2 && stats.evictions == 1)
        #expect(stats.entries == 2)
        #expect(stats.bytes == 2 * LRUStorage.cost(of: key("a"), entry(1)))
        #expect(stats.maxEntries == 2 && stats.maxBytes == 1 << 20)
    }

    @Test func keysIncludeTheModel() {
        let cache = EmbeddingCache(maxEntries: 10, maxBytes: 1 << 20)
        cache.put(model: "one", text: "hello", entry: entry(1))
        cache.put(model: "two", text: "hello", entry: entry(2))
        #expect(cache.get(model: "one", text: "hello") == entry(1))
        #expect(cache.get(model: "two", text: "hello") == entry(2))
        #expect(cache.get(model: "three", text: "hello") == nil)
    }

    @Test func batchPutPairsTextsWithEntries() {
        let cache = EmbeddingCache(maxEntries: 10, maxBytes: 1 << 20)
        cache.put(model: "m", texts: ["a", "b", "c"], entries: [entry(1), entry(2)])
        #expect(cache.get(model: "m", texts: ["a", "b", "c"]) == [entry(1), entry(2), nil])
        cache.removeAll()
        #expect(cache.stats.entries == 0 && cache.stats.bytes == 0)
        #expect(cache.get(model: "m", text: "a") == nil)
    }

    @Test(arguments: [(0, 1 << 20), (10, 0), (-1, -1)])
    func zeroCapacityDisablesTheCache(maxEntries: Int, maxBytes: Int) {
        let cache = EmbeddingCache(maxEntries: maxEntries, maxBytes: maxBytes)
        #expect(!cache.isEnabled)
        cache.put(model: "m", text: "a", entry: entry(1))
        #expect(cache.get(model: "m", text: "a") == nil)
        let stats = cache.stats
        #expect(stats.entries == 0 && stats.hits == 0 && stats.misses == 0 && stats.evictions == 0)
    }

    @Test func staysConsistentUnderConcurrentUse() async {
        let cache = EmbeddingCache(maxEntries: 64, maxBytes: 1 << 20)
        let tasks = 8
        let operations = 2_000
        let wrong = await withTaskGroup(of: Int.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var wrong = 0
                    for step in 0..<operations {
                        let id = 100 + (task * 7919 + step * 31) % 100
                        if step.isMultiple(of: 2) {
                            cache.put(model: "m", text: "text \(id)", entry: entry(Float(id), tokens: id))
                        } else if let found = cache.get(model: "m", text: "text \(id)") {
                            if found != entry(Float(id), tokens: id) { wrong += 1 }
                        }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(wrong == 0)
        let stats = cache.stats
        #expect(stats.hits + stats.misses == tasks * operations / 2)
        #expect(stats.entries <= 64)
        #expect(stats.bytes == stats.entries * LRUStorage.cost(of: key("text 110"), entry(0)))
    }
}
