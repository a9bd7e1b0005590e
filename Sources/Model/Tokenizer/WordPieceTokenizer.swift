import Foundation

/// The BERT WordPiece tokenizer of all-MiniLM-L6-v2, matching Hugging Face `tokenizers` (the
/// Rust "fast" tokenizer that sentence-transformers uses) id for id.
///
/// The pipeline, in the Rust order:
/// 1. special tokens (`[CLS]`, `[SEP]`, `[MASK]`, `[PAD]`, `[UNK]` when in the vocabulary) are
///    matched verbatim in the raw text and become their own ids;
/// 2. the rest is normalized: control scalars dropped, whitespace mapped to spaces, CJK
///    ideographs spaced apart, accents stripped (NFD, then non-spacing marks removed), lowercased;
/// 3. split into words on whitespace, each punctuation scalar a word of its own;
/// 4. each word becomes its greedy longest-match word pieces (continuations prefixed `##`), or
///    one `[UNK]` when longer than 100 scalars or not fully covered by the vocabulary;
/// 5. wrapped as `[CLS] … [SEP]` and truncated.
///
/// Pure-ASCII text skips the Unicode tables and normalization entirely.
public struct WordPieceTokenizer: Sendable {
    /// Word-initial pieces, keyed by their UTF-8 bytes.
    let initialPieces: WordPieceVocabulary
    /// Continuation pieces, keyed by their bytes without the `##` prefix, so that probing a
    /// continuation never has to build the prefixed string.
    let continuationPieces: WordPieceVocabulary
    /// The token string of every id, for `tokens(_:)`.
    let tokenStrings: [String]
    /// Special tokens matched verbatim in raw text, longest first (leftmost-longest matching).
    let specialTokens: [(bytes: [UInt8], id: Int32)]
    /// The first bytes of `specialTokens`, so that most positions are rejected with one load.
    let specialTokenFirstBytes: [Bool]
    let unknownID: Int32
    let classifierID: Int32
    let separatorID: Int32

    /// A word of more scalars than this becomes `[UNK]`, as `max_input_chars_per_word` says.
    static let maxScalarsPerWord = 100
    static let continuationPrefix = "##"
    static let unknownToken = "[UNK]"
    static let classifierToken = "[CLS]"
    static let separatorToken = "[SEP]"
    /// The special tokens BERT's `tokenizer.json` registers as added tokens, in id order.
    static let specialTokenNames = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    /// Loads `vocab.txt` (one token per line, id = line number). Errors name the file.
    ///
    /// Trailing whitespace on a line is ignored, as `tokenizers` does. The file must contain
    /// `[UNK]`, `[CLS]` and `[SEP]`.
    public init(vocabularyFile path: String) throws(ModelError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw .fileNotFound("vocabulary file \(path) \(reason)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw .invalidFile("vocabulary file \(path) is not valid UTF-8")
        }
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        let vocabulary = lines.map { line in
            var line = line
            while let last = line.last, last.isBertWhitespace { line.removeLast() }
            return String(String.UnicodeScalarView(line))
        }
        guard !vocabulary.isEmpty else {
            throw .invalidFile("vocabulary file \(path) has no tokens")
        }
        for required in [Self.unknownToken, Self.classifierToken, Self.separatorToken]
        where !vocabulary.contains(required) {
            throw .invalidFile("vocabulary file \(path) has no \(required) token")
        }
        self.init(vocabulary: vocabulary)
    }

    /// Builds a tokenizer from the token strings in id order.
    ///
    /// `[UNK]`, `[CLS]` or `[SEP]` missing from `vocabulary` are given the next free ids (so
    /// `vocabularySize` then exceeds `vocabulary.count`); a repeated token maps to its last id.
    public init(vocabulary: [String]) {
        var tokenStrings = vocabulary
        func id(of token: String) -> Int32 {
            if let index = tokenStrings.lastIndex(of: token) { return Int32(index) }
            tokenStrings.append(token)
            return Int32(tokenStrings.count - 1)
        }
        unknownID = id(of: Self.unknownToken)
        classifierID = id(of: Self.classifierToken)
        separatorID = id(of: Self.separatorToken)

        var initial: [(key: [UInt8], value: Int32)] = []
        var continuation: [(key: [UInt8], value: Int32)] = []
        initial.reserveCapacity(tokenStrings.count)
        for (index, token) in tokenStrings.enumerated() {
            // Bytes, not `hasPrefix`: that compares Characters, and a combining mark after the
            // prefix ("##ा") joins the second "#" into one Character.
            if token.utf8.starts(with: Self.continuationPrefix.utf8) {
                continuation.append((Array(token.utf8.dropFirst(Self.continuationPrefix.utf8.count)), Int32(index)))
            } else {
                initial.append((Array(token.utf8), Int32(index)))
            }
        }
        initialPieces = WordPieceVocabulary(initial)
        continuationPieces = WordPieceVocabulary(continuation)

        var specials: [(bytes: [UInt8], id: Int32)] = []
        for name in Self.specialTokenNames {
            if let index = tokenStrings.lastIndex(of: name) { specials.append((Array(name.utf8), Int32(index))) }
        }
        specials.sort { $0.bytes.count > $1.bytes.count }
        var firstBytes = [Bool](repeating: false, count: 256)
        for special in specials { firstBytes[Int(special.bytes[0])] = true }
        specialTokens = specials
        specialTokenFirstBytes = firstBytes
        self.tokenStrings = tokenStrings
        // Build the per-process Unicode table now (about 0.1 s) rather than on the first request.
        _ = BertScalarTable.shared
    }

    /// The number of token ids, the size of the model's embedding table.
    public var vocabularySize: Int { tokenStrings.count }

    /// Token ids with [CLS]/[SEP], truncated to `maxLength` (≥ 2).
    ///
    /// A `maxLength` below 2 is treated as 2, giving `[CLS] [SEP]`.
    public func encode(_ text: String, maxLength: Int = 256) -> [Int32] {
        let pieceLimit = max(maxLength, 2) - 2
        var writer = WordPieceWriter(tokenizer: self, pieceLimit: pieceLimit)
        writer.ids.append(classifierID)
        writer.pieceOffset = 1
        appendPieces(of: text, to: &writer)
        var ids = writer.ids
        if ids.count > pieceLimit + 1 { ids.removeSubrange((pieceLimit + 1)...) }
        ids.append(separatorID)
        return ids
    }

    /// The word-piece strings (no specials, not truncated), for debugging and the `tokenize` CLI.
    public func tokens(_ text: String) -> [String] {
        var writer = WordPieceWriter(tokenizer: self, pieceLimit: .max)
        appendPieces(of: text, to: &writer)
        return writer.ids.map { tokenStrings[Int($0)] }
    }
}
