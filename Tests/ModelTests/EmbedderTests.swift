import Testing

@testable import Model

@Suite(.timeLimit(.minutes(1))) struct EmbedderTests {
    let model = SyntheticModel()

    private func expectedRows(_ texts: [String]) throws -> [Float] {
        try model.embed(texts.map(model.tokenize))
    }

    @Test func embedsInInputOrderWithUsage() async throws {
        let batcher = DynamicBatcher(model: model)
        defer { batcher.shutdown() }
        let embedder = Embedder(model: model, batcher: batcher, cache: nil)
        #expect(embedder.modelName == "synthetic")

        let texts = ["one", "two words", "three little words"]
        let result = try await embedder.embed(texts)
        #expect(result.vectors == (try expectedRows(texts)))
        #expect(result.dimension == 384)
        #expect(result.count == 3)
        #expect(result.tokenCounts == [3, 4, 5])
        #expect(result.promptTokens == 12)
        #expect(Array(result.vector(at: 1)) == (try expectedRows(["two words"])))
    }

    @Test func cacheHitsSkipTheModelButStillCountTokens() async throws {
        let batcher = DynamicBatcher(model: model)
        defer { batcher.shutdown() }
        let cache = EmbeddingCache(maxEntries: 100, maxBytes: 1 << 20)
        let embedder = Embedder(model: model, batcher: batcher, cache: cache)

        _ = try await embedder.embed(["alpha", "beta gamma"])
        #expect(batcher.stats.textsEmbedded == 2)
        #expect(cache.stats.entries == 2)

        let texts = ["beta gamma", "delta", "alpha"]
        let result = try await embedder.embed(texts)
        #expect(batcher.stats.textsEmbedded == 3)
        #expect(result.vectors == (try expectedRows(texts)))
        #expect(result.tokenCounts == [4, 3, 3])
        #expect(result.promptTokens == 10)
        #expect(cache.stats.hits == 2)
        #expect(cache.stats.misses == 3)

        let allHits = try await embedder.embed(["alpha", "alpha"])
        #expect(batcher.stats.textsEmbedded == 3)
        #expect(allHits.vectors == (try expectedRows(["alpha", "alpha"])))
        #expect(allHits.promptTokens == 6)
    }

    @Test func duplicateMissesRunOnce() async throws {
        let batcher = DynamicBatcher(model: model)
        defer { batcher.shutdown() }
        let embedder = Embedder(model: model, batcher: batcher, cache: nil)
        let texts = ["same", "other", "same", "same"]
        let result = try await embedder.embed(texts)
        #expect(batcher.stats.textsEmbedded == 2)
        #expect(batcher.stats.batchesRun == 1)
        #expect(result.vectors == (try expectedRows(texts)))
        #expect(result.tokenCounts == [3, 3, 3, 3])
    }

    @Test func cacheEntriesOfTheWrongWidthAreIgnored() async throws {
        let batcher = DynamicBatcher(model: model)
        defer { batcher.shutdown() }
        let cache = EmbeddingCache(maxEntries: 100, maxBytes: 1 << 20)
        cache.put(model: "synthetic", text: "stale", entry: EmbeddingCache.Entry(vector: [1, 0], tokenCount: 99))
        let embedder = Embedder(model: model, batcher: batcher, cache: cache)
        let result = try await embedder.embed(["stale"])
        #expect(result.vectors == (try expectedRows(["stale"])))
        #expect(result.tokenCounts == [3])
        #expect(cache.get(model: "synthetic", text: "stale")?.vector.count == 384)
    }

    @Test func noTextsGiveAnEmptyResult() async throws {
        let batcher = DynamicBatcher(model: model)
        defer { batcher.shutdown() }
        let result = try await Embedder(model: model, batcher: batcher, cache: nil).embed([])
        #expect(result.vectors.isEmpty && result.tokenCounts.isEmpty && result.promptTokens == 0)
        #expect(batcher.stats.batchesRun == 0)
    }

    @Test func batcherErrorsReachTheCaller() async throws {
        let batcher = DynamicBatcher(model: model)
        batcher.shutdown()
        let embedder = Embedder(
            model: model, batcher: batcher, cache: EmbeddingCache(maxEntries: 10, maxBytes: 1 << 20))
        do {
            _ = try await embedder.embed(["anything"])
            Issue.record("expected shutDown")
        } catch {
            #expect(error.isShutDown)
        }
    }

    @Test func rowsOfTheWrongWidthAreRejected() async throws {
        // The batcher runs a model with rows of 2 floats, but the embedder serves a 384-wide one.
        let batcher = DynamicBatcher(model: EchoModel())
        defer { batcher.shutdown() }
        let embedder = Embedder(model: model, batcher: batcher, cache: nil)
        await #expect(throws: ModelError.self) { try await embedder.embed(["mismatch"]) }
    }

    @Test func concurrentCallersShareTheCache() async throws {
        let batcher = DynamicBatcher(model: model)
        defer { batcher.shutdown() }
        let cache = EmbeddingCache(maxEntries: 1000, maxBytes: 1 << 24)
        let embedder = Embedder(model: model, batcher: batcher, cache: cache)
        let texts = (0..<20).map { "shared text \($0)" }
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for caller in 0..<40 {
                group.addTask {
                    let mine = [texts[caller % 20], texts[(caller * 3) % 20]]
                    guard let result = try? await embedder.embed(mine),
                        let expected = try? self.expectedRows(mine)
                    else { return 1 }
                    return result.vectors == expected ? 0 : 1
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(cache.stats.entries == 20)
    }
}
