/// A model that turns texts into fixed-size unit vectors.
///
/// Tokenizing and embedding are separate steps so that a caller can tokenize on its own thread
/// (and learn each text's token count for batching budgets and `usage`), while the expensive
/// `embed` call runs on the one thread that owns the model's compute.
public protocol EmbeddingModel: Sendable {
    /// The name clients ask for, e.g. `all-MiniLM-L6-v2` or `synthetic`.
    var name: String { get }

    /// The length of every embedding this model returns.
    var dimension: Int { get }

    /// The token ids the model will see for `text`: special tokens included, already truncated
    /// to the model's maximum sequence length. Never empty.
    func tokenize(_ text: String) -> [Int32]

    /// Embeds a batch of tokenized texts.
    ///
    /// - Returns: `inputs.count × dimension` floats, row-major, one L2-normalised row per input,
    ///   in input order.
    func embed(_ inputs: [[Int32]]) throws(ModelError) -> [Float]
}
