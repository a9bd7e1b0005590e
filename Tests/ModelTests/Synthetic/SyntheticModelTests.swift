import Testing

@testable import Model

@Suite struct SyntheticModelTests {
    let model = SyntheticModel()

    @Test func identity() {
        #expect(model.name == "synthetic")
        #expect(model.dimension == 384)
        #expect(model.latency == .zero)
        #expect(SyntheticModel(latency: .milliseconds(5)).latency == .milliseconds(5))
    }

    /// Pinned against an independent implementation (Python) of FNV-1a 64 over UTF-8, so ids are
    /// the same in every process and on every machine.
    @Test func wordIDsAreStableHashes() {
        #expect(model.tokenize("hello world") == [101, 11095, 29709, 102])
        #expect(model.tokenize("héllo 日本") == [101, 28508, 4861, 102])
    }

    @Test func splitsOnAnyWhitespace() {
        let expected = model.tokenize("hello world")
        #expect(model.tokenize("  hello\t\n world \u{00A0}") == expected)
        #expect(model.tokenize("hello\u{2003}world") == expected)
        #expect(model.tokenize("hello hello") == [101, 11095, 11095, 102])
    }

    @Test func emptyAndBlankTextsKeepTheSpecialTokens() {
        #expect(model.tokenize("") == [101, 102])
        #expect(model.tokenize(" \n\t ") == [101, 102])
    }

    @Test func idsStayInTheVocabularyRange() {
        let ids = model.tokenize((0..<200).map { "w\($0)" }.joined(separator: " "))
        #expect(ids.dropFirst().dropLast().allSatisfy { SyntheticModel.wordIDs.contains($0) })
    }

    @Test(arguments: [253, 254, 255, 1000])
    func truncatesTo256TokensEndingWithSeparator(words: Int) {
        let text = (0..<words).map { "word\($0)" }.joined(separator: " ")
        let ids = model.tokenize(text)
        #expect(ids.count == min(words + 2, 256))
        #expect(ids.first == 101 && ids.last == 102)
        #expect(ids[1] == model.tokenize("word0")[1])
    }

    /// Pinned against the same independent implementation: SplitMix64 seeded by FNV-1a over the
    /// ids' little-endian bytes, uniform in [-1, 1), L2-normalised.
    @Test func vectorsArePinned() throws {
        let vector = try model.embed([[101, 11095, 29709, 102]])
        let pinned: [(Int, Float)] = [
            (0, 0.025926167), (1, 0.021419900), (2, 0.004841592), (3, -0.08132848), (383, 0.006425940),
        ]
        for (index, value) in pinned {
            #expect(abs(vector[index] - value) < 1e-6, "component \(index)")
        }
    }

    @Test func vectorsAreUnitLengthDeterministicAndDistinct() throws {
        let inputs = ["a", "b", "the quick brown fox", ""].map(model.tokenize)
        let rows = try model.embed(inputs)
        #expect(rows.count == 4 * 384)
        for row in 0..<4 {
            let slice = rows[(row * 384)..<((row + 1) * 384)]
            let norm = slice.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
            #expect(slice.allSatisfy { $0 >= -1 && $0 <= 1 })
            // A row depends only on its own ids, not on its batch.
            #expect(Array(slice) == (try model.embed([inputs[row]])))
        }
        #expect(try model.embed(inputs) == rows)
        #expect(rows[0..<384] != rows[384..<768])
    }

    @Test func rejectsAnInputWithoutTokens() {
        #expect(throws: ModelError.self) { try model.embed([[101], []]) }
        #expect((try? model.embed([])) == [])
    }

    @Test func latencyDoesNotChangeTheResult() throws {
        let slow = SyntheticModel(latency: .milliseconds(1))
        let inputs = [slow.tokenize("same text")]
        #expect(try slow.embed(inputs) == (try model.embed(inputs)))
    }
}
