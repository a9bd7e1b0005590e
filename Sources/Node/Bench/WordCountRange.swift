import Foundation

/// How many words each generated text has: uniformly distributed over a closed range, e.g. `8-64`.
struct WordCountRange: Hashable, Sendable, CustomStringConvertible {
    /// The largest count accepted; far beyond the model's 256 word pieces, so long inputs can be
    /// benchmarked, but small enough that a typo does not build gigabytes of text.
    static let maximumWords = 10_000

    var range: ClosedRange<Int>

    init(_ range: ClosedRange<Int>) {
        self.range = range
    }

    /// Parses `A-B` (inclusive) or a single count `N`.
    init(text: String) throws(CLIError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard (1...2).contains(parts.count), let low = Int(parts[0]), let high = Int(parts[parts.count - 1]) else {
            throw CLIError("--lengths '\(text)' is not a word count; write a count like 16 or a range like 8-64")
        }
        guard low >= 1, low <= high, high <= Self.maximumWords else {
            throw CLIError("--lengths '\(text)': counts must satisfy 1 <= low <= high <= \(Self.maximumWords)")
        }
        range = low...high
    }

    var description: String {
        range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)-\(range.upperBound)"
    }
}
