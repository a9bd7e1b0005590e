public import Model

/// What token ids a model accepts, so that a request's own token arrays are checked (and cut to
/// length) before they join a batch: an id outside the vocabulary would fail the whole batch,
/// other clients' texts included.
public struct TokenLimits: Sendable, Hashable {
    /// Ids must lie in `0..<vocabularySize`.
    public var vocabularySize: Int
    /// Longer sequences are truncated to this many ids, as texts are.
    public var maxSequenceLength: Int

    public init(vocabularySize: Int, maxSequenceLength: Int) {
        self.vocabularySize = vocabularySize
        self.maxSequenceLength = maxSequenceLength
    }

    /// The limits of the models this package ships, or `nil` for a model whose limits are not
    /// known (its clients must send texts).
    public init?(model: any EmbeddingModel) {
        switch model {
        case let sentence as SentenceEmbeddingModel:
            self.init(vocabularySize: sentence.encoder.vocabularySize, maxSequenceLength: sentence.maxSequenceLength)
        case is SyntheticModel:
            self.init(
                vocabularySize: Int(SyntheticModel.wordIDs.upperBound),
                maxSequenceLength: SyntheticModel.maxSequenceLength)
        default:
            return nil
        }
    }
}
