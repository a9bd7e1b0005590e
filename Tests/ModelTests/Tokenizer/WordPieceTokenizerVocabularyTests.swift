import Foundation
import Testing

@testable import Model

/// WordPiece matching and vocabulary loading, on small vocabularies built in the test.
@Suite struct WordPieceTokenizerVocabularyTests {
    /// ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, then the pieces.
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "##a", "aff", "a", "##ा"]

    @Test func takesTheLongestPieceFirst() {
        let tokenizer = WordPieceTokenizer(vocabulary: Self.vocabulary)
        #expect(tokenizer.tokens("unaffable") == ["un", "##aff", "##able"])
        #expect(tokenizer.tokens("affa") == ["aff", "##a"])
        #expect(tokenizer.encode("unaffable aff") == [2, 4, 5, 6, 8, 3])
    }

    @Test func aWordWithAnUnmatchedRemainderIsOneUnknown() {
        let tokenizer = WordPieceTokenizer(vocabulary: Self.vocabulary)
        #expect(tokenizer.tokens("unaffablex") == ["[UNK]"])
        #expect(tokenizer.tokens("xun") == ["[UNK]"])
        #expect(tokenizer.encode("un unx un") == [2, 4, 1, 4, 3])
    }

    @Test func matchesContinuationPiecesByBytes() {
        // "##ा" is one Character for String.hasPrefix ("#ा"), but its bytes start with "##".
        let tokenizer = WordPieceTokenizer(vocabulary: Self.vocabulary)
        #expect(tokenizer.encode("a\u{93E}") == [2, 9, 10, 3])
    }

    @Test func addsMissingSpecialTokensAfterTheVocabulary() {
        let tokenizer = WordPieceTokenizer(vocabulary: ["a", "##b"])
        #expect(tokenizer.vocabularySize == 5)
        #expect(tokenizer.encode("ab c") == [3, 0, 1, 2, 4])
        #expect(tokenizer.tokens("c") == ["[UNK]"])
    }

    @Test func aRepeatedTokenMapsToItsLastID() {
        let tokenizer = WordPieceTokenizer(vocabulary: ["[UNK]", "[CLS]", "[SEP]", "x", "x"])
        #expect(tokenizer.encode("x") == [1, 4, 2])
        #expect(tokenizer.vocabularySize == 5)
    }

    @Test func loadsAVocabularyFileWithCRLFLineEnds() throws {
        let path = try Self.writeTemporaryFile(Data("[UNK]\r\n[CLS]\r\n[SEP]\r\nhello \r\n##s\r\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tokenizer = try WordPieceTokenizer(vocabularyFile: path)
        #expect(tokenizer.vocabularySize == 5)
        #expect(tokenizer.encode("Hellos") == [1, 3, 4, 2])
    }

    @Test func aMissingFileIsNotFoundAndNamesThePath() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID()).txt").path
        #expect {
            try WordPieceTokenizer(vocabularyFile: path)
        } throws: { error in
            guard let error = error as? ModelError else { return false }
            return error == .fileNotFound(error.message) && error.message.contains(path)
        }
    }

    @Test func rejectsFilesThatAreNotAVocabulary() throws {
        let cases: [(contents: Data, reason: String)] = [
            (Data([0x61, 0xFF, 0x0A]), "not valid UTF-8"),
            (Data(), "no tokens"),
            (Data("[UNK]\n[SEP]\nhello\n".utf8), "no [CLS]"),
        ]
        for (contents, reason) in cases {
            let path = try Self.writeTemporaryFile(contents)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect {
                try WordPieceTokenizer(vocabularyFile: path)
            } throws: { error in
                guard let error = error as? ModelError else { return false }
                return error == .invalidFile(error.message) && error.message.contains(path)
                    && error.message.contains(reason)
            }
        }
    }

    private static func writeTemporaryFile(_ contents: Data) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID()).txt").path
        guard FileManager.default.createFile(atPath: path, contents: contents) else {
            throw FixtureError("cannot write the temporary file \(path)")
        }
        return path
    }
}
