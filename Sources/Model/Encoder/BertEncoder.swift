import COpenBLAS
import Foundation
import Synchronization

/// The all-MiniLM-L6-v2 sentence encoder (any BERT with absolute positions and exact GELU):
/// token ids in, mean-pooled L2-normalised embeddings out, on OpenBLAS sgemm.
///
/// Linear layers run on all tokens of a batch packed together (rows = sum of the sequence
/// lengths, no padding); attention runs per sequence and head on strided views of the packed
/// Q|K|V rows. Scratch memory is reused between calls under a `Mutex` taken once per call, so
/// concurrent callers are safe but serialised; the batcher calls `embed` from one thread anyway.
public final class BertEncoder: Sendable {
    /// The most tokens one forward pass packs together by default: enough for the batcher's
    /// token budget, while scratch memory stays bounded (about 170 MB for MiniLM).
    static let defaultMaximumPassTokens = 16_384

    let weights: BertWeights
    /// Larger requests are split into passes of at most this many tokens (a pass always takes at
    /// least one whole sequence), so that memory stays bounded whatever the caller sends.
    let maximumPassTokens: Int
    let scratch = Mutex(EncoderScratch())

    /// Loads `config.json` and `model.safetensors` from `directory`. Errors name the file and tensor.
    ///
    /// - Parameter threads: OpenBLAS threads for the matrix products (default: the active
    ///   processor count). This is a process-wide OpenBLAS setting, made once here, not per call.
    public convenience init(directory: String, threads: Int? = nil) throws(ModelError) {
        try self.init(directory: directory, threads: threads, maximumPassTokens: Self.defaultMaximumPassTokens)
    }

    /// As the public initialiser, with the pass size adjustable so that tests can exercise splitting.
    init(directory: String, threads: Int?, maximumPassTokens: Int) throws(ModelError) {
        let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
        guard threadCount >= 1 else {
            throw .invalidInput("threads must be at least 1 (got \(threadCount))")
        }
        let directoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        let config = try BertConfig(path: directoryURL.appendingPathComponent("config.json").path)
        let file = try SafetensorsFile(path: directoryURL.appendingPathComponent("model.safetensors").path)
        weights = try BertWeights(file: file, config: config)
        self.maximumPassTokens = max(1, maximumPassTokens)
        openblas_set_num_threads(Int32(clamping: threadCount))
    }

    /// The length of every embedding (MiniLM: 384).
    public var dimension: Int { weights.config.hiddenSize }

    /// The longest token sequence the position embeddings cover (MiniLM: 512).
    public var maxSequenceLength: Int { weights.config.maxPositions }

    /// The number of token ids the model knows; ids must lie in `0..<vocabularySize`.
    public var vocabularySize: Int { weights.config.vocabularySize }

    /// Mean-pooled, L2-normalised embeddings: inputs.count × dimension floats, row-major.
    /// Empty sequences or sequences longer than maxSequenceLength or ids outside the vocabulary
    /// throw `.invalidInput` (never crash).
    public func embed(_ inputs: [[Int32]]) throws(ModelError) -> [Float] {
        try validate(inputs)
        let width = dimension
        guard !inputs.isEmpty else { return [] }
        return scratch.withLock { scratch in
            [Float](unsafeUninitializedCapacity: inputs.count * width) { output, initializedCount in
                var first = 0
                while first < inputs.count {
                    var end = first
                    var tokens = 0
                    while end < inputs.count, end == first || tokens + inputs[end].count <= maximumPassTokens {
                        tokens += inputs[end].count
                        end += 1
                    }
                    let rows = UnsafeMutableBufferPointer(rebasing: output[(first * width)..<(end * width)])
                    forward(inputs[first..<end], tokenCount: tokens, scratch: &scratch, output: rows)
                    first = end
                }
                initializedCount = inputs.count * width
            }
        }
    }

    private func validate(_ inputs: [[Int32]]) throws(ModelError) {
        let vocabulary = Int32(clamping: vocabularySize)
        for (index, ids) in inputs.enumerated() {
            guard !ids.isEmpty else {
                throw .invalidInput("input \(index) is empty: it needs at least one token id")
            }
            guard ids.count <= maxSequenceLength else {
                throw .invalidInput(
                    "input \(index) has \(ids.count) tokens; the model takes at most \(maxSequenceLength)")
            }
            if let bad = ids.first(where: { $0 < 0 || $0 >= vocabulary }) {
                throw .invalidInput(
                    "input \(index) has token id \(bad), outside the vocabulary 0..<\(vocabularySize)")
            }
        }
    }
}
