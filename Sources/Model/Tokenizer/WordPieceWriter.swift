/// Collects one text's token ids: takes the normalized scalars of each word as they are found
/// and turns every finished word into its greedy longest-match word pieces.
///
/// The current word is kept as UTF-8 bytes in a reused buffer, so that vocabulary probes are
/// byte-slice lookups and a text costs no allocation per word or per piece.
struct WordPieceWriter {
    private let initialPieces: WordPieceVocabulary
    private let continuationPieces: WordPieceVocabulary
    private let unknownID: Int32
    /// Once this many pieces are written, later words cannot survive truncation.
    private let pieceLimit: Int

    /// The ids written so far, including any `pieceOffset` leading ids.
    var ids: [Int32] = []
    /// How many leading ids (a `[CLS]`) are not pieces and do not count against `pieceLimit`.
    var pieceOffset = 0

    private var word: [UInt8] = []
    private var wordScalarCount = 0

    init(tokenizer: WordPieceTokenizer, pieceLimit: Int) {
        initialPieces = tokenizer.initialPieces
        continuationPieces = tokenizer.continuationPieces
        unknownID = tokenizer.unknownID
        self.pieceLimit = pieceLimit
        word.reserveCapacity(64)
    }

    /// True once enough pieces are written that the rest of the text would be truncated away.
    var isFull: Bool { ids.count - pieceOffset >= pieceLimit }

    /// Adds one ASCII byte (already lowercased) to the current word.
    @inline(__always)
    mutating func appendToWord(ascii byte: UInt8) {
        word.append(byte)
        wordScalarCount += 1
    }

    /// Adds one normalized scalar to the current word.
    @inline(__always)
    mutating func appendToWord(_ scalar: Unicode.Scalar) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            word.append(UInt8(value))
        case 0x80..<0x800:
            word.append(UInt8(0xC0 | value >> 6))
            word.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x1_0000:
            word.append(UInt8(0xE0 | value >> 12))
            word.append(UInt8(0x80 | (value >> 6) & 0x3F))
            word.append(UInt8(0x80 | value & 0x3F))
        default:
            word.append(UInt8(0xF0 | value >> 18))
            word.append(UInt8(0x80 | (value >> 12) & 0x3F))
            word.append(UInt8(0x80 | (value >> 6) & 0x3F))
            word.append(UInt8(0x80 | value & 0x3F))
        }
        wordScalarCount += 1
    }

    /// Writes an id that bypasses normalization and WordPiece (a special token in the text).
    mutating func appendSpecialToken(_ id: Int32) {
        endWord()
        ids.append(id)
    }

    /// Ends the current word, if any, and writes its pieces.
    mutating func endWord() {
        if word.isEmpty { return }
        if wordScalarCount > WordPieceTokenizer.maxScalarsPerWord {
            ids.append(unknownID)
        } else {
            let bytes = word
            bytes.withUnsafeBufferPointer { appendPieces(of: $0) }
        }
        word.removeAll(keepingCapacity: true)
        wordScalarCount = 0
    }

    /// Greedy longest match first, as `tokenizers`' WordPiece model does: from each position
    /// take the longest vocabulary piece (`##`-prefixed after the first); if some position has
    /// no piece, the whole word is one `[UNK]`.
    private mutating func appendPieces(of word: UnsafeBufferPointer<UInt8>) {
        let firstPiece = ids.count
        var start = 0
        while start < word.count {
            let isContinuation = start > 0
            let maxPieceLength = isContinuation ? continuationPieces.maxKeyLength : initialPieces.maxKeyLength
            var end = min(word.count, start + maxPieceLength)
            while end > start && end < word.count && Self.isContinuationByte(word[end]) { end -= 1 }
            var match: Int32? = nil
            while end > start {
                let piece = UnsafeBufferPointer(rebasing: word[start..<end])
                match = isContinuation ? continuationPieces.id(of: piece) : initialPieces.id(of: piece)
                if match != nil { break }
                end -= 1
                while end > start && Self.isContinuationByte(word[end]) { end -= 1 }
            }
            guard let match else {
                ids.removeSubrange(firstPiece...)
                ids.append(unknownID)
                return
            }
            ids.append(match)
            start = end
        }
    }

    @inline(__always)
    private static func isContinuationByte(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }
}
