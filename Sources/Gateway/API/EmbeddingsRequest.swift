/// An OpenAI `POST /v1/embeddings` request.
public struct EmbeddingsRequest: Sendable, Hashable {
    /// What to embed: texts, or texts already turned into token ids (which skip tokenization).
    public enum Input: Sendable, Hashable {
        case texts([String])
        case tokens([[Int32]])

        /// Number of inputs (rows of the answer).
        public var count: Int {
            switch self {
            case .texts(let texts): texts.count
            case .tokens(let tokens): tokens.count
            }
        }
    }

    /// How each embedding is written in the response.
    public enum EncodingFormat: String, Sendable, Hashable, CaseIterable {
        /// A JSON array of numbers.
        case float
        /// Base64 of the little-endian float32 bytes (what the official `openai` client asks for).
        case base64
    }

    /// The inputs, in the order the response must answer them.
    public var input: Input
    /// The model asked for.
    public var model: String
    public var encodingFormat: EncodingFormat
    /// The dimension the client asked for; only the model's own is accepted.
    public var dimensions: Int?
    /// The end-user id the client passed (accepted and otherwise ignored).
    public var user: String?

    public init(
        input: Input, model: String, encodingFormat: EncodingFormat = .float, dimensions: Int? = nil,
        user: String? = nil
    ) {
        self.input = input
        self.model = model
        self.encodingFormat = encodingFormat
        self.dimensions = dimensions
        self.user = user
    }
}
