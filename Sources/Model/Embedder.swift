/// The embeddings of one request's texts, in input order.
public struct EmbeddingResult: Sendable {
    /// `tokenCounts.count × dimension` floats, row-major, one unit-length row per input.
    public var vectors: [Float]
    /// Floats per row.
    public var dimension: Int
    /// Tokens over all inputs (cache hits included): the OpenAI `usage.prompt_tokens`.
    public var promptTokens: Int
    /// Tokens per input, special tokens included, after truncation.
    public var tokenCounts: [Int]

    public init(vectors: [Float], dimension: Int, promptTokens: Int, tokenCounts: [Int]) {
        self.vectors = vectors
        self.dimension = dimension
        self.promptTokens = promptTokens
        self.tokenCounts = tokenCounts
    }

    /// Number of rows.
    public var count: Int { tokenCounts.count }

    /// Row `index`'s floats.
    public func vector(at index: Int) -> ArraySlice<Float> {
        vectors[(index * dimension)..<((index + 1) * dimension)]
    }
}

/// Serves one model: cache lookups, tokenizing on the caller's task, and batched inference.
///
/// `model` must be the model `batcher` runs (the embedder tokenizes with it and the batcher embeds
/// with it); rows of any other width are rejected rather than mixed up.
public final class Embedder: Sendable {
    /// The model served.
    public let model: any EmbeddingModel
    /// The batcher running `model`.
    public let batcher: DynamicBatcher
    /// The cache shared with other embedders (keys include the model name), or `nil` for none.
    public let cache: EmbeddingCache?

    public init(model: any EmbeddingModel, batcher: DynamicBatcher, cache: EmbeddingCache?) {
        self.model = model
        self.batcher = batcher
        self.cache = cache
    }

    /// The name clients ask for.
    public var modelName: String { model.name }

    /// Embeds `texts`.
    ///
    /// Each text is looked up in the cache; the misses (each distinct text once) are tokenized on the
    /// caller's task and go through the batcher as one job, and their rows are stored in the cache.
    /// Rows come back in input order; usage counts every input's tokens, hits included (the cache
    /// keeps token counts). No texts gives an empty result.
    ///
    /// - Throws: the batcher's errors (`.overloaded`, `.cancelled`, `.shutDown`, the model's own),
    ///   or `.tensorMismatch` when the model returns rows of the wrong width.
    public func embed(_ texts: [String]) async throws(ModelError) -> EmbeddingResult {
        let dimension = model.dimension
        let name = model.name
        guard !texts.isEmpty else {
            return EmbeddingResult(vectors: [], dimension: dimension, promptTokens: 0, tokenCounts: [])
        }

        var cached: [EmbeddingCache.Entry?] = cache?.get(model: name, texts: texts) ?? []
        if cached.isEmpty { cached = Array(repeating: nil, count: texts.count) }

        // Plan: each input is either a cache hit or a row of the batch (duplicates share a row).
        var missTexts: [String] = []
        var missInputs: [[Int32]] = []
        var rowOfInput = [Int](repeating: -1, count: texts.count)
        var rowOfText: [String: Int] = [:]
        for (index, text) in texts.enumerated() {
            if let entry = cached[index], entry.vector.count == dimension { continue }
            cached[index] = nil
            let row = missInputs.count
            if texts.count > 1 {
                if let earlier = rowOfText[text] {
                    rowOfInput[index] = earlier
                    continue
                }
                rowOfText[text] = row
            }
            rowOfInput[index] = row
            missTexts.append(text)
            missInputs.append(model.tokenize(text))
        }

        var rows: [Float] = []
        if !missInputs.isEmpty {
            rows = try await batcher.embed(missInputs)
            guard rows.count == missInputs.count * dimension else {
                throw .tensorMismatch(
                    "model '\(name)' returned \(rows.count) floats for \(missInputs.count) inputs of "
                        + "dimension \(dimension)")
            }
            if let cache {
                var entries: [EmbeddingCache.Entry] = []
                entries.reserveCapacity(missInputs.count)
                for (row, input) in missInputs.enumerated() {
                    let vector = Array(rows[(row * dimension)..<((row + 1) * dimension)])
                    entries.append(EmbeddingCache.Entry(vector: vector, tokenCount: input.count))
                }
                cache.put(model: name, texts: missTexts, entries: entries)
            }
        }

        var tokenCounts = [Int](repeating: 0, count: texts.count)
        var promptTokens = 0
        for index in texts.indices {
            let count = cached[index]?.tokenCount ?? missInputs[rowOfInput[index]].count
            tokenCounts[index] = count
            promptTokens += count
        }

        // Every input was a distinct miss: the batch's rows already are the answer, in order.
        if missInputs.count == texts.count {
            return EmbeddingResult(
                vectors: rows, dimension: dimension, promptTokens: promptTokens, tokenCounts: tokenCounts)
        }
        var vectors: [Float] = []
        vectors.reserveCapacity(texts.count * dimension)
        for index in texts.indices {
            if let entry = cached[index] {
                vectors.append(contentsOf: entry.vector)
            } else {
                let row = rowOfInput[index]
                vectors.append(contentsOf: rows[(row * dimension)..<((row + 1) * dimension)])
            }
        }
        return EmbeddingResult(
            vectors: vectors, dimension: dimension, promptTokens: promptTokens, tokenCounts: tokenCounts)
    }
}
