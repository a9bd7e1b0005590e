import Foundation

/// The sizes of a BERT encoder, read from a Hugging Face `config.json`.
///
/// Only what the forward pass needs; every size is checked to be positive and consistent
/// (`hiddenSize` divisible by `attentionHeads`) so that the weights can then be checked against it.
struct BertConfig: Sendable, Hashable {
    var vocabularySize: Int
    var hiddenSize: Int
    var layerCount: Int
    var attentionHeads: Int
    var intermediateSize: Int
    var maxPositions: Int
    var typeVocabularySize: Int
    var layerNormEpsilon: Float

    var headSize: Int { hiddenSize / attentionHeads }

    /// Reads and checks `config.json` at `path`.
    init(path: String) throws(ModelError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .fileNotFound("\(path): model config not found")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .fileNotFound("\(path): model config cannot be read")
        }
        try self.init(json: data, path: path)
    }

    /// Parses `config.json` contents; `path` is only used in error messages.
    init(json data: Data, path: String) throws(ModelError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .invalidFile("\(path): not valid JSON (\(error.localizedDescription))")
        }
        guard let fields = object as? [String: Any] else {
            throw .invalidFile("\(path): not a JSON object")
        }
        func size(_ key: String) throws(ModelError) -> Int {
            guard let number = fields[key] as? NSNumber, number.doubleValue == number.doubleValue.rounded(),
                number.doubleValue >= 1, number.doubleValue <= 1_000_000_000
            else {
                throw .invalidFile("\(path): '\(key)' must be a positive integer")
            }
            return number.intValue
        }
        vocabularySize = try size("vocab_size")
        hiddenSize = try size("hidden_size")
        layerCount = try size("num_hidden_layers")
        attentionHeads = try size("num_attention_heads")
        intermediateSize = try size("intermediate_size")
        maxPositions = try size("max_position_embeddings")
        typeVocabularySize = try size("type_vocab_size")
        if let epsilon = fields["layer_norm_eps"] {
            guard let number = epsilon as? NSNumber, number.doubleValue > 0, number.doubleValue < 1 else {
                throw .invalidFile("\(path): 'layer_norm_eps' must be a small positive number")
            }
            layerNormEpsilon = number.floatValue
        } else {
            layerNormEpsilon = 1e-12
        }
        guard hiddenSize % attentionHeads == 0 else {
            throw .invalidFile(
                "\(path): hidden_size \(hiddenSize) is not divisible by num_attention_heads \(attentionHeads)")
        }
        if let activation = fields["hidden_act"] {
            guard let name = activation as? String, name == "gelu" else {
                throw .invalidFile("\(path): hidden_act \(activation) is not supported (only exact-erf 'gelu')")
            }
        }
        if let embeddingType = fields["position_embedding_type"] {
            guard let name = embeddingType as? String, name == "absolute" else {
                throw .invalidFile(
                    "\(path): position_embedding_type \(embeddingType) is not supported (only 'absolute')")
            }
        }
    }
}
