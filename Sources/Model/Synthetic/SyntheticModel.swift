import Foundation

/// A stand-in model that costs no compute: a deterministic 384-dimensional unit vector per input.
///
/// It lets routing, failover and benchmarks run without real inference. Tokens are one id per
/// whitespace-separated word (FNV-1a of the word's UTF-8 mapped into the BERT vocabulary's id
/// range), wrapped in `[CLS]`/`[SEP]` and truncated to 256 like the real model. A vector is
/// SplitMix64 output seeded by FNV-1a over the ids, uniform in [-1, 1] and L2-normalised, so the
/// same text gives the same vector in every process, on every run and on every machine.
/// `latency` models a busy model: each `embed` call blocks its thread that long once.
public struct SyntheticModel: EmbeddingModel {
    /// The name clients ask for.
    public static let modelName = "synthetic"
    /// `[CLS]` in the BERT vocabulary.
    public static let classifierID: Int32 = 101
    /// `[SEP]` in the BERT vocabulary.
    public static let separatorID: Int32 = 102
    /// Word ids fall in `wordIDs`: above the special and reserved tokens, below the vocabulary size.
    public static let wordIDs: Range<Int32> = 1000..<30522
    /// Longest token sequence, special tokens included.
    public static let maxSequenceLength = 256

    /// Time each `embed` call blocks its thread before returning.
    public let latency: Duration

    public init(latency: Duration = .zero) {
        self.latency = latency
    }

    public var name: String { Self.modelName }
    public var dimension: Int { 384 }

    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = [Self.classifierID]
        var word = FNV1a()
        var inWord = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                guard inWord else { continue }
                ids.append(Self.wordID(word))
                word = FNV1a()
                inWord = false
                if ids.count == Self.maxSequenceLength - 1 { break }
            } else {
                UTF8.encode(scalar) { word.combine($0) }
                inWord = true
            }
        }
        if inWord { ids.append(Self.wordID(word)) }
        ids.append(Self.separatorID)
        return ids
    }

    public func embed(_ inputs: [[Int32]]) throws(ModelError) -> [Float] {
        if let empty = inputs.firstIndex(where: \.isEmpty) {
            throw .invalidInput("input \(empty) has no tokens; the synthetic model needs at least one")
        }
        if latency > .zero {
            let (seconds, attoseconds) = latency.components
            Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) * 1e-18)
        }
        let width = dimension
        return [Float](unsafeUninitializedCapacity: inputs.count * width) { buffer, initialized in
            var components = [Double](repeating: 0, count: width)
            for (row, ids) in inputs.enumerated() {
                var seed = FNV1a()
                for id in ids { seed.combine(id) }
                var generator = SplitMix64(seed: seed.value)
                var squares = 0.0
                for index in 0..<width {
                    let value = generator.nextSigned()
                    components[index] = value
                    squares += value * value
                }
                // Sixty-four-bit uniform draws are never all zero in practice; the guard keeps the
                // row a unit vector even then.
                let scale = squares > 0 ? 1 / squares.squareRoot() : 0
                for index in 0..<width {
                    buffer[row * width + index] = scale > 0 ? Float(components[index] * scale) : (index == 0 ? 1 : 0)
                }
            }
            initialized = inputs.count * width
        }
    }

    private static func wordID(_ hash: FNV1a) -> Int32 {
        let span = UInt64(wordIDs.upperBound - wordIDs.lowerBound)
        return wordIDs.lowerBound + Int32(truncatingIfNeeded: hash.value % span)
    }
}
