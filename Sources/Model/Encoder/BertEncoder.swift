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

    /// The precision the linear layers run in: `.fp32` or `.bf16`, never `.auto`.
    public var precision: EncoderPrecision { weights.precision }
    /// One line saying which precision runs and why (for `.bf16`, the accuracy check's figure).
    public let precisionReason: String

    /// Loads `config.json` and `model.safetensors` from `directory`. Errors name the file and tensor.
    ///
    /// - Parameters:
    ///   - threads: OpenBLAS threads for the matrix products (default: the active processor count).
    ///     This is a process-wide OpenBLAS setting, made once here, not per call.
    ///   - precision: the linear layers' number format; `.auto` and `.bf16` first check bf16 against
    ///     fp32 on `accuracyCheckInputs` (see `EncoderPrecision.resolve`), and `.bf16` throws when the
    ///     CPU cannot run it or the check fails.
    ///   - accuracyCheckInputs: token id sequences for the accuracy check (not used for `.fp32`).
    public convenience init(
        directory: String, threads: Int? = nil, precision: EncoderPrecision = .fp32,
        accuracyCheckInputs: [[Int32]] = []
    ) throws(ModelError) {
        try self.init(
            directory: directory, threads: threads, maximumPassTokens: Self.defaultMaximumPassTokens,
            precision: precision, accuracyCheckInputs: accuracyCheckInputs)
    }

    /// As the public initialiser, with the pass size adjustable so that tests can exercise splitting.
    convenience init(
        directory: String, threads: Int?, maximumPassTokens: Int, precision: EncoderPrecision = .fp32,
        accuracyCheckInputs: [[Int32]] = []
    ) throws(ModelError) {
        let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
        guard threadCount >= 1 else {
            throw .invalidInput("threads must be at least 1 (got \(threadCount))")
        }
        let directoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        let config = try BertConfig(path: directoryURL.appendingPathComponent("config.json").path)
        let file = try SafetensorsFile(path: directoryURL.appendingPathComponent("model.safetensors").path)
        openblas_set_num_threads(Int32(clamping: threadCount))
        let fp32 = try BertWeights(file: file, config: config, precision: .fp32)
        var bf16: BertWeights?
        let (chosen, reason) = try EncoderPrecision.resolve(
            precision, cpuHasBFloat16: PackedBFloat16Matrix.cpuSupported
        ) { () throws(ModelError) -> Double in
            let packed = try BertWeights(file: file, config: config, precision: .bf16)
            bf16 = packed
            return try Self.minimumCosine(fp32, packed, inputs: accuracyCheckInputs)
        }
        // Only one set of linear weights stays: the fp32 copy is released when bf16 runs.
        if chosen == .bf16, let bf16 {
            self.init(weights: bf16, maximumPassTokens: maximumPassTokens, precisionReason: reason)
        } else {
            self.init(weights: fp32, maximumPassTokens: maximumPassTokens, precisionReason: reason)
        }
    }

    init(weights: BertWeights, maximumPassTokens: Int, precisionReason: String) {
        self.weights = weights
        self.maximumPassTokens = max(1, maximumPassTokens)
        self.precisionReason = precisionReason
    }

    /// The lowest cosine similarity between the embeddings of `inputs` under `reference` and under
    /// `candidate` weights.
    static func minimumCosine(
        _ reference: BertWeights, _ candidate: BertWeights, inputs: [[Int32]]
    ) throws(ModelError) -> Double {
        guard !inputs.isEmpty else {
            throw .invalidInput("the bf16 accuracy check needs at least one input to compare with fp32")
        }
        let expected = try BertEncoder(
            weights: reference, maximumPassTokens: defaultMaximumPassTokens, precisionReason: ""
        )
        .embed(inputs)
        let actual = try BertEncoder(
            weights: candidate, maximumPassTokens: defaultMaximumPassTokens, precisionReason: ""
        )
        .embed(inputs)
        let width = reference.config.hiddenSize
        var lowest = 1.0
        for row in 0..<inputs.count {
            var dot = 0.0
            var expectedNorm = 0.0
            var actualNorm = 0.0
            for index in (row * width)..<((row + 1) * width) {
                dot += Double(expected[index]) * Double(actual[index])
                expectedNorm += Double(expected[index]) * Double(expected[index])
                actualNorm += Double(actual[index]) * Double(actual[index])
            }
            let cosine = dot / max((expectedNorm * actualNorm).squareRoot(), .leastNormalMagnitude)
            lowest = min(lowest, cosine)
        }
        return lowest
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
