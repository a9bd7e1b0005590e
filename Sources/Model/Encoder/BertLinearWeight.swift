/// One linear layer's weight (without its bias) in the precision the encoder runs: the transposed
/// fp32 matrix OpenBLAS sgemm multiplies, or its packed bf16 form for the AVX512-BF16 kernel.
enum BertLinearWeight {
    /// Row-major `[in, out]` floats.
    case fp32(UnsafeBufferPointer<Float>)
    /// The same matrix rounded to bf16 and packed.
    case bf16(PackedBFloat16Matrix)
}
