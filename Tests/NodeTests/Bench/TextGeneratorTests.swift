import Testing

@testable import Node

@Suite struct TextGeneratorTests {
    @Test func theSameSeedGivesTheSameTexts() {
        var first = TextGenerator(lengths: WordCountRange(8...64), seed: 42)
        var second = TextGenerator(lengths: WordCountRange(8...64), seed: 42)
        var other = TextGenerator(lengths: WordCountRange(8...64), seed: 43)
        let texts = first.texts(count: 50)
        #expect(texts == second.texts(count: 50))
        #expect(texts != other.texts(count: 50))
        #expect(Set(texts).count == 50)
    }

    @Test func wordCountsStayInTheRangeAndCoverIt() {
        var generator = TextGenerator(lengths: WordCountRange(3...6), seed: 7)
        var seen = Set<Int>()
        for text in generator.texts(count: 400) {
            let words = text.split(separator: " ")
            seen.insert(words.count)
            #expect(text.first?.isUppercase == true)
            #expect(text.hasSuffix("."))
            for word in words {
                let bare = word.lowercased().trimmingSuffix(".")
                #expect(TextGenerator.words.contains(bare), "\(bare) is not from the word list")
            }
        }
        #expect(seen == [3, 4, 5, 6])
    }

    @Test func aSingleCountGivesThatManyWords() {
        var generator = TextGenerator(lengths: WordCountRange(5...5), seed: 1)
        #expect(generator.texts(count: 20).allSatisfy { $0.split(separator: " ").count == 5 })
    }

    @Test func lengthsParseCountsAndRanges() throws {
        #expect(try WordCountRange(text: "8-64").range == 8...64)
        #expect(try WordCountRange(text: "16").range == 16...16)
        #expect(try WordCountRange(text: " 2 - 3 ").range == 2...3)
        #expect(WordCountRange(8...64).description == "8-64")
        #expect(WordCountRange(16...16).description == "16")
        for bad in ["", "a", "0-4", "9-3", "1-2-3", "-5", "5-", "1-20000"] {
            #expect(throws: CLIError.self, "\(bad)") { try WordCountRange(text: bad) }
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
