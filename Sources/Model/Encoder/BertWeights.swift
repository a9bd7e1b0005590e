/// The weights of one BERT layer. Linear weights are row-major `[out, in]`, as stored by PyTorch.
struct BertLayerWeights {
    /// Query, key and value weights stacked into one `[3·hidden, hidden]` matrix, so that the
    /// projection is a single sgemm whose output rows hold Q, K and V side by side.
    var qkvWeight: UnsafeBufferPointer<Float>
    /// Query, key and value biases, `[3·hidden]`, in the same order.
    var qkvBias: UnsafeBufferPointer<Float>
    var attentionOutputWeight: UnsafeBufferPointer<Float>
    var attentionOutputBias: UnsafeBufferPointer<Float>
    var attentionNormWeight: UnsafeBufferPointer<Float>
    var attentionNormBias: UnsafeBufferPointer<Float>
    var intermediateWeight: UnsafeBufferPointer<Float>
    var intermediateBias: UnsafeBufferPointer<Float>
    var outputWeight: UnsafeBufferPointer<Float>
    var outputBias: UnsafeBufferPointer<Float>
    var outputNormWeight: UnsafeBufferPointer<Float>
    var outputNormBias: UnsafeBufferPointer<Float>
}

/// All weights of a BERT encoder, checked against its `BertConfig`.
///
/// Most tensors are views into the memory-mapped safetensors file; only the merged QKV matrices
/// are copied (once, at load time) into storage this object owns.
///
/// `@unchecked Sendable` because its views are raw pointers, which are not `Sendable`. Sharing is
/// safe: every stored property is a `let`, nothing writes through the views after `init`, the mapped
/// file is read-only and kept alive by `file`, and `mergedStorage` is freed only in `deinit`.
final class BertWeights: @unchecked Sendable {
    let config: BertConfig
    let file: SafetensorsFile
    let wordEmbeddings: UnsafeBufferPointer<Float>
    let positionEmbeddings: UnsafeBufferPointer<Float>
    let tokenTypeEmbeddings: UnsafeBufferPointer<Float>
    let embeddingNormWeight: UnsafeBufferPointer<Float>
    let embeddingNormBias: UnsafeBufferPointer<Float>
    let layers: [BertLayerWeights]
    private let mergedStorage: UnsafeMutableBufferPointer<Float>

    /// Looks up and checks every tensor the forward pass needs.
    init(file: SafetensorsFile, config: BertConfig) throws(ModelError) {
        let hidden = config.hiddenSize
        let inner = config.intermediateSize
        self.config = config
        self.file = file
        wordEmbeddings = try file.floats("embeddings.word_embeddings.weight", shape: [config.vocabularySize, hidden])
        positionEmbeddings = try file.floats(
            "embeddings.position_embeddings.weight", shape: [config.maxPositions, hidden])
        tokenTypeEmbeddings = try file.floats(
            "embeddings.token_type_embeddings.weight", shape: [config.typeVocabularySize, hidden])
        embeddingNormWeight = try file.floats("embeddings.LayerNorm.weight", shape: [hidden])
        embeddingNormBias = try file.floats("embeddings.LayerNorm.bias", shape: [hidden])

        let qkvWeightCount = 3 * hidden * hidden
        let perLayer = qkvWeightCount + 3 * hidden
        let storage = UnsafeMutableBufferPointer<Float>.allocate(capacity: perLayer * config.layerCount)
        storage.initialize(repeating: 0)
        var layers: [BertLayerWeights] = []
        do {
            for index in 0..<config.layerCount {
                let prefix = "encoder.layer.\(index)."
                let base = index * perLayer
                let weightSlice = UnsafeMutableBufferPointer(rebasing: storage[base..<(base + qkvWeightCount)])
                let biasSlice = UnsafeMutableBufferPointer(
                    rebasing: storage[(base + qkvWeightCount)..<(base + perLayer)])
                for (part, name) in ["query", "key", "value"].enumerated() {
                    let weight = try file.floats(prefix + "attention.self.\(name).weight", shape: [hidden, hidden])
                    let bias = try file.floats(prefix + "attention.self.\(name).bias", shape: [hidden])
                    let weightStart = part * hidden * hidden
                    _ = UnsafeMutableBufferPointer(rebasing: weightSlice[weightStart..<(weightStart + hidden * hidden)])
                        .initialize(from: weight)
                    _ = UnsafeMutableBufferPointer(rebasing: biasSlice[(part * hidden)..<((part + 1) * hidden)])
                        .initialize(from: bias)
                }
                layers.append(
                    BertLayerWeights(
                        qkvWeight: UnsafeBufferPointer(weightSlice),
                        qkvBias: UnsafeBufferPointer(biasSlice),
                        attentionOutputWeight: try file.floats(
                            prefix + "attention.output.dense.weight", shape: [hidden, hidden]),
                        attentionOutputBias: try file.floats(prefix + "attention.output.dense.bias", shape: [hidden]),
                        attentionNormWeight: try file.floats(
                            prefix + "attention.output.LayerNorm.weight", shape: [hidden]),
                        attentionNormBias: try file.floats(prefix + "attention.output.LayerNorm.bias", shape: [hidden]),
                        intermediateWeight: try file.floats(
                            prefix + "intermediate.dense.weight", shape: [inner, hidden]),
                        intermediateBias: try file.floats(prefix + "intermediate.dense.bias", shape: [inner]),
                        outputWeight: try file.floats(prefix + "output.dense.weight", shape: [hidden, inner]),
                        outputBias: try file.floats(prefix + "output.dense.bias", shape: [hidden]),
                        outputNormWeight: try file.floats(prefix + "output.LayerNorm.weight", shape: [hidden]),
                        outputNormBias: try file.floats(prefix + "output.LayerNorm.bias", shape: [hidden])
                    )
                )
            }
        } catch {
            storage.deallocate()
            throw error
        }
        self.layers = layers
        self.mergedStorage = storage
    }

    deinit {
        mergedStorage.deallocate()
    }
}
