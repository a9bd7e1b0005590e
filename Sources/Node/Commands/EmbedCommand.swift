import ArgumentParser
import Foundation
import Model

/// `murmur embed`: offline embeddings of JSON Lines texts with the real model, no cluster involved.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed JSON Lines texts offline: writes {\"embedding\":[…384 floats]} per line, in order."
    )

    @OptionGroup var options: OfflineOptions

    @Option(name: .customLong("batch-tokens"), help: "Tokens per forward pass (texts are packed without padding).")
    var batchTokens: Int = 16_384

    @Option(
        name: .customLong("batch-texts"),
        help: "At most this many texts per forward pass (1 measures single-text latency).")
    var batchTexts: Int?

    @Option(help: "Compute threads for the encoder (default: the machine's cores).")
    var threads: Int?

    @Option(
        help: """
            Number format of the linear layers: auto (bf16 where the CPU has AVX512-BF16 and it passes \
            the accuracy check at load), fp32 or bf16.
            """,
        transform: Self.precision(_:))
    var precision: EncoderPrecision = .auto

    @Flag(
        help: """
            Also measure OpenBLAS sgemm on the encoder's own linear products at this run's average pass \
            size, and print the model's GFLOP/s as a fraction of it (the sgemm roofline).
            """)
    var roofline = false

    private static func precision(_ text: String) throws -> EncoderPrecision {
        guard let precision = EncoderPrecision(rawValue: text) else {
            throw ValidationError("--precision must be auto, fp32 or bf16, got \"\(text)\"")
        }
        return precision
    }

    func validate() throws {
        guard batchTokens >= 256 else { throw ValidationError("--batch-tokens must be at least 256") }
        if let batchTexts, batchTexts < 1 { throw ValidationError("--batch-texts must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        BLASKernelSelection.reexecWithFasterKernelsIfAvailable()
        let model: SentenceEmbeddingModel
        do {
            model = try SentenceEmbeddingModel(
                directory: options.resolvedModelDirectory, threads: threads, precision: precision)
        } catch {
            let hint = error.isLoadFailure ? " (run 'make model', or pass --model-dir / set MURMUR_MODEL_DIR)" : ""
            throw CLIError(error.message + hint)
        }
        var input = try JSONLinesInput(path: options.input)
        var output = try LineOutput(path: options.output)
        let clock = ContinuousClock()
        let started = clock.now
        var progress = ProgressLine(verb: "embedded", clock: clock)

        var texts = 0
        var tokens = 0
        var passes = 0
        var operations = 0.0
        var modelTime = Duration.zero
        var pending: [[Int32]] = []
        var pendingTokens = 0
        var line: [UInt8] = []

        func flush() throws {
            guard !pending.isEmpty else { return }
            let vectors: [Float]
            let passStarted = clock.now
            do {
                vectors = try model.embed(pending)
            } catch {
                throw CLIError("embedding failed: \(error.message)", exitCode: 1)
            }
            modelTime += clock.now - passStarted
            passes += 1
            if roofline { operations += model.encoder.forwardOperations(sequenceLengths: pending.lazy.map(\.count)) }
            let dimension = model.dimension
            for row in 0..<pending.count {
                line.removeAll(keepingCapacity: true)
                line.append(contentsOf: #"{"embedding":["#.utf8)
                for column in 0..<dimension {
                    if column > 0 { line.append(UInt8(ascii: ",")) }
                    line.append(contentsOf: vectors[row * dimension + column].description.utf8)
                }
                line.append(contentsOf: "]}\n".utf8)
                try output.append(line)
            }
            texts += pending.count
            tokens += pendingTokens
            pending.removeAll(keepingCapacity: true)
            pendingTokens = 0
            progress.update(texts: texts, tokens: tokens)
        }

        while let (_, text) = try input.next() {
            let ids = model.tokenize(text)
            if pendingTokens + ids.count > batchTokens || pending.count >= (batchTexts ?? .max) { try flush() }
            pending.append(ids)
            pendingTokens += ids.count
        }
        try flush()
        try output.flush()
        progress.finish()

        let seconds = (clock.now - started).inSeconds
        let rate = seconds > 0 ? Double(tokens) / seconds : 0
        // Said at the end, next to the figures it explains, so that a failing run prints one line only.
        CLIError.report("precision: \(model.encoder.precisionReason)", prefix: false)
        CLIError.report(
            "embedded \(texts) texts, \(tokens) tokens in \(String(format: "%.3f", seconds)) s (\(Int(rate.rounded())) tokens/s)",
            prefix: false
        )
        if roofline, passes > 0 {
            reportRoofline(model: model, operations: operations, passes: passes, tokens: tokens, modelTime: modelTime)
        }
    }

    /// Prints the model's achieved GFLOP/s (forward passes only, no tokenising or output), the
    /// sgemm rate on the encoder's shapes at the average pass size, and their ratio.
    private func reportRoofline(
        model: SentenceEmbeddingModel, operations: Double, passes: Int, tokens: Int, modelTime: Duration
    ) {
        let rows = max(1, Int((Double(tokens) / Double(passes)).rounded()))
        let sgemm = model.encoder.measureLinearProductRate(rows: rows)
        let achieved = modelTime > .zero ? operations / modelTime.inSeconds : 0
        let fraction = sgemm > 0 ? achieved / sgemm : 0
        CLIError.report(
            "roofline: model \(String(format: "%.1f", achieved / 1e9)) GFLOP/s, sgemm \(String(format: "%.1f", sgemm / 1e9)) "
                + "GFLOP/s on the encoder's linear products at M = \(rows) (the average of \(passes) passes); "
                + "fraction of the sgemm roofline: \(String(format: "%.3f", fraction))",
            prefix: false
        )
    }
}
