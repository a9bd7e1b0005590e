import Cluster

/// Generates benchmark texts: each has a word count drawn uniformly from a ``WordCountRange`` and
/// words drawn from a fixed list of common English words, all from a seeded generator, so the same
/// seed gives the same texts on every machine and every run.
struct TextGenerator {
    /// Ordinary words that the model's WordPiece vocabulary mostly holds whole (about 1.2 word
    /// pieces per word once punctuation is counted).
    static let words: [String] = [
        "the", "cluster", "routes", "each", "request", "to", "least", "loaded", "healthy", "replica",
        "a", "node", "answers", "with", "an", "embedding", "of", "sentence", "model", "gateway",
        "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "river", "mountain", "city",
        "people", "time", "year", "way", "day", "thing", "world", "life", "hand", "part",
        "child", "eye", "woman", "place", "work", "week", "case", "point", "number", "group",
        "problem", "fact", "good", "new", "first", "last", "long", "great", "little", "own",
        "other", "old", "right", "big", "high", "different", "small", "large", "next", "early",
        "young", "important", "few", "public", "bad", "same", "able", "music", "water", "market",
        "and", "in", "on", "for", "from", "under", "between", "after", "before", "while",
        "reads", "writes", "builds", "finds", "keeps", "sends", "waits", "learns", "moves", "grows",
    ]

    private var random: SplitMix64
    private let lengths: WordCountRange

    init(lengths: WordCountRange, seed: UInt64) {
        self.random = SplitMix64(seed: seed)
        self.lengths = lengths
    }

    /// The next text: its words separated by spaces, capitalised and ending with a full stop.
    mutating func next() -> String {
        let count = Int.random(in: lengths.range, using: &random)
        var text = ""
        text.reserveCapacity(count * 7)
        for index in 0..<count {
            let word = Self.words[Int.random(in: 0..<Self.words.count, using: &random)]
            if index == 0 {
                text += word.prefix(1).uppercased() + word.dropFirst()
            } else {
                text += " " + word
            }
        }
        text += "."
        return text
    }

    /// `count` texts in generation order.
    mutating func texts(count: Int) -> [String] {
        (0..<count).map { _ in next() }
    }
}
