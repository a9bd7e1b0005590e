import Testing

@testable import Model

/// Every text of the reference fixtures must tokenize to exactly the ids Hugging Face
/// `tokenizers` gave it.
@Suite struct WordPieceTokenizerFixtureTests {
    @Test func matchesTheSentenceTransformersReference() throws {
        let tokenizer = try MiniLMTokenizer.load()
        let rows = try MiniLMTokenizer.fixtureRows("minilm-reference.json")
        #expect(rows.count == 32)
        for row in rows {
            #expect(tokenizer.encode(row.text) == row.inputIDs, "text: \(row.text.debugDescription)")
        }
    }

    @Test func matchesHuggingFaceOnTrickyTexts() throws {
        let tokenizer = try MiniLMTokenizer.load()
        let rows = try MiniLMTokenizer.fixtureRows("tokenizer-extra.json")
        #expect(rows.count >= 60)
        #expect(rows.contains { $0.inputIDs.count == 256 }, "the fixture should include a truncated text")
        for row in rows {
            #expect(tokenizer.encode(row.text) == row.inputIDs, "text: \(row.text.debugDescription)")
        }
    }
}
