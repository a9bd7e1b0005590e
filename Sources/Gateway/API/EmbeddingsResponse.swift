public import Model

/// An OpenAI embeddings response:
/// `{"object":"list","data":[{"object":"embedding","embedding":…,"index":i}],"model":…,
/// "usage":{"prompt_tokens":n,"total_tokens":n}}`, written straight to bytes (no `JSONEncoder`).
public struct EmbeddingsResponse: Sendable, Hashable {
    /// The model named in the response.
    public var model: String
    /// `count × dimension` floats, row-major, in input order.
    public var vectors: [Float]
    /// Floats per row.
    public var dimension: Int
    /// Tokens over all inputs: both `prompt_tokens` and `total_tokens`.
    public var promptTokens: Int

    public init(model: String, vectors: [Float], dimension: Int, promptTokens: Int) {
        self.model = model
        self.vectors = vectors
        self.dimension = dimension
        self.promptTokens = promptTokens
    }

    /// The response for an embedder's result.
    public init(model: String, result: EmbeddingResult) {
        self.init(model: model, vectors: result.vectors, dimension: result.dimension, promptTokens: result.promptTokens)
    }

    /// Number of rows (a zero dimension gives none).
    public var count: Int { dimension > 0 ? vectors.count / dimension : 0 }

    /// The JSON body, each embedding as numbers (`float`) or base64 of its little-endian float32
    /// bytes. A number is the shortest text that reads back as the same `Float`; a non-finite one
    /// (which JSON cannot carry and a unit vector never holds) is written as `null`.
    public func encoded(format: EmbeddingsRequest.EncodingFormat) -> [UInt8] {
        let rows = count
        var out: [UInt8] = []
        let perFloat = format == .float ? 12 : 6
        out.reserveCapacity(128 + model.utf8.count + rows * (40 + dimension * perFloat))
        out.append(contentsOf: #"{"object":"list","data":["#.utf8)
        vectors.withUnsafeBufferPointer { floats in
            for row in 0..<rows {
                if row > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: #"{"object":"embedding","embedding":"#.utf8)
                let slice = UnsafeBufferPointer(rebasing: floats[(row * dimension)..<((row + 1) * dimension)])
                switch format {
                case .float: Self.appendNumbers(slice, to: &out)
                case .base64:
                    out.append(UInt8(ascii: "\""))
                    Base64.appendLittleEndian(slice, to: &out)
                    out.append(UInt8(ascii: "\""))
                }
                out.append(contentsOf: #","index":"#.utf8)
                out.append(contentsOf: String(row).utf8)
                out.append(UInt8(ascii: "}"))
            }
        }
        out.append(contentsOf: #"],"model":"#.utf8)
        JSONString.append(model, to: &out)
        out.append(contentsOf: #","usage":{"prompt_tokens":"#.utf8)
        out.append(contentsOf: String(promptTokens).utf8)
        out.append(contentsOf: #","total_tokens":"#.utf8)
        out.append(contentsOf: String(promptTokens).utf8)
        out.append(contentsOf: "}}".utf8)
        return out
    }

    private static func appendNumbers(_ floats: UnsafeBufferPointer<Float>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in floats.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if value.isFinite {
                // Swift prints the shortest digits that round-trip, in a form JSON accepts
                // (`0.1`, `-2.5e-05`, `1.0`); short strings live inline, so this does not allocate.
                out.append(contentsOf: value.description.utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        }
        out.append(UInt8(ascii: "]"))
    }
}
