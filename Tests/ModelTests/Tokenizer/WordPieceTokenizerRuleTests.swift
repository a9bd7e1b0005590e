import Testing

@testable import Model

/// One test per rule of the BERT normalizer, pre-tokenizer and WordPiece model, with the real
/// all-MiniLM-L6-v2 vocabulary. Expected pieces are what Hugging Face `tokenizers` gives.
@Suite struct WordPieceTokenizerRuleTests {
    let tokenizer: WordPieceTokenizer

    init() throws {
        tokenizer = try MiniLMTokenizer.load()
    }

    @Test func dropsControlCharactersNULAndReplacementCharacter() {
        #expect(tokenizer.tokens("he\u{0}llo\u{FFFD} wor\u{7}ld\u{200B}!") == ["hello", "world", "!"])
        #expect(tokenizer.tokens("x\u{E000}y\u{7F}") == ["x", "##y"], "private use and DEL are dropped")
        #expect(tokenizer.tokens("a\u{0B}b\u{0C}c") == ["abc"], "vertical tab and form feed are controls, not spaces")
        #expect(tokenizer.encode("\u{85}\u{0}\u{200D}") == [101, 102])
    }

    @Test func treatsTabsNewlinesAndUnicodeSpacesAsSpaces() {
        #expect(tokenizer.tokens("a\tb\nc\r\nd\u{A0}e\u{3000}f") == ["a", "b", "c", "d", "e", "f"])
        #expect(tokenizer.tokens("line\u{2028}para\u{2029}end") == ["line", "para", "end"])
    }

    @Test func putsEveryCJKIdeographInItsOwnWord() {
        #expect(tokenizer.tokens("中文abc字") == ["中", "文", "abc", "[UNK]"])
        #expect(tokenizer.encode("\u{F902}") == [101, 1954, 102], "a compatibility ideograph decomposes to U+8ECA")
    }

    @Test func stripsAccents() {
        #expect(tokenizer.tokens("é ü Å") == ["e", "u", "a"])
        #expect(tokenizer.tokens("Việt Nam Đà Nẵng") == ["viet", "nam", "đ", "##a", "nan", "##g"])
        #expect(tokenizer.encode("caf\u{E9}") == tokenizer.encode("cafe\u{301}"), "composed and decomposed forms agree")
        #expect(tokenizer.tokens("x\u{301}\u{327}y") == ["x", "##y"])
        #expect(tokenizer.tokens("word" + String(repeating: "\u{301}", count: 150)) == ["word"])
    }

    @Test func lowercasesWithTheFullMappingAndNoFinalSigma() {
        #expect(tokenizer.tokens("İ") == ["i"])
        #expect(tokenizer.tokens("ΣΑΣ") == ["σ", "##α", "##σ"])
        #expect(tokenizer.tokens("HELLO World") == ["hello", "world"])
        #expect(tokenizer.tokens("STRASSE Straße") == ["st", "##ras", "##se", "st", "##raße"])
    }

    @Test func splitsASCIISymbolsAsPunctuation() {
        #expect(tokenizer.tokens("$+<=>^`|~") == ["$", "+", "<", "=", ">", "^", "`", "|", "~"])
        #expect(tokenizer.tokens("don't") == ["don", "'", "t"])
    }

    @Test func splitsUnicodePunctuation() {
        #expect(tokenizer.tokens("「引用」¿qué? a—b") == ["「", "[UNK]", "[UNK]", "」", "¿", "que", "?", "a", "—", "b"])
    }

    @Test func emojiAreUnknownWords() {
        #expect(tokenizer.tokens("I ❤ pizza 🍕") == ["i", "[UNK]", "pizza", "[UNK]"])
        #expect(tokenizer.tokens("👍🏽") == ["[UNK]"], "a skin tone modifier stays in the word")
    }

    @Test func zeroWidthJoinerSequencesAreOneUnknownWord() {
        #expect(tokenizer.tokens("👨\u{200D}👩\u{200D}👧 family") == ["[UNK]", "family"])
    }

