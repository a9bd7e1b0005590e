import Foundation

/// A sentence-transformers model folder served natively: the WordPiece tokenizer, the BERT encoder on
/// OpenBLAS, mean pooling and L2 normalisation (all-MiniLM-L6-v2 is the one we ship).
///
/// The folder is the one sentence-transformers writes: `config.json`, `model.safetensors`, `vocab.txt`,
/// `sentence_bert_config.json` (for `max_seq_length`) and `1_Pooling/config.json` (which must ask for
/// mean pooling, the only pooling the encoder implements).
public final class SentenceEmbeddingModel: EmbeddingModel {
    /// The model's name as clients ask for it.
    public let name: String
    /// The tokenizer for this model's vocabulary.
    public let tokenizer: WordPieceTokenizer
    /// The encoder with its weights.
    public let encoder: BertEncoder
    /// Texts are truncated to this many tokens, specials included (256 for all-MiniLM-L6-v2).
    public let maxSequenceLength: Int

    public var dimension: Int { encoder.dimension }

    /// Loads the model folder at `directory`; errors name the file concerned.
    ///
    /// `precision` `.auto` or `.bf16` checks bf16 against fp32 on `accuracyCheckSentences` at load
    /// (see `EncoderPrecision`); `encoder.precision` and `encoder.precisionReason` say what runs.
    public init(
        directory: String, name: String = "all-MiniLM-L6-v2", threads: Int? = nil,
        precision: EncoderPrecision = .fp32
    ) throws(ModelError) {
        try Self.checkPooling(directory: directory)
        let tokenizer = try WordPieceTokenizer(vocabularyFile: directory + "/vocab.txt")
        let maxSequenceLength = Self.maxSequenceLength(directory: directory)
        self.name = name
        self.tokenizer = tokenizer
        self.encoder = try BertEncoder(
            directory: directory, threads: threads, precision: precision,
            accuracyCheckInputs: Self.accuracyCheckSentences.map { tokenizer.encode($0, maxLength: maxSequenceLength) })
        self.maxSequenceLength = min(maxSequenceLength, encoder.maxSequenceLength)
    }

    public func tokenize(_ text: String) -> [Int32] {
        tokenizer.encode(text, maxLength: maxSequenceLength)
    }

    public func embed(_ inputs: [[Int32]]) throws(ModelError) -> [Float] {
        try encoder.embed(inputs)
    }

    /// `max_seq_length` from `sentence_bert_config.json`, or 256 (all-MiniLM-L6-v2's) when the file is
    /// absent or says nothing usable.
    public static func maxSequenceLength(directory: String) -> Int {
        let path = directory + "/sentence_bert_config.json"
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let length = object["max_seq_length"] as? Int, length >= 2
        else { return 256 }
        return length
    }

    /// Refuses a folder whose pooling is not mean pooling: its embeddings would silently be wrong.
    private static func checkPooling(directory: String) throws(ModelError) {
        let path = directory + "/1_Pooling/config.json"
        guard let data = FileManager.default.contents(atPath: path) else { return }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .invalidFile("\(path): not a JSON object")
        }
        let mean = object["pooling_mode_mean_tokens"] as? Bool ?? false
        let others = ["pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens"]
            .contains { object[$0] as? Bool == true }
        guard mean, !others else {
            throw .invalidFile("\(path): only mean pooling is supported")
        }
    }
}
