import Foundation

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
            appendUnicodeSegment(String(decoding: bytes, as: UTF8.self), to: &writer)
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

    /// The full path: clean text and space CJK ideographs, then NFD, strip non-spacing marks,
    /// lowercase, and split, in the order of `tokenizers`' `BertNormalizer`.
    private func appendUnicodeSegment(_ text: String, to writer: inout WordPieceWriter) {
        var cleaned = String.UnicodeScalarView()
        var needsDecomposition = false
        for scalar in text.unicodeScalars {
            if scalar.isBertCJKIdeograph {
                // Compatibility ideographs decompose to unified ones.
                if scalar.value >= 0xF900 { needsDecomposition = true }
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else if scalar.isBertDropped {
                continue
            } else if scalar.isBertWhitespace {
                cleaned.append(" ")
            } else {
                // Nothing below U+00C0 has a canonical decomposition.
                if scalar.value >= 0xC0 { needsDecomposition = true }
                cleaned.append(scalar)
            }
        }
        var normalized = String(cleaned)
        if needsDecomposition { normalized = normalized.decomposedStringWithCanonicalMapping }

        for scalar in normalized.unicodeScalars {
            if scalar.value < 0x80 {
                appendNormalized(scalar, to: &writer)
            } else if scalar.isBertCJKIdeograph {
                writer.appendToWord(scalar)
            } else if scalar.isBertNonspacingMark {
                continue
            } else if scalar.properties.changesWhenLowercased {
                for lowercased in scalar.properties.lowercaseMapping.unicodeScalars {
                    appendNormalized(lowercased, to: &writer)
                }
            } else {
                appendNormalized(scalar, to: &writer)
            }
            if writer.isFull { return }
        }
    }

    /// Pre-tokenizes one normalized scalar: whitespace ends a word, punctuation is a word.
    @inline(__always)
    private func appendNormalized(_ scalar: Unicode.Scalar, to writer: inout WordPieceWriter) {
        if scalar.isBertWhitespace {
            writer.endWord()
        } else if scalar.isBertPunctuation {
            writer.endWord()
            writer.appendToWord(scalar)
            writer.endWord()
        } else if scalar.value < 0x80 && scalar.properties.changesWhenLowercased {
            writer.appendToWord(ascii: UInt8(scalar.value) | 0x20)
        } else {
            writer.appendToWord(scalar)
        }
    }
}