    @Test func followsTheUnicode8CategoriesOfTokenizers() {
        // Assigned after Unicode 8.0, so neither dropped nor split off: just an unknown word.
        #expect(tokenizer.tokens("🥰 \u{378}") == ["[UNK]", "[UNK]"])
        #expect(tokenizer.tokens("a\u{2E43}b") == ["[UNK]"], "U+2E43 is punctuation only since Unicode 9.0")
        #expect(tokenizer.tokens("a\u{1734}b") == ["ab"], "U+1734 was a non-spacing mark in Unicode 8.0")
    }

    @Test func wordsOfMoreThan100ScalarsAreUnknown() {
        let hundred = tokenizer.tokens(String(repeating: "a", count: 100))
        #expect(hundred.count > 1 && !hundred.contains("[UNK]"))
        #expect(tokenizer.tokens(String(repeating: "a", count: 101)) == ["[UNK]"])
        #expect(tokenizer.tokens(String(repeating: "é", count: 101)) == ["[UNK]"], "scalars are counted after NFD")
        #expect(tokenizer.tokens("ok " + String(repeating: "b", count: 101) + " ok") == ["ok", "[UNK]", "ok"])
    }

    @Test func wordsWithAnUnmatchedRemainderAreOneUnknown() {
        #expect(tokenizer.tokens("hello✈ world") == ["[UNK]", "world"])
        #expect(tokenizer.encode("hello☃") == [101, 100, 102])
    }

    @Test func matchesSpecialTokensVerbatimInTheRawText() {
        #expect(tokenizer.encode("[CLS]x[SEP] [mask]") == [101, 101, 1060, 102, 1031, 7308, 1033, 102])
        #expect(tokenizer.tokens("a[MASK]b") == ["a", "[MASK]", "b"])
    }

    @Test func wrapsInClassifierAndSeparator() {
        #expect(tokenizer.encode("The quick brown fox.") == [101, 1996, 4248, 2829, 4419, 1012, 102])
    }

    @Test func truncatesTo256TokensByDefault() {
        let text = String(repeating: "hello world ", count: 200)
        let pieces = tokenizer.tokens(text)
        #expect(pieces.count == 400)
        let ids = tokenizer.encode(text)
        #expect(ids.count == 256)
        #expect(ids.first == 101 && ids.last == 102)
        #expect(ids[1..<255].allSatisfy { $0 == 7592 || $0 == 2088 })
        #expect(ids[254] == 2088, "254 pieces are kept, alternating hello/world")
    }

    @Test func truncatesToACustomMaxLength() {
        let text = "one two three four five"
        #expect(tokenizer.encode(text, maxLength: 5) == [101, 2028, 2048, 2093, 102])
        #expect(tokenizer.encode(text, maxLength: 7) == [101, 2028, 2048, 2093, 2176, 2274, 102])
        #expect(tokenizer.encode(text, maxLength: 100) == [101, 2028, 2048, 2093, 2176, 2274, 102])
        #expect(tokenizer.encode(text, maxLength: 2) == [101, 102])
        #expect(tokenizer.encode(text, maxLength: 0) == [101, 102], "a length below 2 still gives the specials")
    }

    @Test func truncationKeepsAWordsLeadingPieces() {
        // "unaffable" is three pieces; a limit inside it keeps the first ones, as tokenizers does.
        #expect(tokenizer.tokens("unaffable") == ["una", "##ffa", "##ble"])
        #expect(tokenizer.encode("unaffable", maxLength: 4) == [101, 14477, 20961, 102])
    }

    @Test func emptyAndWhitespaceTextGiveOnlyTheSpecials() {
        #expect(tokenizer.encode("") == [101, 102])
        #expect(tokenizer.encode("   \t\n\r\n \u{3000}") == [101, 102])
        #expect(tokenizer.tokens("") == [])
    }

    @Test func vocabularyHasTheModelsSize() {
        #expect(tokenizer.vocabularySize == 30522)
    }
}
