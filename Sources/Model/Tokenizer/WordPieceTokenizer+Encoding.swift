extension WordPieceTokenizer {
    /// What the normalizer and pre-tokenizer do with each ASCII byte: `dropped`, `space` (ends a
    /// word), `punctuation` (a word of its own), or else the byte itself, lowercased.
    private static let asciiActions: [UInt8] = (0..<128).map { (byte: UInt8) -> UInt8 in
        let scalar = Unicode.Scalar(byte)
        if scalar.isBertDropped { return asciiDropped }
        if scalar.isBertWhitespace { return asciiSpace }
        if scalar.isBertPunctuation { return asciiPunctuation }
        if (0x41...0x5A).contains(byte) { return byte | 0x20 }
        return byte
    }
    private static let asciiDropped: UInt8 = 0
    private static let asciiSpace: UInt8 = 1
    private static let asciiPunctuation: UInt8 = 2

    /// Writes the pieces of `text` (no `[CLS]`/`[SEP]`), stopping early once `writer` is full.
    func appendPieces(of text: String, to writer: inout WordPieceWriter) {
        var text = text
        text.makeContiguousUTF8()
        _ = text.utf8.withContiguousStorageIfAvailable { bytes in
            var segmentStart = 0
            var index = 0
            while index < bytes.count {
                if specialTokenFirstBytes[Int(bytes[index])], let special = specialToken(in: bytes, at: index) {
                    appendSegment(UnsafeBufferPointer(rebasing: bytes[segmentStart..<index]), to: &writer)
                    if writer.isFull { return }
                    writer.appendSpecialToken(special.id)
                    index += special.length
                    segmentStart = index
                } else {
                    index += 1
                }
            }
            appendSegment(UnsafeBufferPointer(rebasing: bytes[segmentStart...]), to: &writer)
        }
    }

    /// The longest special token spelled at `index` of the raw text, if any.
    private func specialToken(in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (id: Int32, length: Int)? {
        for special in specialTokens where special.bytes.count <= bytes.count - index {
            var offset = 0
            while offset < special.bytes.count && bytes[index + offset] == special.bytes[offset] { offset += 1 }
            if offset == special.bytes.count { return (special.id, offset) }
        }
        return nil
    }

    /// Writes the pieces of a stretch of raw text that holds no special token.
    private func appendSegment(_ bytes: UnsafeBufferPointer<UInt8>, to writer: inout WordPieceWriter) {
        var isASCII = true
        for byte in bytes where byte >= 0x80 {
            isASCII = false
            break
        }
        if isASCII {
            appendASCIISegment(bytes, to: &writer)
        } else {
            appendUnicodeSegment(bytes, to: &writer)
        }
        writer.endWord()
    }

    /// The fast path: for ASCII, normalizing is dropping controls and lowercasing, and the
    /// classes come from one table.
    private func appendASCIISegment(_ bytes: UnsafeBufferPointer<UInt8>, to writer: inout WordPieceWriter) {
        Self.asciiActions.withUnsafeBufferPointer { actions in
            for byte in bytes {
                let action = actions[Int(byte)]
                switch action {
                case Self.asciiDropped:
                    continue
                case Self.asciiSpace:
                    writer.endWord()
                    if writer.isFull { return }
                case Self.asciiPunctuation:
                    writer.endWord()
                    writer.appendToWord(ascii: byte)
                    writer.endWord()
                    if writer.isFull { return }
                default:
                    writer.appendToWord(ascii: action)
                }
            }
        }
    }

    /// The full path, in the order of `tokenizers`' `BertNormalizer`: clean text and space CJK
    /// ideographs, NFD, strip non-spacing marks, lowercase; then split into words.
    private func appendUnicodeSegment(_ bytes: UnsafeBufferPointer<UInt8>, to writer: inout WordPieceWriter) {
        let table = BertScalarTable.shared
        var normalized: [Unicode.Scalar] = []
        normalized.reserveCapacity(bytes.count + 8)
        var mayNeedReordering = false
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        decoding: while true {
            let scalar: Unicode.Scalar
            switch decoder.decode(&iterator) {
            case .scalarValue(let value): scalar = value
            case .emptyInput: break decoding
            // Unreachable for a String's bytes; U+FFFD is what clean text would drop anyway.
            case .error: continue
            }
            let flags = table.flags(of: scalar)
            if flags.contains(.cjkIdeograph) {
                normalized.append(" ")
                if flags.contains(.decomposes) {
                    table.appendDecomposition(of: scalar, to: &normalized)
                } else {
                    normalized.append(scalar)
                }
                normalized.append(" ")
            } else if flags.contains(.dropped) {
                continue
            } else if flags.contains(.whitespace) {
                normalized.append(" ")
            } else if flags.contains(.decomposes) {
                table.appendDecomposition(of: scalar, to: &normalized)
                mayNeedReordering = true
            } else {
                if flags.contains(.combining) { mayNeedReordering = true }
                normalized.append(scalar)
            }
        }
        if mayNeedReordering { Self.putInCanonicalOrder(&normalized, table: table) }

        for scalar in normalized {
            let flags = table.flags(of: scalar)
            if flags.contains(.nonspacingMark) { continue }
            if flags.contains(.changesWhenLowercased) {
                if scalar.value < 0x80 {
                    writer.appendToWord(ascii: UInt8(scalar.value) | 0x20)
                } else {
                    for lowercased in scalar.properties.lowercaseMapping.unicodeScalars {
                        appendNormalized(lowercased, flags: table.flags(of: lowercased), to: &writer)
                    }
                }
            } else {
                appendNormalized(scalar, flags: flags, to: &writer)
            }
            if writer.isFull { return }
        }
    }

    /// Pre-tokenizes one normalized scalar: whitespace ends a word, punctuation is a word.
    @inline(__always)
    private func appendNormalized(
        _ scalar: Unicode.Scalar,
        flags: BertScalarTable.Flags,
        to writer: inout WordPieceWriter
    ) {
        if flags.contains(.whitespace) {
            writer.endWord()
        } else if flags.contains(.punctuation) {
            writer.endWord()
            writer.appendToWord(scalar)
            writer.endWord()
        } else {
            writer.appendToWord(scalar)
        }
    }

    /// The canonical ordering step of NFD: within each run of combining scalars (nonzero
    /// canonical combining class), a stable sort by combining class.
    private static func putInCanonicalOrder(_ scalars: inout [Unicode.Scalar], table: BertScalarTable) {
        func combiningClass(_ scalar: Unicode.Scalar) -> UInt8 {
            table.flags(of: scalar).contains(.combining) ? scalar.properties.canonicalCombiningClass.rawValue : 0
        }
        var index = 1
        while index < scalars.count {
            let current = combiningClass(scalars[index])
            if current != 0 {
                var position = index
                while position > 0 && combiningClass(scalars[position - 1]) > current {
                    scalars.swapAt(position - 1, position)
                    position -= 1
                }
            }
            index += 1
        }
    }
}
