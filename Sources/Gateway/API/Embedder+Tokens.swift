public import Model

extension Embedder {
    /// Embeds inputs the client already tokenized: the ids are used as they are (no special
    /// tokens added), cut to the model's maximum sequence length, and go through the batcher
    /// like texts do. The cache is not consulted (it is keyed by text).
    ///
    /// - Throws: `.invalidInput` for a model whose token limits are unknown, an empty sequence or
    ///   an id outside the vocabulary (checked before anything is queued), and the batcher's errors.
    public func embed(tokens: [[Int32]]) async throws(ModelError) -> EmbeddingResult {
        guard let limits = TokenLimits(model: model) else {
            throw .invalidInput("the model '\(modelName)' accepts texts only, not token ids")
        }
        var inputs: [[Int32]] = []
        inputs.reserveCapacity(tokens.count)
        for (index, ids) in tokens.enumerated() {
            guard !ids.isEmpty else { throw .invalidInput("input \(index) has no token ids") }
            if let bad = ids.first(where: { $0 < 0 || Int($0) >= limits.vocabularySize }) {
                throw .invalidInput(
                    "input \(index) has token id \(bad), outside the vocabulary 0..<\(limits.vocabularySize)")
            }
            inputs.append(ids.count > limits.maxSequenceLength ? Array(ids.prefix(limits.maxSequenceLength)) : ids)
        }
        let dimension = model.dimension
        let rows = try await batcher.embed(inputs)
        guard rows.count == inputs.count * dimension else {
            throw .tensorMismatch(
                "model '\(modelName)' returned \(rows.count) floats for \(inputs.count) inputs of dimension \(dimension)"
            )
        }
        let tokenCounts = inputs.map(\.count)
        return EmbeddingResult(
            vectors: rows, dimension: dimension, promptTokens: tokenCounts.reduce(0, +), tokenCounts: tokenCounts)
    }
}
