import Foundation

/// The number format of the encoder's linear layers (the four matrix products of each BERT layer,
/// over 95% of its arithmetic). Everything else (attention, LayerNorm, GELU, pooling) stays fp32.
public enum EncoderPrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    /// bf16 where the CPU has AVX512-BF16 and the load-time accuracy check passes, else fp32.
    case auto
    /// fp32 weights and OpenBLAS sgemm.
    case fp32
    /// bf16 weights and activations with fp32 sums (`vdpbf16ps`); loading fails where the CPU lacks
    /// AVX512-BF16 or the accuracy check fails.
    case bf16

    public var description: String { rawValue }

    /// The lowest cosine similarity between the fp32 and the bf16 embedding of any accuracy-check
    /// sentence for bf16 to be used (sentence-transformers' own fp32 runs agree to about 0.99999).
    public static let minimumCosine: Double = 0.9999

    /// The precision that runs, and one line saying why, when `requested` is asked for.
    ///
    /// Pure, so that the rule is tested on any CPU: `cpuHasBFloat16` is the capability probe's
    /// answer, and `minimumCosine` measures the bf16 weights against the fp32 ones; it is called
    /// only when bf16 is possible and wanted.
    static func resolve(
        _ requested: EncoderPrecision, cpuHasBFloat16: Bool,
        minimumCosine measure: () throws(ModelError) -> Double
    ) throws(ModelError) -> (precision: EncoderPrecision, reason: String) {
        switch requested {
        case .fp32:
            return (.fp32, "fp32 (requested)")
        case .auto, .bf16:
            guard cpuHasBFloat16 else {
                if requested == .bf16 {
                    throw .invalidInput(
                        "precision bf16 needs a CPU with AVX512-BF16 (avx512_bf16), which this one lacks;"
                            + " use precision auto or fp32")
                }
                return (.fp32, "fp32 (auto: this CPU has no AVX512-BF16)")
            }
            let cosine = try measure()
            let figure = "min cosine to fp32 \(String(format: "%.6f", cosine)) over the accuracy-check sentences"
            guard cosine >= minimumCosine else {
                if requested == .bf16 {
                    throw .invalidInput(
                        "precision bf16 failed its accuracy check: \(figure), below \(minimumCosine);"
                            + " use precision auto or fp32")
                }
                return (.fp32, "fp32 (auto: bf16 failed its accuracy check, \(figure) < \(minimumCosine))")
            }
            return (.bf16, "bf16 (\(requested == .auto ? "auto, " : "")\(figure))")
        }
    }
}
